"""Feedback: nbgrader's HTML without hidden-test code (math rendered offline), and the Markdown summary.

Rendering is tested on synthetic outcomes (no TensorFlow). The slow tests share the class that
conftest's session fixture `graded_class` grades once with plain `nbgrader autograde`.
"""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.feedback import html, markdown
from autograder.feedback.hide_hidden_tests import HideHiddenTests
from autograder.feedback.math import render_math
from autograder.hidden_tests import Delimiters, has_hidden_tests, split_hidden, without_hidden_tests
from autograder.outcome import CellOutcome, GradingRecord, SubmissionOutcome, read_outcomes
from autograder.collect import CollectionResult, ReportError, Status
from autograder.outcome import collection_by_student

HIDDEN_CELL = ("# Hidden test (3 points): what it checks.\n### BEGIN HIDDEN TESTS\nfrom mycourse import checks\n"
               "checks.assert_test_accuracy(models, {'SGD': 0.75})\n### END HIDDEN TESTS\n")
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.IGNORECASE)


# --- hidden-test regions: nbgrader's rule ----------------------------------------------------------

def test_hidden_region_becomes_a_note_and_the_description_stays():
    shown = without_hidden_tests(HIDDEN_CELL, "# (hidden test)")
    assert shown == "# Hidden test (3 points): what it checks.\n# (hidden test)"
    assert has_hidden_tests(HIDDEN_CELL) and not has_hidden_tests(shown)
    assert without_hidden_tests("a = 1\n### BEGIN HIDDEN TESTS\nsecret()", "# note") == "a = 1\n# note"


@pytest.mark.parametrize("marker", ["## BEGIN HIDDEN TESTS", "# --- BEGIN HIDDEN TESTS ---", "    ### BEGIN HIDDEN TESTS x"])
def test_any_line_containing_the_delimiter_is_a_marker_as_in_nbgrader(marker):
    from nbgrader.preprocessors import ClearHiddenTests

    source = f"visible_check()\n{marker}\nsecret_check()\n## END HIDDEN TESTS\nafter()"
    cell = new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    assert without_hidden_tests(source, "") == cell.source == "visible_check()\nafter()"


def test_configured_delimiters_are_used():
    from traitlets.config import Config

    config = Config({"ClearHiddenTests": {"begin_test_delimeter": "SECRET START", "end_test_delimeter": "SECRET STOP"}})
    d = Delimiters.from_config(config)
    source = "ok()\n# SECRET START\nx()\n# SECRET STOP"
    assert [hidden for hidden, _ in split_hidden(source, d)] == [False, True]
    assert not has_hidden_tests(source) and has_hidden_tests(source, d)


def test_preprocessor_keeps_the_message_drops_the_traceback_and_records():
    cell = new_code_cell(HIDDEN_CELL.replace("###", "##"), metadata={"nbgrader": {
        "grade": True, "grade_id": "t", "points": 3, "solution": False, "locked": True}})
    cell.outputs = [
        new_output("display_data", data={"text/plain": "", "application/vnd.mycourse.record+json": {"kind": "x"}}),
        new_output("error", ename="AssertionError", evalue="Adam reached 0.5, needs 0.9",
                   traceback=["File checks.py", "checks.assert_test_accuracy(models, {'SGD': 0.75})"]),
    ]
    nb, _ = HideHiddenTests().preprocess(new_notebook(cells=[cell]), {})
    out = nb.cells[0]
    assert "assert_test_accuracy" not in out.source and "3 points" in out.source
    assert [o.output_type for o in out.outputs] == ["error"]
    assert out.outputs[0].traceback == ["\x1b[0;31mAssertionError\x1b[0m: Adam reached 0.5, needs 0.9"]


