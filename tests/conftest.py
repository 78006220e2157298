"""Shared fixtures. Expensive things (a generated course, a trained model) are built once per session."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parent.parent
# nbgrader calls `alembic` by name and kernels must be this environment's python
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory):
    """A scratch copy of homework/ after `nbgrader generate_assignment day76` (gradebook included)."""
    from autograder import nbgrader_commands
    from course_support import COURSE

    root = nbgrader_commands.copy_course(tmp_path_factory.mktemp("course"), COURSE.root)
    nbgrader_commands.run(["generate_assignment", COURSE.assignment, "--force"], root)
    return root


# --- one graded class per session, shared by test_feedback.py and test_report.py ------------------

COLLECTION_CSV = """student_id,status,late,commit,commit_time,path,reason,link,student,source,submitted_path,unchanged,kept_previous,others
good,collected,,0123456789abcdef0123,2026-11-19T10:00:00+00:00,Day76-Optimizer_HW.ipynb,,https://github.com/a/good,good,,,,,
partial,late,yes,fedcba9876543210fedc,2026-11-21T10:00:00+00:00,hw/Day76-Optimizer_HW.ipynb,committed 3 h after the deadline,https://github.com/a/partial,partial,,,,,
ghost,repo_missing,,,,,the repository does not exist or is private,https://github.com/a/ghost,ghost,,,,,
"""


@pytest.fixture(scope="session")
def collection_csv(tmp_path_factory) -> Path:
    """A collection report as `autograder collect` writes it: two collected (one late), one failure."""
    path = tmp_path_factory.mktemp("collection") / "report.csv"
    path.write_text(COLLECTION_CSV, encoding="utf-8")
    return path


# --- the two graded classes of the session --------------------------------------------------------
# Every slow test that needs graded Day 76 submissions reads one of these two class runs, so each
# notebook trains once per grader: `plain_class` (plain `nbgrader autograde`, as an instructor
# without our grader would) and `ours_class` (`autograder grade`: sandbox, two workers, the clean
# verifier, an instructor's DAY76_TEST_SECRET). Tests that change a class work on a copy.

SUBMISSIONS = FIXTURES / "submissions"
def _recipes(folder: Path) -> dict[str, Path]:
    from day76 import recipes
    return {p.stem: p for p in recipes.recipe_files(folder)}


STYLES = _recipes(FIXTURES / "styles")
INTEGRITY = _recipes(FIXTURES / "integrity")


def _examples():
    from course_support import EXAMPLES
    return EXAMPLES


# test_homework_grading's class: the examples and the submissions a fair grader must tell apart
HOMEWORK_CLASS = {
    "good": _examples() / "good.py",
    "partial": _examples() / "partial.py",
    "blank": _examples() / "blank.py",
    "alternative": SUBMISSIONS / "alternative.py",
    "faked_history": SUBMISSIONS / "faked_history.py",
    "wrong_plot": SUBMISSIONS / "wrong_plot.py",
    "edited_tests": SUBMISSIONS / "edited_tests.py",
}
FEEDBACK_CLASS = ("good", "partial", "faked_history")          # test_feedback / test_report
DUE_DATE = "2026-11-20 00:00:00 UTC"
TIMESTAMPS = {"partial": "2026-11-20 03:00:00 UTC", "good": "2026-11-19 10:05:00 UTC"}   # partial: 3 h late
TEST_SECRET = "integrity-test-" + "6d1f0c2a"                    # the instructor's secret of ours_class


def submit_recipe(course, student: str, recipe: "Path | str", timestamp: str | None = None) -> Path:
    """Build a student's notebook from a recipe file (its includes expanded) or a recipe's text,
    and put it in submitted/."""
    from day76 import recipes

    loaded = recipes.load_recipe(recipe) if isinstance(recipe, Path) else recipe
    return recipes.write_submission(recipes.build_submission(loaded, course), student, course, timestamp=timestamp)


def _graded_copy(tmp_path_factory, name: str, generated_course: Path) -> Path:
    from autograder import nbgrader_commands

    root = nbgrader_commands.copy_course(tmp_path_factory.mktemp(name) / "course", generated_course)
    shutil.copy2(generated_course / "gradebook.db", root / "gradebook.db")
    return root


@pytest.fixture(scope="session")
def plain_class(generated_course, tmp_path_factory):
    """HOMEWORK_CLASS (due date set, `partial` 3 h late) and the styles, graded by plain
    `nbgrader autograde`: two courses (`root`: the homework class, `styles_root`: the styles), two
    autograde runs side by side (plain nbgrader grades one notebook at a time; this machine has 2 cores)."""
    from concurrent.futures import ThreadPoolExecutor

    from autograder import gradebook
    from autograder.course import Course
    from autograder.nbgrader_commands import run, set_due_date

    root = _graded_copy(tmp_path_factory, "plain-class", generated_course)
    styles_root = _graded_copy(tmp_path_factory, "plain-styles", generated_course)
    course, styles_course = Course.load(root), Course.load(styles_root)
    set_due_date(root, course.assignment, DUE_DATE)
    for student, recipe in HOMEWORK_CLASS.items():
        submit_recipe(course, student, recipe, TIMESTAMPS.get(student))
    for student, recipe in STYLES.items():
        submit_recipe(styles_course, student, recipe)
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(run, ["autograde", course.assignment, "--force"], r) for r in (root, styles_root)]
        for done in runs:
            done.result()
    return SimpleNamespace(root=root, styles_root=styles_root, course=course,
                           scores={**gradebook.cell_scores(course), **gradebook.cell_scores(styles_course)},
                           maxima=gradebook.max_scores(course))


@pytest.fixture(scope="session")
def ours_class(generated_course, tmp_path_factory):
    """ONE `autograder grade` run: good, partial, faked_history, three hostile payloads on the real
    course, every style and every integrity fixture."""
    import time

    from autograder import gradebook
    from autograder.course import Course
    from autograder.grading.coordinator import grade_assignment
    from autograder.grading.runners import LocalRunner
    from day76.data import SECRET_ENV
    import test_grading_support as support

    root = _graded_copy(tmp_path_factory, "ours-class", generated_course)
    course = Course.load(root)

    def hostile(name):
        code = support.payload(name, course=root, assignment=course.assignment, notebook=course.notebook,
                               victim="good")
        return f"# base: solution\n# %% after setup\n{code}\n"

    students = {"good": HOMEWORK_CLASS["good"], "partial": HOMEWORK_CLASS["partial"],
                "faked_history": HOMEWORK_CLASS["faked_history"],
                "reads_hidden": hostile("read_hidden_tests"), "writes_outside": hostile("write_outside"),
                "kills_kernel": hostile("kill_kernel"), **STYLES, **INTEGRITY}
    for student, recipe in students.items():
        submit_recipe(course, student, recipe, timestamp="2026-11-20 12:00:00.000000 UTC")

    protected = {d: tree_digest(root / d) for d in ("source", "release", "submitted")}
    definition = gradebook_definition(root)
    start = time.monotonic()
    summary = grade_assignment(root, course.assignment, runner=LocalRunner(2), sandbox=True,
                               secret_env={SECRET_ENV: TEST_SECRET}, progress=False)
    print(f"\nours_class: {len(students)} submissions in {time.monotonic() - start:.0f} s")
    return SimpleNamespace(root=root, course=course, summary=summary, protected=protected, definition=definition,
                           scores=gradebook.cell_scores(course), maxima=gradebook.max_scores(course))


def tree_digest(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under `folder` (to prove nothing changed)."""
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def gradebook_definition(root: Path) -> dict:
    """The assignment definition in a gradebook (cells, sources, points), not the grades."""
    import sqlite3

    con = sqlite3.connect(root / "gradebook.db")
    try:
        return {t: sorted(con.execute(f"select * from {t}").fetchall())
                for t in ("assignment", "notebook", "base_cell", "grade_cells", "solution_cells", "source_cell")}
    finally:
        con.close()


