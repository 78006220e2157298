"""Grade one submission: plain nbgrader `autograde` in a private scratch course.

The scratch course holds only this student's files, the assignment definition (a gradebook with
no other students) and the course config, plus a few config lines that swap nbgrader's Execute
preprocessor for `CappedExecute` (Execute + an output cap) and, in sandbox mode, start the
kernel in bubblewrap. nbgrader itself runs in a child process with its own session, so the
per-submission wall-time limit can kill it and its kernel wholesale; that child is forked from a
helper that has nbgrader imported already (warm_nbgrader.py), or, if the helper is gone, started
afresh. Returns data, never raises.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from ..environment import tool_environment
from ..sandbox import cgroups
from ..sandbox.bwrap import find_bwrap, job_uid, python_paths
from ..sandbox.cgroups import unmount
from ..sandbox.execute import EVENTS_VAR, VERIFY_VAR
from ..sandbox.kernel import ENV_VAR, sandbox_settings
from ..verify.clean_run import (VerifierError, assignment_test_sources, imported_modules, package_dirs,
                                verifier_environment, verify_notebook)
from ..verify.warm_verifier import WarmVerifier, preload_statements
from .jobs import GradingJob, GradingResult
from .warm_nbgrader import HelperGone, WarmNbgrader

JOB_CONFIG = '''

# ---- added by `autograder grade` for one grading job (not part of the course config) ----
from nbgrader.converters import Autograde as _Autograde
from nbgrader.preprocessors import Execute as _Execute
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
_pps = c.Autograde.autograde_preprocessors if "autograde_preprocessors" in c.Autograde \\
    else list(_Autograde.class_traits()["autograde_preprocessors"].default())
c.Autograde.autograde_preprocessors = [
    "autograder.sandbox.execute.CappedExecute"
    if p in (_Execute, "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.execute.Execute")
    else p for p in _pps]
c.CappedExecute.max_output_bytes = {output_bytes}
{extra}
'''

KERNEL_DIED = ("DeadKernelError", "Kernel died", "UnresponsiveKernelError")
_MISSING_MODULE = re.compile(r"No module named '([\w.]+)'|cannot import name .* from '([\w.]+)'")


class GraderFault(RuntimeError):
    """The grader's own machinery failed on this job: recorded as a grader error, never a score."""


def kernel_test_import_failures(nb_bytes: bytes, sources: dict[str, str]) -> list[str]:
    """Test cells that ran in the kernel (`c.Grade.verify = False`) but could not import a module
    their own code imports: the grader's environment is at fault, not the student's answer."""
    try:
        nb = json.loads(nb_bytes)
    except ValueError:
        return []
    failures = []
    for cell in nb.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id not in sources:
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error" or out.get("ename") not in ("ModuleNotFoundError", "ImportError"):
                continue
            match = _MISSING_MODULE.search(str(out.get("evalue", "")))
            module = (match.group(1) or match.group(2)) if match else ""
            if module and module.split(".")[0] in imported_modules(sources[grade_id]):
                failures.append(f"{grade_id}: the test code cannot import what it needs in the kernel "
                                f"({out['ename']}: {out.get('evalue', '')})")
    return failures


def _write_tree(base: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = (base / rel).resolve()
        if base.resolve() not in path.parents:
            continue                      # "../" in a name: never write outside the folder
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _nbgrader_command() -> list[str]:
    exe = Path(sys.executable).parent / "nbgrader"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "nbgrader"]


log = logging.getLogger(__name__)
_local = threading.local()         # one warm nbgrader helper per worker thread (Dask runs several)


def _warm_nbgrader() -> WarmNbgrader:
    warm = getattr(_local, "warm", None)
    if warm is None or _local.pid != os.getpid():
        _local.warm, _local.pid = WarmNbgrader(), os.getpid()
        _local.verifier = None
    return _local.warm


