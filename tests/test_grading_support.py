"""A tiny nbgrader course for the grading machinery's tests (no tests here; helpers only).

Cheap cells, one solution cell and two autograded test cells (one with hidden tests), generated
with the real `nbgrader generate_assignment`, so the sandbox and the parallel runner are tested
against nbgrader itself in seconds rather than against the TensorFlow homework in minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

ASSIGNMENT = "tiny"
NOTEBOOK = "tiny.ipynb"
HIDDEN_MARK = "HIDDEN-CHECK-7f3a"      # appears only in the hidden tests
FIXTURES = Path(__file__).parent / "fixtures" / "hostile"

SOLUTION = "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION\n"
CONFIG = """\
c = get_config()
c.CourseDirectory.course_id = "tiny-course"
c.Execute.timeout = 10
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
"""


def _cell(kind, source, **nbgrader):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False,
                                     "grade": False, **nbgrader}
    return cell


def source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        _cell("markdown", "# Tiny assignment\nWrite `add`."),
        _cell("code", SOLUTION, grade_id="answer", solution=True),
        # type checks first: a result that claims to equal anything must not pass
        _cell("code", "r = add(1, 2)\nassert type(r) is int and r == 3\nassert add(2, 2) == 4",
              grade_id="test_add", grade=True, locked=True, points=2),
        _cell("code", "assert add(10, 5) == 15\n### BEGIN HIDDEN TESTS\n"
                      f"# {HIDDEN_MARK}\nassert add(-1, 1) == 0\nr = add(0.5, 0.25)\n"
                      "assert type(r) is float and float.__eq__(r, 0.75)\n"
                      "### END HIDDEN TESTS",
              grade_id="test_hidden", grade=True, locked=True, points=3),
    ]
    return nb


def nbgrader_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def make_course(root: Path) -> Path:
    """source/ + nbgrader_config.py + gradebook.db + release/, via `nbgrader generate_assignment`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    src = root / "source" / ASSIGNMENT
    src.mkdir(parents=True)
    nbformat.write(source_notebook(), src / NOTEBOOK)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
                   cwd=root, env=nbgrader_env(), check=True, capture_output=True)
    return root


def submission(root: Path, answer: str) -> nbformat.NotebookNode:
    """The released notebook with the solution cell's code replaced by `answer`."""
    nb = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = answer
    return nb


def submit(root: Path, student: str, answer: str) -> Path:
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(submission(root, answer), folder / NOTEBOOK)
    (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
    return folder


def payload(name: str, **values) -> str:
    """A hostile fixture's code with its `{{placeholders}}` filled in."""
    text = (FIXTURES / f"{name}.py").read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    return text


def hostile_answer(name: str, course_root: Path, honest: bool = True, after: bool = False,
                   **fmt) -> str:
    """A fixture's payload followed by the honest solution (or preceded by it when `after`;
    no honest solution when `honest` is False), with the course's paths filled in."""
    code = payload(name, course=course_root, assignment=ASSIGNMENT, notebook=NOTEBOOK,
                   victim="honest_1", **fmt)
    answer = "def add(a, b):\n    return a + b\n" if honest else ""
    return f"{answer}\n{code}" if after else f"{code}\n\n{answer}"


def plain_nbgrader_autograde(root: Path, student: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"]
    if student:
        cmd += ["--student", student]
    return subprocess.run(cmd, cwd=root, env=nbgrader_env(), capture_output=True, text=True)
