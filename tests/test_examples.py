"""The bundled example submissions answer the reflection in a student's own words, never with the
instructor's model answer (which only source/ holds)."""

from __future__ import annotations

import pytest

from course_support import COURSE, EXAMPLES
from day76 import recipes


def _reflection(nb) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "reflection")


@pytest.mark.parametrize("name", [p.stem for p in recipes.recipe_files(EXAMPLES)])
def test_examples_do_not_hand_in_the_model_answer(name):
    source = recipes.solution_answers(__import__("nbformat").read(COURSE.source_notebook(), as_version=4))
    model_lines = {line.strip() for line in source["reflection"].splitlines() if len(line.strip()) > 20}
    answer = _reflection(recipes.build_submission(recipes.load_recipe(EXAMPLES / f"{name}.py"), COURSE))
    assert not model_lines & {line.strip() for line in answer.splitlines()}, f"{name} copies the model answer"
    assert "Model answer" not in answer and "Rubric" not in answer