def test_leak_check_sees_code_through_html_markup():
    page = "<pre><span class='n'>accuracy</span><span class='o'>.</span>assert_test_accuracy(models, {&#39;SGD&#39;: 0.75})</pre>"
    assert html.leaked_lines(page, {"accuracy.assert_test_accuracy(models, {'SGD': 0.75})"})
    assert not html.leaked_lines("<p>nothing here</p>", {"accuracy.assert_test_accuracy(models, {'SGD': 0.75})"})


# --- math, offline ------------------------------------------------------------------------------------

def test_formulas_become_inline_svg_and_code_is_left_alone():
    text = render_math("Updates: $\\lceil N_\\text{train} / \\text{batch\\_size} \\rceil$ and `$HOME` cost $5.\n\n$$\\sqrt{v_t}$$")
    assert text.count('<img class="math" src="data:image/svg+xml;base64,') == 2
    assert "`$HOME`" in text and "cost $5." in text
    assert render_math("$\\notacommand{x}$") == "`\\notacommand{x}`"      # unreadable TeX stays readable


# --- summaries, on synthetic outcomes -----------------------------------------------------------------

def outcome(reflection=None, comment="", penalty=0.0, seconds_late=0.0, collected=None) -> SubmissionOutcome:
    return SubmissionOutcome("s1", "hw", late_penalty=penalty, seconds_late=seconds_late, collected=collected, cells=[
        CellOutcome("test_p1_public", "Part 1", "public test", 1, 1),
        CellOutcome("test_p1_plot", "Part 1", "hidden test", 0, 2, description="Hidden test for 作業1 (2 points): the figure.",
                    message="AssertionError: label `@octocat` ```"),
        CellOutcome("test_p2_consistency", "Part 2", "hidden test", 0, 3, message="StopIteration"),
        CellOutcome("reflection", "written answers", "written answer", reflection, 3, manual=True, comment=comment),
    ])


def test_summary_before_manual_grading_says_not_graded_yet_never_zero():
    text = markdown.render_summary(outcome(), "Homework 1")
    assert "- Autograded tests: **1 / 6**" in text
    assert "- Graded by the instructor: not graded yet (/ 3)" in text
    assert "| written answers | not graded yet (/ 3) | – |" in text
    assert "**Total: 1 / 9** so far (3 points are not graded yet)" in text
    fix = text.split("### What to fix")[1].split("###")[0]
    assert "reflection" not in fix and "0 / 3" not in text.split("### Graded by the instructor")[1]
    assert "    ````text\n    label `@octocat` ```\n    ````" in text      # fenced: no mention, no broken block
    assert "What it checks: the figure." in text
    assert "earlier cell of this part" in text                      # a plain-words hint for a bare StopIteration
    assert "- **Late:** no" in text


def test_summary_after_manual_grading_shows_points_comment_and_late_penalty():
    late = CollectionResult("s1", "https://github.com/s1/hw", Status.LATE, "committed 3 h after the deadline",
                            student="s1", commit="0123456789abcdef", commit_time="2026-11-21T10:00:00+00:00",
                            path="hw.ipynb", late=True)
    text = markdown.render_summary(outcome(reflection=2, comment="Good, but @octocat <b>why</b>?", penalty=1,
                                           seconds_late=3 * 3600, collected=late))
    assert "- Graded by the instructor: **2 / 3**" in text and "- Late penalty: **−1**" in text
    assert "**Total: 2 / 9**" in text and "so far" not in text
    assert "| written answers | 2 / 3 (graded by the instructor) | – |" in text
    assert "  - Instructor's comment:\n    ```text\n    Good, but @octocat <b>why</b>?\n    ```" in text
    assert "- **Late:** yes (3.0 h after the deadline; late penalty 1 point(s); committed 3 h after the deadline)" in text
    assert "reflection" not in text.split("### What to fix")[1].split("###")[0]


def test_summary_of_a_grader_error_blames_the_grader_not_the_student():
    o = SubmissionOutcome("s2", "hw", status="grader_error", reasons=["the worker process died"])
    text = markdown.render_summary(o)
    assert "the grader failed on your submission. This is not your fault" in text
    assert "`the worker process died`" in text and "0 /" not in text