def _warm_verifier() -> WarmVerifier | None:
    """This worker thread's verifier helper (None when AUTOGRADER_VERIFIER=cold: a fresh process
    per notebook, as benchmarks/grading.py compares)."""
    if os.environ.get("AUTOGRADER_VERIFIER") == "cold":
        return None
    _warm_nbgrader()                          # a new process (fork, spawn) starts with no helpers
    if getattr(_local, "verifier", None) is None:
        _local.verifier = WarmVerifier()
        atexit.register(_local.verifier.close)
    return _local.verifier


def _run_autograde(argv: list[str], *, cwd: Path, env: dict[str, str], log_path: Path,
                   timeout: float) -> int | None:
    """nbgrader's exit code, or None when it was killed for running past `timeout` seconds."""
    try:
        done = _warm_nbgrader().run(argv, cwd=str(cwd), env=env, log=str(log_path), timeout=timeout)
        return None if done.timed_out else done.returncode
    except HelperGone:
        # start again in a brand-new process, without what a half-run attempt left behind
        shutil.rmtree(cwd / "autograded", ignore_errors=True)
        if env.get(EVENTS_VAR):
            Path(env[EVENTS_VAR]).unlink(missing_ok=True)
        return _run_cold(argv, cwd=cwd, env=env, log_path=log_path, timeout=timeout)


