"""Shared fixtures. Expensive things (a generated course, a trained model) are built once per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


@pytest.fixture(scope="session")
def graded_class(generated_course, tmp_path_factory, collection_csv):
    """good, partial (handed in 3 h after the due date) and faked_history, graded once by plain
    `nbgrader autograde` (about 2-5 minutes on 2 cores)."""
    import shutil
    from types import SimpleNamespace

    from autograder.course import Course
    from autograder.nbgrader_commands import run, set_due_date
    from course_support import EXAMPLES
    from day76 import recipes

    recipes_by_student = {"good": EXAMPLES / "good.py", "partial": EXAMPLES / "partial.py",
                          "faked_history": FIXTURES / "submissions" / "faked_history.py"}
    timestamps = {"partial": "2026-11-20 03:00:00 UTC", "good": "2026-11-19 10:05:00 UTC"}
    root = tmp_path_factory.mktemp("graded-class") / "course"
    shutil.copytree(generated_course, root)
    course = Course.load(root)
    set_due_date(root, course.assignment, "2026-11-20 00:00:00 UTC")
    for student, recipe in recipes_by_student.items():
        nb = recipes.build_submission(recipes.load_recipe(recipe), course)
        recipes.write_submission(nb, student, course, timestamp=timestamps.get(student))
    run(["autograde", course.assignment, "--force"], root)
    return SimpleNamespace(course=course, students=tuple(recipes_by_student), collection_csv=collection_csv)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser is downloaded), one per module."""
    from playwright.sync_api import sync_playwright

    from browser.notebook_page import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