def test_summary_of_a_notebook_that_could_not_be_graded_keeps_its_points_and_says_why():
    o = outcome()
    o.status, o.reasons = "not_gradable", ["memory limit reached"]
    text = markdown.render_summary(o)
    assert "could not be graded to the end" in text and "- `memory limit reached`" in text
    assert "- Autograded tests: **1 / 6**" in text and o.has_scores


def test_outcome_sums():
    o = outcome(reflection=3, penalty=2)
    assert (o.autograded, o.autograded_max, o.manual, o.manual_max, o.score, o.max_score) == (1, 6, 3, 3, 2, 9)
    assert [c.grade_id for c in o.failed] == ["test_p1_plot", "test_p2_consistency"]
    assert o.parts()["Part 1"].score == 1 and o.parts()["written answers"].graded
    assert not outcome().parts()["written answers"].graded and outcome().manual is None


def test_grading_record_reader(tmp_path):
    path = tmp_path / "grading-record.json"
    assert GradingRecord.read(path) is None
    path.write_text('{"student": "s1", "assignment": "hw", "status": "grader_error", "reasons": ["boom"],'
                    ' "cells": {}, "seconds": 3.5, "verified": "kernel"}', encoding="utf-8")
    record = GradingRecord.read(path)
    assert record.status == "grader_error" and record.reasons == ("boom",) and record.seconds == 3.5
    path.write_text("{not json", encoding="utf-8")
    assert GradingRecord.read(path) is None


def test_collection_report_reader(tmp_path, collection_csv):
    rows = collection_by_student(collection_csv)
    assert rows["partial"].late and rows["partial"].commit.startswith("fedcba")
    assert not rows["ghost"].status.ok and rows["good"].status.ok
    (tmp_path / "bad.csv").write_text("name,grade\na,1\n", encoding="utf-8")
    with pytest.raises(ReportError, match="not a collection report"):
        collection_by_student(tmp_path / "bad.csv")


# --- slow: real nbgrader, the session's graded class ---------------------------------------------------

@pytest.fixture(scope="module")
def feedback_pages(graded_class):
    return html.generate_feedback(graded_class.course)


@pytest.mark.slow
def test_feedback_html_has_no_hidden_code_no_external_url_but_every_result(graded_class, feedback_pages):
    course = graded_class.course
    assert set(feedback_pages) == set(graded_class.students)
    hidden = html.hidden_code_lines(course)
    assert any("assert_test_accuracy" in line for line in hidden)   # the check below has something to find
    for student, (page,) in feedback_pages.items():
        source = page.read_text(encoding="utf-8")
        text = html.page_text(source)
        assert not html.leaked_lines(source, hidden)
        for leak in ("assert_test_accuracy", "assert_histories_match_models", "Instructor note",
                     "BEGIN HIDDEN TESTS", ".record+json"):
            assert leak not in source, (student, leak)
        assert not EXTERNAL.search(source), EXTERNAL.search(source).group(0)
        assert "<script" not in source and 'class="math"' in source      # formulas pre-rendered, no MathJax
        for grade_id in ("test_p1_accuracy", "test_p1_consistency", "test_p2_plot"):
            assert grade_id in text
        assert "(hidden test: 3 points; its code is not shown)" in text
        assert "Not graded yet: your instructor grades this answer (3 points)." in text   # never 0 / 3
        assert "Written response (Score" not in text
    faked = html.page_text(feedback_pages["faked_history"][0].read_text(encoding="utf-8"))
    assert "Score: 0.0 / 3.0" in faked                          # the consistency test's points
    assert "AssertionError: histories['SGD']" in faked           # and the message the student needs


