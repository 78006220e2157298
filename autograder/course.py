"""Where the course lives and what the assignment is called: the one place that names them."""

from __future__ import annotations

from pathlib import Path

ASSIGNMENT = "day76"
NOTEBOOK = "Day76-Optimizer_HW.ipynb"

REPO_ROOT = Path(__file__).resolve().parent.parent
COURSE_ROOT = REPO_ROOT / "homework"          # the nbgrader course root
LESSONS = REPO_ROOT / "course"

# which autograded cells make up which part of the homework (作業1 / 作業2); reports, feedback
# and the demo's table all sum scores per part from this
PARTS = {
    "作業1": ("test_p1_public", "test_p1_accuracy", "test_p1_consistency", "test_p1_plot"),
    "作業2": ("test_p2_public", "test_p2_accuracy", "test_p2_consistency", "test_p2_plot"),
}


def source_notebook(course_root: Path = COURSE_ROOT) -> Path:
    return course_root / "source" / ASSIGNMENT / NOTEBOOK


def release_notebook(course_root: Path = COURSE_ROOT) -> Path:
    return course_root / "release" / ASSIGNMENT / NOTEBOOK


def submitted_notebook(student: str, course_root: Path = COURSE_ROOT) -> Path:
    return course_root / "submitted" / student / ASSIGNMENT / NOTEBOOK
