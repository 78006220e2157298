"""Decide a job's hidden tests in a process forked from a warm, sandboxed verifier helper.

A fresh verifier (`run_tests.py` in bubblewrap) spends 3-4 s of CPU importing TensorFlow, Keras,
scikit-learn, matplotlib and pandas before it decides anything: most of what the clean verifier
added to grading time (benchmarks/grading.py: 1.14x the time of hidden tests run in the kernel).
So each grading worker keeps one verifier helper. It starts once, in a sandbox of its own (no
network, read-only system, its own pid namespace, uid and cgroup, no student code, the course's
secrets in its environment), imports those modules and whatever the test cells import, then forks
a child per job. The child is what a fresh verifier would be: it reads only that job's folder in
the helper's spool (tests.json, the displayed images, and the job's exports and models, linked in
by the worker), writes results.json there and exits.

One job's data cannot reach the next. The helper never reads a job's files itself; a child starts
from the helper's memory, untouched by earlier jobs (copy-on-write); the helper is not dumpable
(no ptrace, no /proc/PID/mem); after each child it kills every other process in its namespace and
empties its /tmp and /dev/shm; the worker names each job's folder at random and removes it after.

Protocol, one JSON object per line: the helper says {"ready": true} once its imports are done, the
worker sends {"job_dir"}, the helper answers {"returncode"} when that job's child has ended. If the
worker goes away (its end of the pipe closes), the helper kills the child and exits.
"""

from __future__ import annotations

import ast
import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from ..forked import reply, requests, run_as_new_program, wait_for_child

# imported by the helper before its first fork: what rebuilding exports and deciding tests load
PRELOAD = ("autograder.verify.run_tests", "autograder.verify.rehydrate", "autograder.verify.figure_evidence",
           "autograder.verify.figures", "numpy", "pandas", "matplotlib.figure", "keras", "IPython.display")
READY_SECONDS = 300


class HelperGone(RuntimeError):
    """The helper died, never became ready or stopped answering: the caller verifies the cold way."""


class HelperTimeout(RuntimeError):
    """A job's child ran past the time limit (the helper was killed with it)."""


def link_tree(src: Path, dest: Path) -> None:
    """`dest` becomes a copy of the folder `src` made of hard links (a copy where they cannot be
    made, or the file is not readable by others): regular files and symlinks only, never followed,
    so a FIFO, a device or a link to a grader's file that a kernel left in its export folder is
    not read on the grader's side (a symlink resolves inside the verifier's sandbox, as before)."""
    dest.mkdir(parents=True, exist_ok=True)
    if not src.is_dir():
        return
    for entry in os.scandir(src):
        target = dest / entry.name
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode):
            link_tree(Path(entry.path), target)
        elif stat.S_ISLNK(mode):
            os.symlink(os.readlink(entry.path), target)
        elif stat.S_ISREG(mode):
            try:
                if not mode & stat.S_IROTH:       # e.g. a kernel's umask 077: the verifier's uid may differ
                    raise PermissionError
                os.link(entry.path, target, follow_symlinks=False)
            except OSError:
                shutil.copyfile(entry.path, target, follow_symlinks=False)
                os.chmod(target, 0o644)


def preload_statements(sources: list[str]) -> list[str]:
    """The import statements of the test cells' sources (the instructor's, from the gradebook),
    in order and without repeats: the helper runs them once so no child pays for them."""
    seen: list[str] = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and not node.level):
                line = ast.unparse(node)
                if line not in seen:
                    seen.append(line)
    return seen


