"""The student version is generated from the instructor version, is current, and leaks nothing."""

import json

import nbformat
import pytest

from autograder import notebooks, release
from course_support import COURSE as course


@pytest.mark.slow
def test_committed_release_is_what_generate_assignment_produces():
    stale = release.stale_files(course)
    assert not stale, f"homework/release is out of date ({stale}): run `make release` and commit it"


def test_release_has_no_solutions_no_hidden_tests_no_rubric():
    text = course.release_notebook().read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "day76.checks",
                   "Model answer", "Rubric", "Instructor note"):
        assert marker not in text, f"the student version contains {marker!r}"
    nb = nbformat.read(course.release_notebook(), as_version=4)
    stubs = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]  # 7 code answers + the reflection
    assert len(stubs) == 8 and all("YOUR CODE HERE" in c.source or "YOUR ANSWER HERE" in c.source for c in stubs)


def test_release_keeps_the_assignment_and_the_public_tests():
    nb = nbformat.read(course.release_notebook(), as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "以同一模型, 分別驗證 SGD, Adam, Rmsprop 的 accuracy" in text
    assert "以 Adam 為例, 調整 batch_size, epoch, 觀察 accuracy, loss 的變化" in text
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    for test in ("test_p1_public", "test_p1_accuracy", "test_p1_consistency", "test_p1_plot",
                 "test_p2_public", "test_p2_accuracy", "test_p2_consistency", "test_p2_plot"):
        assert test in ids
    public = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_p1_public")
    assert "assert set(models) == expected" in public.source


@pytest.mark.parametrize("path", [course.source_notebook(), course.release_notebook()], ids=["source", "release"])
def test_homework_notebooks_are_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert not notebooks.has_outputs(nb)
    json.loads(path.read_text(encoding="utf-8"))  # plain JSON, nothing else


def test_every_autograded_test_cell_belongs_to_exactly_one_part():
    """Outcomes sum 作業1 / 作業2 from c.Course.parts: a test cell added to the notebook but not
    to the parts would silently drop out of every per-part score."""
    nb = nbformat.read(course.source_notebook(), as_version=4)
    tests = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")}
    listed = [cell for ids in course.parts.values() for cell in ids]
    assert len(listed) == len(set(listed))
    assert set(listed) == tests
