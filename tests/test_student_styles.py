"""Notebooks written the ways real students write them (tests/fixtures/styles/*.py), graded as a class.

Graded in conftest's two session classes, beside the other slow modules' students: `plain_class`
(plain `nbgrader autograde`) and `ours_class` (`autograder grade`: LocalRunner(2), in the sandbox,
test cells decided in the clean process, with an instructor's test secret). Every graded cell
gets the score its fixture's `# expected:` line gives it, under both graders, and a public test
warns in the hidden test's words. Most fixtures train cheaply (see the styles' README).
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from day76 import recipes
from course_support import COURSE

from conftest import STYLES

_EXPECTED = re.compile(r"^# expected:(.*)$", re.MULTILINE)


def expected_scores(path) -> dict[str, float]:
    match = _EXPECTED.search(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} has no '# expected:' line"
    return {cell: float(score) for cell, score in (item.split("=") for item in match.group(1).split())}


def _graded_cells() -> dict[str, float]:
    """grade_id -> points of every autograded cell of the assignment (the reflection is graded by hand)."""
    nb = nbformat.read(COURSE.source_notebook(), as_version=4)
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            cells[meta["grade_id"]] = float(meta["points"])
    return cells


def test_every_style_states_a_possible_score_for_every_graded_cell():
    maxima = _graded_cells()
    assert len(STYLES) >= 13
    for name, path in STYLES.items():
        scores = expected_scores(path)
        assert set(scores) == set(maxima), (name, sorted(set(scores) ^ set(maxima)))
        assert all(scores[c] in (0, maxima[c]) for c in maxima), name   # a hidden test is all or nothing
        recipes.load_recipe(path)                                      # and the recipe reads


@pytest.fixture(scope="module")
def class_runs(plain_class, ours_class):
    def styles_only(scores):
        return {name: scores[name] for name in STYLES if name in scores}

    return {"plain": plain_class.styles_root, "ours": ours_class.root, "summary": ours_class.summary,
            "scores": {"plain": styles_only(plain_class.scores), "ours": styles_only(ours_class.scores)}}


def _outputs(root, student: str) -> dict[str, str]:
    nb = json.loads((root / "autograded" / student / COURSE.assignment / COURSE.notebook).read_text(encoding="utf-8"))
    out = {}
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            texts = [o.get("text", "") if o.get("output_type") == "stream" else o.get("evalue", "")
                     for o in cell.get("outputs", [])]
            out[grade_id] = "\n".join("".join(t) if isinstance(t, list) else t for t in texts)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("grader", ["plain", "ours"])
def test_each_style_gets_its_expected_scores(class_runs, grader):
    got = class_runs["scores"][grader]
    wrong = {}
    for name, path in STYLES.items():
        want = expected_scores(path)
        have = {cell: got.get(name, {}).get(cell) for cell in want}
        if have != want:
            root = class_runs[grader]
            outputs = _outputs(root, name) if (root / "autograded" / name).exists() else {}
            wrong[name] = {cell: (have[cell], want[cell], outputs.get(cell, "")[-400:])
                           for cell in want if have[cell] != want[cell]}
    assert not wrong, json.dumps(wrong, indent=1, ensure_ascii=False)


@pytest.mark.slow
def test_both_graders_agree_on_every_cell_and_the_grader_never_failed(class_runs):
    summary = class_runs["summary"]
    assert set(STYLES) <= set(summary.results)
    for name, result in ((n, summary.results[n]) for n in STYLES):
        assert not result.grader_error and result.ok and result.verified == "clean-process", (name, result.reasons)
    assert set(class_runs["scores"]["plain"]) == set(STYLES)
    assert class_runs["scores"]["plain"] == class_runs["scores"]["ours"]


@pytest.mark.slow
@pytest.mark.parametrize("grader", ["plain", "ours"])
def test_public_test_warns_in_the_hidden_tests_words(class_runs, grader):
    outputs = _outputs(class_runs[grader], "p1_labels_no_legend")
    reason = "the panel 'accuracy' of fig_optimizers needs a legend."
    assert f"WARNING, a hidden test will refuse this: {reason}" in outputs["test_p1_public"]
    assert "Fix the warning(s) above before you submit." in outputs["test_p1_public"]
    assert reason in outputs["test_p1_plot"]
    honest = _outputs(class_runs[grader], "p2_pivot_rounded")
    assert "WARNING" not in honest["test_p1_public"] + honest["test_p2_public"]
    assert "作業2 public test passed." in honest["test_p2_public"]
