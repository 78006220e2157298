"""Feedback: nbgrader's HTML without hidden-test code, and the Markdown summary students read.

The slow tests share one class graded by plain `nbgrader autograde` (good, partial, faked
history; about 2-5 minutes on 2 cores), built once per session by `graded_class` and reused by
tests/test_report.py.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder import course, nbgrader_cli, recipes
from autograder.demo import EXAMPLES
from autograder.feedback import html, markdown
from autograder.feedback.hide_hidden_tests import HideHiddenTests, has_hidden_tests, without_hidden_tests
from autograder.feedback.outcomes import CellOutcome, SubmissionOutcome, submission_outcomes
from autograder.reports.collection import CollectionReportError, read_collection_report

from conftest import FIXTURES

CLASS = {
    "good": EXAMPLES / "good.py",
    "partial": EXAMPLES / "partial.py",
    "faked_history": FIXTURES / "submissions" / "faked_history.py",
}
COLLECTION_CSV = """student_id,status,late,commit,commit_time,path,reason,link,student,source,submitted_path,unchanged,kept_previous,others
good,collected,,0123456789abcdef0123,2026-11-19T10:00:00+00:00,Day76-Optimizer_HW.ipynb,,https://github.com/a/good,good,,,,,
partial,late,yes,fedcba9876543210fedc,2026-11-21T10:00:00+00:00,hw/Day76-Optimizer_HW.ipynb,committed 3 h after the deadline,https://github.com/a/partial,partial,,,,,
ghost,repo_missing,,,,,the repository does not exist or is private,https://github.com/a/ghost,ghost,,,,,
"""
DUEDATE = "2026-11-20 00:00:00 UTC"
TIMESTAMPS = {"partial": "2026-11-20 03:00:00 UTC", "good": "2026-11-19 10:05:00 UTC"}
_GRADED: dict = {}


def graded_class(generated_course, tmp_path_factory):
    """(course root, collection report CSV) for the three-student class, graded once per session."""
    if not _GRADED:
        root = tmp_path_factory.mktemp("feedback-class") / "course"
        shutil.copytree(generated_course, root)
        # a deadline in the gradebook, and `partial` handed in 3 hours after it: nbgrader's own lateness
        nbgrader_cli.run(["db", "assignment", "add", course.ASSIGNMENT, f"--duedate={DUEDATE}"], root)
        for student, recipe in CLASS.items():
            recipes.write_submission(recipes.build_submission(recipe.read_text(encoding="utf-8"), course_root=root),
                                     student, course_root=root, timestamp=TIMESTAMPS.get(student))
        nbgrader_cli.run(["autograde", course.ASSIGNMENT, "--force"], root)
        csv_path = root.parent / "collection.csv"
        csv_path.write_text(COLLECTION_CSV, encoding="utf-8")
        _GRADED.update(root=root, csv=csv_path)
    return _GRADED["root"], _GRADED["csv"]


@pytest.fixture(scope="module")
def graded(generated_course, tmp_path_factory):
    return graded_class(generated_course, tmp_path_factory)


@pytest.fixture(scope="module")
def feedback_pages(graded):
    root, _ = graded
    return html.generate_feedback(root)


# --- fast: the pieces -------------------------------------------------------------------------

HIDDEN_CELL = ("# Hidden test (3 points): what it checks.\n### BEGIN HIDDEN TESTS\nfrom autograder.checks import accuracy\n"
               "accuracy.assert_test_accuracy(models, {'SGD': 0.75})\n### END HIDDEN TESTS\n")


def test_hidden_region_becomes_a_note_and_the_description_stays():
    shown = without_hidden_tests(HIDDEN_CELL, "# (hidden test)")
    assert shown == "# Hidden test (3 points): what it checks.\n# (hidden test)"
    assert has_hidden_tests(HIDDEN_CELL) and not has_hidden_tests(shown)
    assert without_hidden_tests("a = 1\n### BEGIN HIDDEN TESTS\nsecret()", "# note") == "a = 1\n# note"


def test_preprocessor_keeps_the_message_drops_the_traceback_and_records():
    cell = new_code_cell(HIDDEN_CELL, metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 3,
                                                             "solution": False, "locked": True}})
    cell.outputs = [
        new_output("display_data", data={"text/plain": "", "application/vnd.day76.record+json": {"kind": "x"}}),
        new_output("error", ename="AssertionError", evalue="Adam reached 0.5, needs 0.9",
                   traceback=["File checks/accuracy.py", "accuracy.assert_test_accuracy(models, {'SGD': 0.75})"]),
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


def test_summary_quotes_messages_safely_and_explains_bare_errors():
    outcome = SubmissionOutcome("s1", "day76", cells=[
        CellOutcome("test_p1_public", "作業1", "public test", 1, 1),
        CellOutcome("test_p1_plot", "作業1", "hidden test", 0, 2, "Hidden test for 作業1 (2 points): the figure.",
                    "AssertionError: label `@octocat` ```"),
        CellOutcome("test_p2_consistency", "作業2", "hidden test", 0, 3, "", "StopIteration"),
        CellOutcome("reflection", "written answers", "written answer", None, 3),
    ])
    text = markdown.render_summary(outcome)
    assert "**Score: 1 / 6** autograded (+ 3 points of written answers" in text
    assert "| 作業1 | 1 / 3 | 1 / 2 |" in text and "| written answers | to be graded (/ 3) | – |" in text
    assert "    ````text\n    label `@octocat` ```\n    ````" in text      # fenced: no mention, no broken block
    assert "What it checks: the figure." in text
    assert "earlier cell of this part" in text                      # a plain-words hint for a bare StopIteration
    assert "- **Late:** no" in text


def test_collection_report_reader(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(COLLECTION_CSV, encoding="utf-8")
    rows = read_collection_report(path)
    assert rows["partial"].late and rows["partial"].commit.startswith("fedcba")
    assert rows["ghost"].failed and rows["good"].ok
    (tmp_path / "bad.csv").write_text("name,grade\na,1\n", encoding="utf-8")
    with pytest.raises(CollectionReportError, match="not a collection report"):
        read_collection_report(tmp_path / "bad.csv")


# --- slow: real nbgrader ----------------------------------------------------------------------

@pytest.mark.slow
def test_feedback_html_has_no_hidden_code_but_every_result(graded, feedback_pages):
    root, _ = graded
    assert set(feedback_pages) == set(CLASS)
    hidden = html.hidden_code_lines(root)
    assert any("assert_test_accuracy" in line for line in hidden)   # the check below has something to find
    for student, (page,) in feedback_pages.items():
        source = page.read_text(encoding="utf-8")
        text = html.page_text(source)
        for leak in ("autograder.checks", "assert_test_accuracy", "assert_histories_match_models", "Instructor note",
                     "BEGIN HIDDEN TESTS", "vnd.day76.record"):
            assert leak not in source, (student, leak)
        # every test cell's points and its student-facing description are still there
        for grade_id, points in (("test_p1_accuracy", 3), ("test_p1_consistency", 3), ("test_p2_plot", 2)):
            assert grade_id in text
        assert "(hidden test: 3 points; its code is not shown)" in text
        assert "To pass: SGD >= 75%, Adam >= 90%, RMSprop >= 90% test accuracy." in text
    faked = html.page_text(feedback_pages["faked_history"][0].read_text(encoding="utf-8"))
    assert "Score: 0.0 / 3.0" in faked                          # the consistency test's points
    assert "AssertionError: histories['SGD']" in faked           # and the message the student needs


@pytest.mark.slow
def test_graded_notebooks_and_gradebook_keep_the_hidden_tests(graded, feedback_pages):
    root, _ = graded
    nb = nbformat.read(root / "autograded" / "good" / course.ASSIGNMENT / course.NOTEBOOK, as_version=4)
    assert any("assert_test_accuracy" in c.source for c in nb.cells)


@pytest.mark.slow
def test_markdown_summaries_for_the_class(graded, tmp_path):
    root, csv_path = graded
    paths = markdown.write_summaries(root, tmp_path, collection_report=csv_path)
    assert set(paths) == {*CLASS, "ghost"}
    faked = paths["faked_history"].read_text(encoding="utf-8")
    assert "| 作業1 | 6 / 9 | 3 / 4 |" in faked and "| 作業2 | 8 / 8 | 4 / 4 |" in faked
    assert "`test_p1_consistency`**: 0 / 3" in faked and "histories['SGD']" in faked
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
def test_outcomes_agree_with_the_gradebook(graded):
    from autograder import gradebook

    root, _ = graded
    scores = gradebook.cell_scores(root)
    for student, outcome in submission_outcomes(root).items():
        assert {c.grade_id: c.score for c in outcome.cells} == scores[student]