def _run_cold(argv: list[str], *, cwd: Path, env: dict[str, str], log_path: Path,
              timeout: float) -> int | None:
    """The same job in a brand-new `nbgrader` process (when the warm helper is unavailable)."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([*_nbgrader_command(), *argv], cwd=cwd, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)   # nbgrader and, through bwrap, the kernel
            except ProcessLookupError:
                pass
            proc.wait()
    return None if timed_out else proc.returncode


def _reasons_from_notebook(nb_bytes: bytes, job: GradingJob) -> list[str]:
    """Name the limits a notebook ran into, from the errors nbgrader recorded in it."""
    reasons = []
    try:
        nb = json.loads(nb_bytes)
    except ValueError:
        return ["autograded notebook is not valid JSON"]
    lim = job.limits
    for index, cell in enumerate(nb.get("cells", [])):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"cell {index}")
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            ename, evalue = out.get("ename", ""), str(out.get("evalue", ""))
            if ename == "CellTimeoutError":
                reasons.append(f"{grade_id}: timed out (nbgrader Execute.timeout)")
            elif ename == "MemoryError" or "Cannot allocate memory" in evalue:
                reasons.append(f"{grade_id}: memory limit reached ({lim.memory_bytes / 2**30:.1f} GiB)")
            elif "Resource temporarily unavailable" in evalue and ename in ("BlockingIOError", "OSError", "RuntimeError"):
                reasons.append(f"{grade_id}: process/thread limit reached ({lim.tasks} tasks)")
            elif ename == "OutputLimitError":
                reasons.append(f"{grade_id}: {evalue}")
            elif "File too large" in evalue:
                reasons.append(f"{grade_id}: file size limit reached ({lim.file_bytes >> 20} MiB)")
    return reasons


def _seed_matplotlib_cache(dest: Path) -> None:
    """Give the sandboxed kernel (whose HOME is empty) this machine's matplotlib font list, so
    each submission does not rebuild it; matplotlib verifies the list and rebuilds if stale."""
    import matplotlib

    dest.mkdir(parents=True, exist_ok=True)
    for cached in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
        shutil.copy(cached, dest / cached.name)


def grade_job(job: GradingJob, scratch_base: str | None = None) -> GradingResult:
    start = time.monotonic()
    result = GradingResult(job.student, job.assignment, job.key, ok=False,
                           worker=f"{socket.gethostname()}:{os.getpid()}")
    if job.rejected:
        result.reasons.append(job.rejected)
        return result
    scratch = Path(tempfile.mkdtemp(prefix="autograder-job-", dir=scratch_base))
    cgroup, tmpfs = None, None
    try:
        if job.sandbox:
            cgroup, tmpfs = _job_limits(job, scratch)
        _run_nbgrader(job, scratch, result, cgroup)
    except VerifierError as err:
        result.ok = False
        result.grader_error = f"verifier: {err}"
    except GraderFault as err:
        result.ok = False
        result.grader_error = str(err)
    except Exception as err:                  # a broken job must never take the run down
        result.ok = False
        result.grader_error = f"{type(err).__name__}: {err}"
    finally:
        if cgroup is not None:
            if cgroup.memory_peak_hit() and not any("memory" in r for r in result.reasons):
                result.reasons.append(f"memory limit reached ({job.limits.memory_bytes / 2**30:.1f} GiB for the "
                                      "whole submission, files in /tmp and /dev/shm included)")
            cgroup.remove()               # whatever the submission left running ends here
        if tmpfs is not None:
            unmount(tmpfs)
        shutil.rmtree(scratch, ignore_errors=True)
        result.seconds = time.monotonic() - start
    return result


def _job_limits(job: GradingJob, scratch: Path):
    """A cgroup for the whole job and a sized tmpfs for its /tmp, where this machine allows them."""
    cgroup = tmpfs = None
    if cgroups.available():
        cgroup = cgroups.JobCgroup.create(job.limits.memory_bytes, job.limits.tasks, job.limits.cpus)
    (scratch / "tmp").mkdir()
    if cgroups.sized_tmpfs(scratch / "tmp", job.limits.disk_bytes, job.limits.inodes):
        tmpfs = scratch / "tmp"
    return cgroup, tmpfs


def _run_nbgrader(job: GradingJob, scratch: Path, result: GradingResult, cgroup=None) -> None:
    course = scratch / "course"
    runtime, tmp = scratch / "run", scratch / "tmp"
    for folder in (course, runtime, tmp):
        folder.mkdir(exist_ok=True)
    submitted = course / "submitted" / job.student / job.assignment
    submitted.mkdir(parents=True)
    _write_tree(submitted, job.submission)
    source = course / "source" / job.assignment
    source.mkdir(parents=True)
    _write_tree(source, job.source_files)
    if job.sandbox:
        _seed_matplotlib_cache(tmp / ".matplotlib")
    (course / "gradebook.db").write_bytes(job.gradebook)
    (course / "nbgrader_config.py").write_text(job.config + JOB_CONFIG.format(
        root=str(course), db_url=f"sqlite:///{course / 'gradebook.db'}",
        output_bytes=job.limits.output_bytes, extra=job.extra_config))

    # nbgrader only logs a config file that fails to load and carries on with defaults (the
    # real course root!); load it here first so a broken config fails this job loudly instead.
    PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()

    env = tool_environment()                  # alembic and the kernel's python first on PATH
    for name in job.secret_env:
        env.pop(name, None)                   # secrets reach the verifier only, never nbgrader or the kernel
    env[EVENTS_VAR] = str(scratch / "events.jsonl")
    env.pop(ENV_VAR, None)
    env.pop(VERIFY_VAR, None)
    exports, models = runtime / "exports", runtime / "models"
    if job.verify:
        exports.mkdir()
        models.mkdir()
        env[VERIFY_VAR] = json.dumps({"exports": str(exports), "models": str(models)})
    # what the test cells import: bound into the kernel's sandbox when they run there, preloaded
    # by the warm verifier when they run in the clean process
    test_sources = assignment_test_sources(f"sqlite:///{course / 'gradebook.db'}", job.assignment)
    if job.sandbox:
        readonly = [] if job.verify else [d for d in package_dirs(test_sources) if d not in python_paths()]
        env[ENV_VAR] = sandbox_settings(runtime_dir=str(runtime), tmp_dir=str(tmp), uid=job_uid(),
                                        limits=job.limits, bwrap=find_bwrap(), readonly=readonly,
                                        cgroup_prefix=cgroup.prefix() if cgroup is not None else None)
    warm = _warm_verifier() if job.verify else None
    if warm is not None:                      # its imports overlap this notebook's run
        try:
            warm.start(readonly=package_dirs(test_sources), sandbox=json.loads(env[ENV_VAR]) if job.sandbox else None,
                       secret_env=job.secret_env, preload=preload_statements(list(test_sources.values())),
                       environment=verifier_environment(job.secret_env))
        except OSError as err:                # no helper: this notebook gets a fresh verifier
            log.warning("cannot start the verifier helper (%s); verifying in a fresh process", err)
            warm.close()
            warm = None
    log_path = scratch / "nbgrader.log"
    argv = ["autograde", job.assignment, "--student", job.student]
    returncode = _run_autograde(argv, cwd=course, env=env, log_path=log_path,
                                timeout=job.limits.job_seconds)
    if returncode is None:
        result.reasons.append(f"cut off: the whole submission ran longer than "
                              f"{job.limits.job_seconds} s")
    if log_path.exists():
        with open(log_path, "rb") as f:
            f.seek(max(0, log_path.stat().st_size - 8000))
            result.log_tail = f.read().decode("utf-8", "replace")

    events = scratch / "events.jsonl"
    export_problems: dict[str, str] = {}
    if events.exists():
        for line in events.read_text().splitlines():
            event = json.loads(line)
            if event["kind"] == "export_problem":
                export_problems[event["cell"]] = ("the grader could not read your notebook's variables before "
                                                  f"this test: {event['problem']}")
            elif event["kind"] == "output_cap":
                result.reasons.append(f"cell {event['cell_index']}: output cut off at "
                                      f"{event['limit_bytes'] >> 20} MiB")
            elif event["kind"] == "shell_restored":
                result.reasons.append(f"{event['cell']}: the submission had changed how IPython "
                                      f"runs code ({', '.join(event['changed'])}); put back before "
                                      "this test ran")
            elif event["kind"] == "shell_unchecked":
                result.reasons.append(f"{event['cell']}: could not check IPython before this test "
                                      f"({event['problem']})")

    autograded = course / "autograded" / job.student / job.assignment
    notebooks = sorted(autograded.glob("*.ipynb")) if autograded.is_dir() else []
    expected = {Path(name).name for name in job.submission if name.endswith(".ipynb") and "/" not in name}
    if returncode == 0 and notebooks and job.verify:
        sandbox = json.loads(env[ENV_VAR]) if job.sandbox else None
        for path in notebooks:
            verify_notebook(path, job_dir=scratch / "verify" / path.stem, exports=exports, models=models,
                            gradebook_url=f"sqlite:///{course / 'gradebook.db'}", assignment=job.assignment,
                            sandbox=sandbox, secret_env=job.secret_env, export_problems=export_problems,
                            warm=warm)
        result.verified = "clean-process"
    elif returncode == 0 and notebooks:
        result.verified = "kernel"
        failures = [f for path in notebooks for f in kernel_test_import_failures(path.read_bytes(), test_sources)]
        if failures:
            raise GraderFault("; ".join(failures))
    if returncode == 0 and notebooks:
        result.ok = True
        keep = set(job.submission) | set(job.source_files)
        for path in autograded.rglob("*"):
            rel = str(path.relative_to(autograded))
            if path.is_file() and not path.is_symlink() and (rel.endswith(".ipynb") or rel in keep):
                result.files[rel] = path.read_bytes()
        for name in result.notebooks.values():
            result.reasons.extend(_reasons_from_notebook(name, job))
    else:
        if "Resource temporarily unavailable" in result.log_tail:
            result.reasons.append(f"process/thread limit reached ({job.limits.tasks} tasks); "
                                  "the kernel's forked children broke its messaging")
        elif any(marker in result.log_tail for marker in KERNEL_DIED):
            result.reasons.append("the kernel died (killed, crashed or out of memory) before "
                                  "the notebook finished")
        if not result.reasons:
            last = [l for l in result.log_tail.splitlines() if "[ERROR]" in l or "Error" in l]
            result.reasons.append("nbgrader could not grade this submission"
                                  + (f": {last[-1].strip()}" if last else "")
                                  + (f" (no notebook among {sorted(expected)})" if not expected else ""))
