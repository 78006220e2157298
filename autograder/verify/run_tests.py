"""The clean verifier: run each test cell's source, as the instructor wrote it, on rebuilt variables.

    python -I -m autograder.verify.run_tests JOB_DIR

JOB_DIR holds `tests.json` ([{"grade_id", "source", "export", "images"}] in notebook order, the sources taken
from the assignment definition in the gradebook, never from the student's notebook), one export
folder per test cell, `models/` and `evidence/` (the PNGs the graded notebook displayed; "images"
names those shown before each test cell, and figures are checked against them). For every test cell this process rebuilds the variables the
kernel exported before that cell (`rehydrate.py`), runs the cell's code on them and records what a
kernel would have recorded: stdout, the value of a last expression, or the error. It writes
`results.json`; the worker puts those outputs into the graded notebook, where nbgrader's own
SaveAutoGrades turns them into scores. Nothing the student's kernel printed or returned for a test
cell is used. Runs in the sandbox, with no network, no student code on its path, and the course's
secrets (from the grader's configuration) in its environment.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import sys
import time
import traceback

from .rehydrate import Rebuilder

STREAM_LIMIT = 200_000
_displayed: list[dict] = []


def _display(*objs, raw: bool = False, **kwargs) -> None:
    """IPython.display.display as a kernel records it: a display_data output per object (test code
    leaves machine-readable records for reports this way)."""
    for obj in objs:
        data = obj if raw and isinstance(obj, dict) else {"text/plain": repr(obj)}
        _displayed.append({"output_type": "display_data", "data": data, "metadata": {}})


def _install_display() -> None:
    try:
        import IPython.display
    except ImportError:
        return
    IPython.display.display = _display


class GraderFault(Exception):
    """The instructor's test code could not run here (e.g. a module it imports is missing)."""


def _run_cell(source: str, namespace: dict, grade_id: str) -> list[dict]:
    outputs: list[dict] = []
    _displayed.clear()
    out, err = io.StringIO(), io.StringIO()
    result = None
    try:
        tree = ast.parse(source, filename=f"<{grade_id}>")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(tree, f"<{grade_id}>", "exec"), namespace)
            if last is not None:
                result = eval(compile(ast.Expression(last.value), f"<{grade_id}>", "eval"), namespace)
    except ImportError as exc:  # the test's own imports: the grader's environment, never the student
        raise GraderFault(f"{grade_id}: the test code cannot import what it needs here ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # a failing test is an error output, exactly as in a kernel
        if out.getvalue():
            outputs.append({"output_type": "stream", "name": "stdout", "text": out.getvalue()[:STREAM_LIMIT]})
        outputs.extend(_displayed)
        ename, evalue = type(exc).__name__, str(exc)
        outputs.append({"output_type": "error", "ename": ename, "evalue": evalue,
                        "traceback": [f"{ename}: {evalue}"]})
        return outputs
    if out.getvalue():
        outputs.append({"output_type": "stream", "name": "stdout", "text": out.getvalue()[:STREAM_LIMIT]})
    outputs.extend(_displayed)
    if result is not None:
        outputs.append({"output_type": "execute_result", "execution_count": None, "metadata": {},
                        "data": {"text/plain": repr(result)[:STREAM_LIMIT]}})
    return outputs


def verify(job_dir: str) -> dict:
    with open(os.path.join(job_dir, "tests.json"), encoding="utf-8") as f:
        tests = json.load(f)
    models = os.path.join(job_dir, "models")
    results = {}
    for test in tests:
        start = time.monotonic()
        export = os.path.join(job_dir, test["export"])
        if not os.path.exists(os.path.join(export, "manifest.json")):
            status = "missing"
            reason = test.get("export_problem") or "the notebook did not reach this test (its kernel stopped earlier)"
            outputs = [{"output_type": "error", "ename": "NotReached", "evalue": reason,
                        "traceback": [f"NotReached: {reason}"]}]
        else:
            status = "ran"
            images = test.get("images")
            images = None if images is None else [os.path.join(job_dir, p) for p in images]
            namespace = Rebuilder(export, models, images).namespace()
            namespace.setdefault("__name__", "__main__")
            outputs = _run_cell(test["source"], namespace, test["grade_id"])
        results[test["grade_id"]] = {"outputs": outputs, "status": status,
                                     "seconds": round(time.monotonic() - start, 3)}
    return results


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    job_dir = argv[0]
    os.environ.setdefault("MPLBACKEND", "Agg")
    _install_display()
    try:
        results = verify(job_dir)
    except Exception:
        with open(os.path.join(job_dir, "verifier-error.txt"), "w", encoding="utf-8") as f:
            f.write(traceback.format_exc())
        return 3
    tmp = os.path.join(job_dir, "results.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(results, f)
    os.replace(tmp, os.path.join(job_dir, "results.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