@pytest.fixture(scope="session")
def graded_class(plain_class, tmp_path_factory, collection_csv):
    """good, partial (handed in 3 h after the due date) and faked_history of plain_class, alone in a
    course of their own (a copy: the other students removed from the gradebook and the folders)."""
    from autograder import gradebook
    from autograder.course import Course
    from autograder.gradebook import open_gradebook

    root = tmp_path_factory.mktemp("graded-class") / "course"
    shutil.copytree(plain_class.root, root)
    course = Course.load(root)
    in_gradebook = set(gradebook.cell_scores(course))
    others = sorted((in_gradebook | {p.name for p in (root / "submitted").iterdir()}) - set(FEEDBACK_CLASS))
    with open_gradebook(course) as gb:
        for student in (s for s in others if s in in_gradebook):
            gb.remove_submission(course.assignment, student)
            gb.remove_student(student)
    for student in others:
        for folder in ("submitted", "autograded", "feedback"):
            shutil.rmtree(root / folder / student, ignore_errors=True)
    return SimpleNamespace(course=course, students=FEEDBACK_CLASS, collection_csv=collection_csv)


CLASS_FIXTURES = {"plain_class", "ours_class", "graded_class"}
CLASS_SETUP_TIMEOUT = 3600     # the first test to use a class pays for its run (~10-20 min of 2 cores)


def pytest_collection_modifyitems(config, items):
    """A test that may set up a graded class gets the time that takes (pyproject's timeout is per test)."""
    for item in items:
        if CLASS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.timeout(CLASS_SETUP_TIMEOUT))


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser is downloaded), one per module."""
    from playwright.sync_api import sync_playwright

    from browser.notebook_page import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
