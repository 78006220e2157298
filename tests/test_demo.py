"""`make demo`'s pipeline end to end on a small class: links -> collect -> sandboxed grading -> outputs."""

from __future__ import annotations

import pytest

from autograder.course import Course
from autograder import gradebook
from day76 import demo

pytestmark = pytest.mark.slow

SMALL_CLASS = tuple(s for s in demo.CLASS if s.student_id in {"s01", "s04", "s05"})  # good, broken link, hostile


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from autograder.sandbox.bwrap import SandboxUnavailable, check_bwrap

    try:
        check_bwrap()
        sandbox = True
    except SandboxUnavailable:  # pragma: no cover - CI installs bubblewrap
        sandbox = False
    out = tmp_path_factory.mktemp("demo")
    assert demo.run_demo(out, workers=2, sandbox=sandbox, students=SMALL_CLASS) == 0
    return out / "course"


def test_collected_graded_and_reported(demo_run):
    root = demo_run
    scores = gradebook.cell_scores(Course.load(root))
    assert set(scores) == {"s01", "s05"}, "the broken link has nothing to grade"
    table = {row["student"]: row for row in demo.grade_table(Course.load(root))}
    assert table["s01"]["autograded"] == table["s01"]["of"] == 17
    # the hostile student patched numpy in its kernel; the tests ran in a clean process the patch
    # never reached, so its (complete) work is graded for what it is
    assert table["s05"]["autograded"] == 17
    report = (root / "collected" / "day76" / "report.csv").read_text(encoding="utf-8")
    assert "s04,bad_link" in report and "s01,collected" in report


def test_feedback_summaries_and_class_report(demo_run):
    root = demo_run
    for student in ("s01", "s05"):
        page = (root / "feedback" / student / "day76" / "Day76-Optimizer_HW.html").read_text(encoding="utf-8")
        assert "day76.checks" not in page and "hidden test" in page
    hostile = (root / "feedback" / "s05" / "day76" / "Day76-Optimizer_HW.html").read_text(encoding="utf-8")
    assert "SQLite format" not in hostile and "BEGIN HIDDEN TESTS" not in hostile
    summaries = root / "summaries" / "day76"
    assert {p.stem for p in summaries.glob("*.md")} == {"s01", "s04", "s05"}
    assert "drive.google.com" in (summaries / "s04.md").read_text(encoding="utf-8")
    report = root / "reports" / "day76"
    assert (report / "index.html").is_file() and list(report.glob("*.png"))
    assert "s01" in (report / "per_question.csv").read_text(encoding="utf-8")
