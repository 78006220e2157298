"""Worker side of the verifier: run `run_tests.py` in the sandbox, put its verdicts in the notebook.

After nbgrader has executed a submission (its kernel exporting each test cell's variables instead
of running hidden tests), the worker calls `verify_notebook`: it takes the test cells' sources from
the assignment definition in the gradebook, runs them in a clean Python in bubblewrap (no network,
no student code on its path, the course's secrets in its environment: a child of the worker's
warm verifier helper, `warm_verifier.py`, or a fresh process when there is none), and replaces
every test cell's outputs in the graded notebook with what that process recorded. The
images the graded notebook displayed go to the verifier too (`displayed_images`): a figure's
exported data counts only where the image the notebook showed agrees with it. A
verifier that crashes or says nothing is the grader's fault: `VerifierError`, never a zero.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from ..environment import tool_environment
from .cells import is_test_cell
from .warm_verifier import HelperGone, HelperTimeout, WarmVerifier, link_tree

log = logging.getLogger(__name__)

VERIFY_SECONDS = 900
_IMPORT = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w]*)[\w.]*\s+import|import\s+([A-Za-z_][\w]*))", re.MULTILINE)
KEEP_ENV = ("LANG", "LC_ALL", "TZ", "PYTHONHASHSEED", "OMP_NUM_THREADS")


class VerifierError(RuntimeError):
    """The grader's own verifier failed: the submission is not graded (no score is written)."""


