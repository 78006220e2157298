"""The real Day 76 homework through `autograder grade`, compared with plain `nbgrader autograde`.

Reads conftest's two session classes (`ours_class`: one sandboxed `autograder grade` run with the
verifier and a test secret; `plain_class`: one plain autograde run). Covers: parity with plain
nbgrader on two real submissions (a complete one and a half-done one, per cell); the lead's
faked-history fixture losing exactly its consistency and plot points in the sandbox; TensorFlow
training inside bubblewrap giving the same grades; hostile code (reading hidden tests, writing
outside its folder, killing its kernel) on the real course. The full catalogue of hostile
fixtures runs on the tiny course in test_grading_hostile.py, where each costs seconds, not a
training run.
"""

from __future__ import annotations

import json

import pytest

from autograder import gradebook
from autograder.course import Course
from course_support import COURSE

from conftest import tree_digest

pytestmark = pytest.mark.slow

HONEST = ("good", "partial")


@pytest.fixture(scope="module")
def homework_run(ours_class, plain_class):
    return ours_class.root, plain_class.root, ours_class.summary, ours_class.protected


def test_same_cell_scores_as_plain_nbgrader(homework_run):
    ours, plain, summary, _ = homework_run
    expected = gradebook.cell_scores(Course.load(plain))
    got = gradebook.cell_scores(Course.load(ours))
    for student in HONEST:
        assert got[student] == expected[student], (student, summary.results[student].reasons)
    maxima = gradebook.max_scores(Course.load(ours))
    assert all(got["good"][c] == maxima[c] for c in maxima if c != "reflection")


def test_faked_history_loses_only_its_consistency_and_plot_points(homework_run):
    ours, _, summary, _ = homework_run
    scores = gradebook.cell_scores(Course.load(ours))
    maxima = gradebook.max_scores(Course.load(ours))
    lost = {c for c, s in scores["faked_history"].items() if c != "reflection" and s != maxima[c]}
    # its figure plots the faked history, which earns no curve (issue 11)
    assert lost == {"test_p1_consistency", "test_p1_plot"}, summary.results["faked_history"].reasons


def test_hostile_code_cannot_reach_course_files_and_is_graded_on_its_work(homework_run):
    ours, _, summary, protected = homework_run
    scores = gradebook.cell_scores(Course.load(ours))
    for student in ("reads_hidden", "writes_outside"):        # payload failed; work is complete
        assert scores[student] == scores["good"], (student, summary.results[student].reasons)
    nb = json.loads((ours / "autograded" / "reads_hidden" / COURSE.assignment / COURSE.notebook).read_text())
    outputs = json.dumps([c.get("outputs") for c in nb["cells"]])
    assert "STOLEN:" in outputs and "BEGIN HIDDEN TESTS" not in outputs and "SQLite format" not in outputs
    for folder, digest in protected.items():
        assert tree_digest(ours / folder) == digest, folder
    good_nb = (ours / "autograded" / "good" / COURSE.assignment / COURSE.notebook).read_text()
    assert good_nb != "pwned"


def test_killed_kernel_is_recorded_with_reason(homework_run):
    ours, _, summary, _ = homework_run
    result = summary.results["kills_kernel"]
    assert not result.ok and any("kernel died" in r for r in result.reasons)
    assert summary.scores["kills_kernel"][0] == 0
