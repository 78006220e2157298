"""The real Day 76 homework through `autograder grade`: one sandboxed class run of honest and
hostile submissions, compared with plain `nbgrader autograde` on the honest ones.

Covers: parity with plain nbgrader on two real submissions (a complete one and a half-done one,
per cell); the lead's faked-history fixture losing exactly its consistency and plot points in the sandbox;
TensorFlow training inside bubblewrap giving the same grades; hostile code (reading hidden tests,
writing outside its folder, killing its kernel) on the real course. The full catalogue of hostile
fixtures runs on the tiny course in test_grading_hostile.py, where each costs seconds, not a
training run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from autograder import gradebook, nbgrader_commands
from autograder.course import Course
from day76 import recipes
from course_support import COURSE, EXAMPLES
from autograder.grading.coordinator import grade_assignment
from autograder.grading.runners import LocalRunner

from conftest import FIXTURES
import test_grading_support as support

pytestmark = pytest.mark.slow

HONEST = {"good": EXAMPLES / "good.py", "partial": EXAMPLES / "partial.py"}


def _hostile_recipe(name: str, root: Path, where: str = "setup") -> str:
    code = support.payload(name, course=root, assignment=COURSE.assignment, notebook=COURSE.notebook,
                           victim="good")
    return f"# base: solution\n# %% after {where}\n{code}\n"


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def homework_run(generated_course, tmp_path_factory):
    base = tmp_path_factory.mktemp("homework-grade")
    ours = base / "ours"
    shutil.copytree(generated_course, ours)
    plain = base / "plain"
    shutil.copytree(generated_course, plain)

    class_recipes = {student: recipes.load_recipe(path) for student, path in HONEST.items()}
    class_recipes["faked_history"] = recipes.load_recipe(FIXTURES / "submissions" / "faked_history.py")
    class_recipes["reads_hidden"] = _hostile_recipe("read_hidden_tests", ours)
    class_recipes["writes_outside"] = _hostile_recipe("write_outside", ours)
    class_recipes["kills_kernel"] = _hostile_recipe("kill_kernel", ours)
    for student, recipe in class_recipes.items():
        nb = recipes.build_submission(recipe, Course.load(ours))
        recipes.write_submission(nb, student, Course.load(ours))
        if student in HONEST:
            recipes.write_submission(nb, student, Course.load(plain))

    protected = {d: _digest(ours / d) for d in ("source", "release", "submitted")}
    summary = grade_assignment(ours, COURSE.assignment, runner=LocalRunner(2), progress=False)
    nbgrader_commands.run(["autograde", COURSE.assignment, "--force"], plain)
    return ours, plain, summary, protected


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
        assert _digest(ours / folder) == digest, folder
    good_nb = (ours / "autograded" / "good" / COURSE.assignment / COURSE.notebook).read_text()
    assert good_nb != "pwned"


def test_killed_kernel_is_recorded_with_reason(homework_run):
    ours, _, summary, _ = homework_run
    result = summary.results["kills_kernel"]
    assert not result.ok and any("kernel died" in r for r in result.reasons)
    assert summary.scores["kills_kernel"][0] == 0
