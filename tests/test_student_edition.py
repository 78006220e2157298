"""The student edition holds no answer, is a repository of its own, and `make lab` works in it.

The leak check here is independent of the module's own: it finds the solution and hidden-test
regions of source/ with nbgrader's delimiters from the course config, matched as nbgrader matches
them (a substring of the line), and greps every file of the edition for every line of them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.student_edition import StudentEditionError, write_student_edition

REPO = Path(__file__).resolve().parent.parent
COURSE_ROOT = REPO / "homework"
ASSIGNMENT = "day76"

# Lines that are both in a solution region and in a lesson notebook, on purpose: idioms, and the
# model the lesson teaches (作業1's network). A new overlap fails the test until someone looks at it.
SHARED_WITH_LESSONS = {
    "keras.utils.set_random_seed(SEED)", "rows = []", "}", "])", "plt.show()", "ax.legend()",
    "keras.Input(shape=(64,)),", 'keras.layers.Dense(64, activation="relu"),',
    'model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])',
}


def _regions(course: Course) -> set[str]:
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    s, h = ClearSolutions(config=course.config), ClearHiddenTests(config=course.config)
    pairs = [(s.begin_solution_delimeter, s.end_solution_delimeter), (h.begin_test_delimeter, h.end_test_delimeter)]
    lines = set()
    for nb in (course.root / "source").rglob("*.ipynb"):
        for cell in nbformat.read(nb, as_version=4).cells:
            end = None
            for line in cell.source.splitlines():
                if end is None:
                    end = next((e for b, e in pairs if b in line), None)
                elif end in line:
                    end = None
                elif line.strip():
                    lines.add(line.strip())
    return lines


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.load(COURSE_ROOT, ASSIGNMENT)


@pytest.fixture(scope="module")
def edition(course, tmp_path_factory) -> Path:
    return write_student_edition(course, tmp_path_factory.mktemp("edition") / "day76-student")


def test_edition_holds_lessons_homework_and_what_validate_needs(edition, course):
    assert (edition / "homework" / course.notebook).read_bytes() == course.release_notebook().read_bytes()
    for lesson in (REPO / "course").glob("*.ipynb"):
        assert (edition / "course" / lesson.name).read_bytes() == lesson.read_bytes()
    assert (edition / "requirements.lock").read_text() == (REPO / "requirements.lock").read_text()
    config = (edition / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = 600" in config and "c.IgnorePattern.enabled = True" in config
    kernel = json.loads((edition / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())
    assert "--IPKernelApp.capture_fd_output=False" in kernel["argv"]
    # the same kernel as this repository's `make lab` (jupyter/kernels/python3/kernel.json)
    assert kernel == json.loads((REPO / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())
    readme = (edition / "README.md").read_text()
    assert "make lab" in readme and f"homework/{course.notebook}" in readme and "nbgrader validate" in readme
    # the student path only: nothing about grading, collecting or the instructor's files
    for word in ("autograde", "source/", "formgrader", "autograder", "gradebook", "instructor"):
        assert word not in readme.lower(), word


def test_no_solution_hidden_test_model_answer_or_example_in_the_edition(edition, course):
    secrets = _regions(course)
    assert len(secrets) > 50          # the regions were found (solutions, hidden tests, the model answer)
    assert any("Rubric" in s for s in secrets) and any("assert_test_accuracy" in s for s in secrets)
    lesson_lines = {l.strip() for nb in (REPO / "course").glob("*.ipynb")
                    for c in nbformat.read(nb, as_version=4).cells for l in c.source.splitlines()}
    release_lines = {l.strip() for c in nbformat.read(course.release_notebook(), as_version=4).cells
                     for l in c.source.splitlines()}
    assert (secrets & lesson_lines) - release_lines <= SHARED_WITH_LESSONS
    secrets -= SHARED_WITH_LESSONS | release_lines
    found = []
    for path in edition.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            lines = text.splitlines()
            if path.suffix == ".ipynb":   # what a student reads: every line of every cell
                lines = [l for c in nbformat.reads(text, as_version=4).cells for l in c.source.splitlines()]
            found += [(path.name, line.strip()) for line in lines if line.strip() in secrets]
    assert not found, found[:10]
    names = {p.name for p in edition.rglob("*")}
    assert not names & {"source", "examples", "solution", "autograded", "gradebook.db", "nbgrader_cli.py"}
    # no example submission and no grader code: the edition's config and the lessons' own helpers only
    lesson_helpers = sorted(f"course/{p.name}" for p in (REPO / "course").glob("*.py"))
    assert sorted(p.relative_to(edition).as_posix() for p in edition.rglob("*.py")) == \
        sorted(["nbgrader_config.py", *lesson_helpers])


def test_a_leaking_configuration_is_refused(course, tmp_path):
    """Lessons configured to include the course folder would copy source/: refused before writing."""
    from traitlets.config import Config

    config = Config(course.config)
    config.StudentEdition.lessons = [".."]
    bad = Course(root=course.root, assignment=course.assignment, notebook=course.notebook,
                 title=course.title, config=config)
    with pytest.raises(StudentEditionError, match="course folder"):
        write_student_edition(bad, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(StudentEditionError, match="not empty"):
        write_student_edition(course, tmp_path / "busy", force=True)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_git_init_and_commit_work_in_the_edition(edition):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "Student edition"]):
        subprocess.run(cmd, cwd=edition, env=env, check=True, capture_output=True)
    tracked = subprocess.run(["git", "ls-files"], cwd=edition, capture_output=True, text=True, check=True).stdout.split()
    assert "homework/Day76-Optimizer_HW.ipynb" in tracked and "Makefile" in tracked
    assert not any(t.startswith(".venv") for t in tracked)


@pytest.mark.slow
def test_make_lab_in_the_edition_serves_a_url_that_opens_the_lesson_and_the_homework(edition):
    """`make lab` (as root here: it must add --allow-root itself) prints a URL; that URL's workspace
    opens the lesson and the homework. The repository's .venv stands in for the one make builds."""
    _check_make_lab(edition, [f"VENV={REPO / '.venv'}"],
                    {"course/Day76-Optimizer_example.ipynb", "homework/Day76-Optimizer_HW.ipynb"})


@pytest.mark.slow
def test_make_lab_in_this_repository_opens_the_lesson_and_the_homework():
    _check_make_lab(REPO, [], {"course/Day76-Optimizer_example.ipynb",
                               "homework/release/day76/Day76-Optimizer_HW.ipynb"})


def _check_make_lab(folder: Path, make_args: list[str], notebooks: set[str]) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        ["make", "lab", *make_args, f"LAB_ARGS=--no-browser --ip=127.0.0.1 --port={port} "
         "--ServerApp.port_retries=0 --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")} | {"JUPYTER_PLATFORM_DIRS": "1"})
    output, url = [], None
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            m = re.search(rf"(http://127\.0\.0\.1:{port}/\S+)", line)
            url = m.group(1) if m else None
        assert url, "".join(output[-40:])
        assert "/lab/workspaces/day76" in url and "token=" in url
        for _ in range(120):                      # the URL is printed just before the server listens
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    assert response.status == 200
                break
            except urllib.error.URLError:
                time.sleep(0.5)
        else:
            raise AssertionError(f"{url} never answered:\n" + "".join(output[-40:]))
        token = url.split("token=")[1]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/lab/api/workspaces/day76",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            workspace = json.loads(response.read())
        opened = {v["data"]["path"] for k, v in workspace["data"].items() if k.startswith("notebook:")}
        assert opened == notebooks
        assert all((folder / n).is_file() for n in notebooks)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