def test_sources(gradebook_url: str, assignment: str, notebook_id: str, nb) -> dict[str, str]:
    """grade_id -> the instructor's source of every test cell, from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    sources = {}
    with Gradebook(gradebook_url) as gb:
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            try:
                sources[grade_id] = gb.find_source_cell(grade_id, notebook_id, assignment).source
            except MissingEntry:
                raise VerifierError(f"the gradebook has no source for test cell {grade_id!r}") from None
    return sources


def assignment_test_sources(gradebook_url: str, assignment: str) -> dict[str, str]:
    """grade_id -> source of every autograded test cell of the assignment (all its notebooks),
    from the gradebook: what the test cells will import, known before any student code runs."""
    from nbgrader.api import Gradebook, MissingEntry

    sources = {}
    with Gradebook(gradebook_url) as gb:
        try:
            notebooks = gb.find_assignment(assignment).notebooks
        except MissingEntry:
            return {}
        for notebook in notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            by_name = {cell.name: cell for cell in notebook.source_cells}
            for cell in notebook.grade_cells:
                source = by_name.get(cell.name)
                if cell.cell_type == "code" and cell.name not in answers and source is not None:
                    sources[cell.name] = source.source
    return sources


def imported_modules(source: str) -> set[str]:
    """Top-level names of the modules a test cell imports."""
    return {m.group(1) or m.group(2) for m in _IMPORT.finditer(source)}


def package_dirs(sources: dict[str, str]) -> list[str]:
    """Folders of the packages the test cells import (bound read-only into the sandbox)."""
    dirs = set()
    for source in sources.values():
        for name in imported_modules(source):
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                continue
            if spec is not None and spec.submodule_search_locations:
                dirs.update(os.path.realpath(p) for p in spec.submodule_search_locations)
    return sorted(dirs)


def verifier_environment(secret_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV}
    env.update(secret_env)
    env.update(PATH="/usr/local/bin:/usr/bin:/bin", HOME="/tmp", MPLBACKEND="Agg", MPLCONFIGDIR="/tmp/.matplotlib", KERAS_HOME="/tmp/.keras",
               TF_CPP_MIN_LOG_LEVEL="3", PYTHONDONTWRITEBYTECODE="1", JUPYTER_PLATFORM_DIRS="1")
    env.setdefault("LANG", "C.UTF-8")
    return tool_environment(env)


def run_verifier(job_dir: Path, tests: list[dict], *, readonly: list[str], sandbox: dict | None,
                 secret_env: dict[str, str], timeout: float = VERIFY_SECONDS, warm: WarmVerifier | None = None) -> dict:
    """Run run_tests.py on `tests` (in a child of the `warm` helper when given, whose spool holds
    `job_dir`, else in a fresh process); its results, or VerifierError. HelperGone from the warm
    helper goes to the caller, who verifies the cold way instead."""
    (job_dir / "tests.json").write_text(json.dumps(tests), encoding="utf-8")
    log_path = job_dir / "verifier.log"
    if warm is not None:
        try:
            returncode = warm.run(job_dir, timeout)
        except HelperTimeout as err:
            raise VerifierError(str(err)) from None
        return _results(job_dir, returncode, log_path)
    cmd = [sys.executable, "-I", "-m", "autograder.verify.run_tests", str(job_dir)]
    env = verifier_environment(secret_env)
    if sandbox is not None:
        from ..sandbox.bwrap import SandboxSpec, bwrap_command
        from ..sandbox.limits import Limits

        if sandbox.get("uid") is not None:
            os.chown(job_dir, sandbox["uid"], sandbox["uid"])
        spec = SandboxSpec(uid=sandbox.get("uid"), chdir=str(job_dir), writable=[str(job_dir)],
                           readonly=readonly, limits=Limits(**sandbox["limits"]))
        cmd = [*sandbox.get("cgroup_prefix", []), *bwrap_command(cmd, spec, bwrap=sandbox["bwrap"])]
    with open(log_path, "wb") as out:
        try:
            proc = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  timeout=timeout, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise VerifierError(f"the verifier ran longer than {timeout:.0f} s") from None
    return _results(job_dir, proc.returncode, log_path)


def _results(job_dir: Path, returncode: int, log_path: Path) -> dict:
    results = job_dir / "results.json"
    if returncode != 0 or not results.exists():
        detail = (job_dir / "verifier-error.txt")
        tail = detail.read_text(errors="replace") if detail.exists() else \
            log_path.read_text(errors="replace") if log_path.exists() else ""
        raise VerifierError(f"the verifier exited with {returncode}: {tail.strip()[-600:]}")
    return json.loads(results.read_text(encoding="utf-8"))


def apply_results(nb, results: dict) -> list[str]:
    """Replace each test cell's outputs with the verifier's; returns grade ids it did not decide."""
    undecided = []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        verdict = results.get(grade_id)
        if verdict is None:
            undecided.append(grade_id)
            continue
        cell.outputs = [nbformat.from_dict(o) for o in verdict["outputs"]]
        cell.execution_count = None
        cell.metadata.setdefault("autograder", {})["verified"] = "clean-process"
    return undecided


def displayed_images(nb, job_dir: Path) -> dict[str, list[str]]:
    """grade_id -> the PNGs (paths relative to `job_dir`) the notebook displayed in the cells before
    that test cell (test cells' own outputs excluded: the verifier replaces them). Written once each
    to `job_dir`/evidence, read-only: the evidence a rebuilt figure is checked against."""
    import base64
    import hashlib

    folder = job_dir / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    shown: list[str] = []
    before: dict[str, list[str]] = {}
    for cell in nb.cells:
        if is_test_cell(cell):
            before[cell.metadata["nbgrader"]["grade_id"]] = list(shown)
            continue
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {}) if output.get("output_type") in ("display_data", "execute_result") else {}
            png = data.get("image/png")
            if not isinstance(png, str):
                continue
            try:
                raw = base64.b64decode(png)
            except ValueError:
                continue
            name = f"evidence/{hashlib.sha256(raw).hexdigest()[:24]}.png"
            path = job_dir / name
            if not path.exists():
                path.write_bytes(raw)
                path.chmod(0o444)
            if name not in shown:
                shown.append(name)
    folder.chmod(0o555)
    return before


def prepare_job(job_dir: Path, nb, sources: dict[str, str], exports: Path, models: Path,
                export_problems: dict[str, str] | None = None) -> list[dict]:
    """Fill `job_dir` with what the verifier reads: the displayed images, and the kernel's exports
    and models (linked in, see `link_tree`); returns the tests to decide, in notebook order."""
    images = displayed_images(nb, job_dir)
    link_tree(exports, job_dir / "exports")
    link_tree(models, job_dir / "models")
    return [{"grade_id": gid, "source": src, "export": f"exports/{gid}",
             "export_problem": (export_problems or {}).get(gid, ""), "images": images.get(gid, [])}
            for gid, src in sources.items()]


def verify_notebook(nb_path: Path, *, job_dir: Path, exports: Path, models: Path, gradebook_url: str,
                    assignment: str, sandbox: dict | None, secret_env: dict[str, str],
                    export_problems: dict[str, str] | None = None, warm: WarmVerifier | None = None) -> dict:
    """Decide every test cell of the graded notebook at `nb_path` in a clean process (in place):
    a child of the `warm` helper when there is one that works, else a fresh process in `job_dir`."""
    nb = nbformat.read(nb_path, as_version=nbformat.NO_CONVERT)
    sources = test_sources(gradebook_url, assignment, nb_path.stem, nb)
    if not sources:
        return {}
    readonly = package_dirs(sources)
    results = None
    if warm is not None:
        spooled = None
        try:
            spooled = warm.job_dir()
            tests = prepare_job(spooled, nb, sources, exports, models, export_problems)
            results = run_verifier(spooled, tests, readonly=readonly, sandbox=sandbox, secret_env=secret_env, warm=warm)
        except HelperGone as err:
            log.warning("warm verifier unavailable (%s); verifying %s in a fresh process", err, nb_path.name)
        finally:
            if spooled is not None:
                shutil.rmtree(spooled, ignore_errors=True)
    if results is None:
        job_dir.mkdir(parents=True, exist_ok=True)
        tests = prepare_job(job_dir, nb, sources, exports, models, export_problems)
        results = run_verifier(job_dir, tests, readonly=readonly, sandbox=sandbox, secret_env=secret_env)
    undecided = apply_results(nb, results)
    if undecided:
        raise VerifierError(f"the verifier did not decide {', '.join(undecided)}")
    nbformat.write(nb, nb_path)
    return results