class WarmVerifier:
    """The worker's side: one helper, started on first use, replaced when its settings change or it
    died. `start` does not wait for the helper's imports (they overlap the first notebook's run)."""

    def __init__(self, python: str = sys.executable):
        self.python = python
        self._proc: subprocess.Popen | None = None
        self._key: str | None = None
        self._ready = False
        self._pending = b""
        self.spool: Path | None = None
        self._uid: int | None = None
        self._cgroup = None

    def start(self, *, readonly: list[str], sandbox: dict | None, secret_env: dict[str, str],
              preload: list[str], environment: dict[str, str]) -> None:
        limits = dict(sandbox["limits"]) if sandbox else None
        key = json.dumps([sorted(readonly), bool(sandbox), sandbox and sandbox.get("bwrap"), limits,
                          sorted(secret_env.items()), preload, sandbox and sandbox.get("uid") is not None])
        if self._proc is not None and self._proc.poll() is None and key == self._key:
            return
        self.close()
        self._key, self._ready, self._pending = key, False, b""
        self.spool = Path(tempfile.mkdtemp(prefix="autograder-verifier-"))
        self.spool.chmod(0o755)                  # the helper (its own uid, as root) cannot create here
        cmd = [self.python, "-I", "-m", "autograder.verify.warm_verifier", json.dumps(preload)]
        if sandbox is not None:
            from ..sandbox import cgroups
            from ..sandbox.bwrap import SandboxSpec, bwrap_command, job_uid
            from ..sandbox.limits import Limits

            lim = Limits(**sandbox["limits"])
            uid = self._uid = job_uid() if sandbox.get("uid") is not None else None
            spec = SandboxSpec(uid=uid, chdir=str(self.spool), readonly=readonly, writable=[str(self.spool)], limits=lim)
            cmd = [*bwrap_command([*cmd, "--reap"], spec, bwrap=sandbox["bwrap"])]
            if cgroups.available():
                self._cgroup = cgroups.JobCgroup.create(lim.memory_bytes, lim.tasks, lim.cpus)
                cmd = [*self._cgroup.prefix(), *cmd]
        else:
            self._uid = None
        log = open(self.spool / "helper.log", "wb")
        try:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                          env=environment, start_new_session=True)
        finally:
            log.close()

    def job_dir(self) -> Path:
        """A new, unguessable folder in the spool for one job, writable by the helper's uid only."""
        if self.spool is None:
            raise HelperGone("the verifier helper was not started")
        path = Path(tempfile.mkdtemp(prefix="job-", dir=self.spool))
        path.chmod(0o700)
        if self._uid is not None:
            os.chown(path, self._uid, self._uid)
        return path

    def _read(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._pending:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise HelperGone(f"the verifier helper ended: {self._log_tail()}")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return json.loads(line)

    def _log_tail(self) -> str:
        try:
            return (self.spool / "helper.log").read_text(errors="replace").strip()[-400:]
        except (OSError, TypeError):
            return ""

    def run(self, job_dir: Path, timeout: float) -> int:
        """The exit code of the job's child, HelperGone (verify it cold), or HelperTimeout."""
        if self._proc is None:
            raise HelperGone("the verifier helper was not started")
        try:
            if not self._ready:
                if self._read(READY_SECONDS) is None:
                    raise HelperGone(f"the verifier helper was not ready within {READY_SECONDS} s")
                self._ready = True
            self._proc.stdin.write((json.dumps({"job_dir": str(job_dir)}) + "\n").encode())
            self._proc.stdin.flush()
            done = self._read(timeout)
        except (HelperGone, BrokenPipeError, OSError, ValueError) as err:
            self.close()
            raise err if isinstance(err, HelperGone) else HelperGone(f"the verifier helper stopped answering: {err}")
        if done is None:
            self.close()
            raise HelperTimeout(f"the verifier ran longer than {timeout:.0f} s")
        return int(done["returncode"])

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                try:
                    pipe.close()
                except (OSError, ValueError):
                    pass
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        if self.spool is not None:
            shutil.rmtree(self.spool, ignore_errors=True)
            self.spool = None


# ---------------------------------------------------------------- the helper process

def _not_dumpable() -> None:
    """No process of our uid may ptrace us or read our memory (PR_SET_DUMPABLE = 0, inherited by
    every forked child, so children cannot reach each other either)."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _child(job_dir: str) -> NoReturn:
    """In the forked child: become a fresh verifier for `job_dir`, then never return."""
    def verifier() -> int:
        from autograder.verify.run_tests import main

        return main([job_dir])

    run_as_new_program(verifier, log=os.path.join(job_dir, "verifier.log"), cwd=job_dir, failure=3)


def _reap_namespace() -> None:
    """Kill every process of our pid namespace but us (and its init), then reap our children."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                break
        except ChildProcessError:
            break


def _mount_points() -> list[str]:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            return [line.split()[4].replace("\\040", " ") for line in f]
    except OSError:
        return []


def _empty(folder: str) -> None:
    """What a job's child left in a shared scratch folder (/tmp, /dev/shm) goes before the next.
    Mount points the sandbox made there (the spool, when it lies under the host's /tmp) and the
    folders above them stay."""
    mounts = _mount_points()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if any(m == entry.path or m.startswith(entry.path + "/") for m in mounts):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                for root, dirs, _ in os.walk(entry.path):
                    for d in dirs:
                        try:
                            os.chmod(os.path.join(root, d), 0o700, follow_symlinks=False)
                        except OSError:
                            pass
                os.chmod(entry.path, 0o700)
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def serve(preload_lines: list[str], reap: bool, requests_fd: int = 0) -> None:
    import importlib

    _not_dumpable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    for line in preload_lines:              # the test cells' own imports: a failure shows in the child
        try:
            exec(compile(line, "<preload>", "exec"), {"__name__": "__preload__"})
        except Exception:                   # noqa: BLE001
            pass
    reply({"ready": True})
    for request in requests(requests_fd):
        job_dir = request["job_dir"]
        pid = os.fork()
        if pid == 0:
            _child(job_dir)
        worker_alive = wait_for_child(pid, requests_fd)
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        _, status = os.waitpid(pid, 0)
        if reap:
            _reap_namespace()
            _empty("/tmp")
            _empty("/dev/shm")
        if not worker_alive:
            return
        reply({"returncode": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]), reap="--reap" in sys.argv[2:])
