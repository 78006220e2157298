"""Plain `nbgrader autograde` on a class of example submissions: the homework's tests are fair.

The class is conftest's `plain_class` (one autograde run of HOMEWORK_CLASS and the styles, shared
with the other slow modules); the tests read its gradebook. A regrade of a copy proves the scores
and outputs are deterministic.
"""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from autograder import gradebook, nbgrader_commands
from autograder.course import Course
from course_support import COURSE

from conftest import HOMEWORK_CLASS as SUBMISSIONS

pytestmark = pytest.mark.slow

P1 = ("test_p1_public", "test_p1_accuracy", "test_p1_consistency", "test_p1_plot")
P2 = ("test_p2_public", "test_p2_accuracy", "test_p2_consistency", "test_p2_plot")


@pytest.fixture(scope="module")
def graded(plain_class):
    return plain_class.root, plain_class.scores, plain_class.maxima


def autograded_nb(root, student):
    return nbformat.read(root / "autograded" / student / COURSE.assignment / COURSE.notebook, as_version=4)


def _failing(scores, maxima, student):
    return {cell for cell in P1 + P2 if scores[student][cell] != maxima[cell]}


def test_every_submission_was_graded(graded):
    root, scores, _ = graded
    assert set(SUBMISSIONS) <= set(scores)
    for student in SUBMISSIONS:
        assert (root / "autograded" / student / COURSE.assignment / COURSE.notebook).is_file()


def test_hidden_tests_are_worth_most_of_the_points(graded):
    _, _, maxima = graded
    hidden = sum(maxima[c] for c in P1 + P2 if not c.endswith("public"))
    assert hidden > 0.75 * sum(maxima[c] for c in P1 + P2)


def test_solution_gets_every_autograded_point(graded):
    _, scores, maxima = graded
    assert _failing(scores, maxima, "good") == set()
    assert scores["good"]["reflection"] is None, "a written reflection waits for the instructor"


def test_untouched_release_gets_zero(graded):
    _, scores, _ = graded
    assert all(score == 0 for score in scores["blank"].values()), scores["blank"]


def test_half_done_gets_exactly_the_first_part(graded):
    _, scores, maxima = graded
    assert {c: scores["partial"][c] for c in P1} == {c: maxima[c] for c in P1}
    assert all(scores["partial"][c] == 0 for c in P2)


def test_correct_solution_written_another_way_gets_full_marks(graded):
    _, scores, maxima = graded
    assert _failing(scores, maxima, "alternative") == set()


def test_faked_history_loses_the_consistency_and_plot_points_only(graded):
    root, scores, maxima = graded
    # the figure plots the faked history: only curves of histories that pass the consistency check count
    assert _failing(scores, maxima, "faked_history") == {"test_p1_consistency", "test_p1_plot"}
    cell = next(c for c in autograded_nb(root, "faked_history").cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_p1_consistency")
    error = next(o for o in cell.outputs if o.output_type == "error")
    assert "histories['SGD']" in error.evalue  # the student is told which history is wrong


def test_plot_of_wrong_data_loses_the_plot_points_only(graded):
    _, scores, maxima = graded
    assert _failing(scores, maxima, "wrong_plot") == {"test_p1_plot"}


def test_edited_or_deleted_test_cells_are_graded_with_the_originals(graded):
    root, scores, _ = graded
    assert scores["edited_tests"] == scores["partial"]
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in autograded_nb(root, "edited_tests").cells}
    assert "assert set(models_part2) == set(BATCH_SIZES)" in cells["test_p2_public"].source
    assert "test_p2_consistency" in cells, "the deleted test cell was put back"
    assert "accuracy.assert_test_accuracy" in cells["test_p1_accuracy"].source


def test_regrade_gives_identical_scores_and_outputs(graded, tmp_path):
    root = shutil.copytree(graded[0], tmp_path / "course")
    scores = gradebook.cell_scores(Course.load(graded[0]))

    def outputs(student):  # memory addresses (0x7f...) are the only thing allowed to differ
        return [[re.sub(r"0x[0-9a-f]+", "0x…", o.get("text", "")) for o in c.outputs if o.output_type == "stream"]
                for c in autograded_nb(root, student).cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]

    before = outputs("good")
    nbgrader_commands.run(["autograde", COURSE.assignment, "--force", "--student=good"], root)
    assert gradebook.cell_scores(Course.load(root)) == scores
    assert outputs("good") == before


def test_model_answer_quotes_what_the_reference_solution_prints(graded):
    """Every number of the instructor's model answer is in the solution's own printed output."""
    root, _, _ = graded
    source = nbformat.read(COURSE.source_notebook(), as_version=4)
    answer = next(c.source for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reflection")
    answer = answer[answer.index("**Model answer"):answer.index("**Rubric")]
    printed = "".join(o.get("text", "") for c in autograded_nb(root, "good").cells
                      if c.metadata.get("nbgrader", {}).get("grade_id") in ("p1_train", "p2_train")
                      for o in c.outputs if o.output_type == "stream")
    decimals = re.findall(r"\b0\.\d{3}\b", answer)
    assert len(decimals) >= 9
    assert [d for d in decimals if d not in printed] == []
    reaches = re.findall(r"(Adam|RMSprop|SGD) reaches 90% at epoch (\d+)", answer)
    assert len(reaches) == 2
    for name, epoch in reaches:
        assert re.search(rf"{name}\s.*reaches 90% at epoch {epoch}\b", printed), (name, epoch, printed)
    assert re.search(r"SGD\s.*below 90% after all 20 epochs", printed) and "SGD is still below 90%" in answer
    for updates in re.findall(r"\((\d+)(?: updates)?\)", answer):
        assert f" {updates} updates" in printed, updates
    assert "lowest at epoch 20 for" in answer
    lowest = re.findall(r"lowest at epoch (\d+)", printed)
    assert len(lowest) == 4 and set(lowest) == {"20"}