@pytest.mark.slow
def test_markdown_summaries_for_the_class(graded_class, tmp_path):
    course = graded_class.course
    paths = markdown.write_summaries(course, tmp_path, collection_report=graded_class.collection_csv)
    assert set(paths) == {*graded_class.students, "ghost"}
    faked = paths["faked_history"].read_text(encoding="utf-8")
    assert "| 作業1 | 4 / 9 | 2 / 4 |" in faked and "| 作業2 | 8 / 8 | 4 / 4 |" in faked   # its figure plots the faked history too
    assert "`test_p1_consistency`**: 0 / 3" in faked and "histories['SGD']" in faked
    assert "Graded by the instructor: not graded yet (/ 3)" in faked
    assert "assert_" not in faked
    partial = paths["partial"].read_text(encoding="utf-8")
    assert "**Commit graded:** `fedcba987654` of `hw/Day76-Optimizer_HW.ipynb`" in partial
    assert "- **Late:** yes (3.0 h after the deadline; committed 3 h after the deadline)" in partial
    assert "Submission time recorded by nbgrader: 2026-11-20 03:00:00 UTC" in partial
    assert "NameError: name 'fig_batch_size' is not defined" in partial
    good = paths["good"].read_text(encoding="utf-8")
    assert "Nothing: every autograded test passed." in good and "- **Late:** no" in good
    assert "could not be collected" in paths["ghost"].read_text(encoding="utf-8")


@pytest.mark.slow
def test_outcomes_agree_with_the_gradebook_and_the_graded_notebooks_keep_hidden_tests(graded_class):
    from autograder import gradebook

    course = graded_class.course
    scores = gradebook.cell_scores(course)
    for student, o in read_outcomes(course).items():
        assert {c.grade_id: c.score for c in o.cells} == scores[student]
    nb = nbformat.read(course.autograded_notebook("good"), as_version=4)
    assert any("assert_test_accuracy" in c.source for c in nb.cells)


# --- the leak check's hidden lines come from nbgrader, not from the hider's parse ----------------------

@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    """A one-cell nbgrader course whose hidden region uses a course-specific delimiter."""
    from autograder.course import Course
    from autograder.nbgrader_commands import run

    root = tmp_path_factory.mktemp("tiny-course")
    (root / "nbgrader_config.py").write_text(
        'c = get_config()\nc.Course.assignment = "hw"\n'
        'c.ClearHiddenTests.begin_test_delimeter = "SECRET START"\n'
        'c.ClearHiddenTests.end_test_delimeter = "SECRET STOP"\n', encoding="utf-8")
    test = new_code_cell("# checks the answer\nassert answer == 42\n# -- SECRET START --\n"
                         "assert secret_function(answer) == 43\n# -- SECRET STOP --",
                         metadata={"nbgrader": {"grade": True, "grade_id": "t1", "points": 1, "solution": False,
                                                "locked": True, "schema_version": 3}})
    (root / "source" / "hw").mkdir(parents=True)
    nbformat.write(new_notebook(cells=[new_code_cell("answer = 42"), test],
                                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}),
                   root / "source" / "hw" / "hw.ipynb")
    run(["generate_assignment", "hw", "--force"], root)
    return Course.load(root)


@pytest.mark.slow
def test_hidden_lines_are_what_nbgrader_kept_out_of_the_release(tiny_course):
    source = nbformat.read(tiny_course.source_notebook(), as_version=4).cells[1].source
    assert not has_hidden_tests(source)                 # the default delimiters do not see this region...
    hidden = html.hidden_code_lines(tiny_course)        # ...but the leak check does, from nbgrader's release
    assert hidden == {"assert secret_function(answer) == 43", "# -- SECRET START --", "# -- SECRET STOP --"}
    page = "<pre>assert answer == 42\nassert secret_function(answer) == 43</pre>"
    assert html.leaked_lines(page, hidden) == ["assert secret_function(answer) == 43"]
    shutil.rmtree(tiny_course.root / "release")         # no release to read: nbgrader's own ClearHiddenTests
    assert html.hidden_code_lines(tiny_course) == hidden
