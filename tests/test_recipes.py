"""Recipes (day76/recipes.py): `# include:` lines expand as the module says, and every recipe of the
repository's recipe folders builds with its includes, its shared `_*.py` files used and header-free."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES
from course_support import COURSE, EXAMPLES
from day76 import recipes

RECIPE_FOLDERS = [FIXTURES / "integrity", FIXTURES / "styles", FIXTURES / "submissions", EXAMPLES]
TEST_READ_HEADERS = re.compile(r"^# (expect:|expected:|reason \w+:|hole [\w ]+:)", re.MULTILINE)


def _cells(nb) -> list[tuple[str, str, dict]]:
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def _source(nb, grade_id: str) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _inserted_after(nb, grade_id: str) -> str:
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return nb.cells[index + 1].source


@pytest.fixture
def folder(tmp_path):
    """A recipe that includes a cell body (which includes more), lines inside a loop, and whole sections
    from a subfolder (whose own include is relative to that subfolder)."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "recipe.py").write_text(
        "# base: solution\n"
        "# expect: test_p1_public=1\n"
        "# %% p1_train\n"
        "models = {}\n"
        "# include: _loop.py\n"
        "    print(name)\n"
        "# %% p1_plot\n"
        "# include: _body.py\n"
        "# include: sub/_sections.py\n", encoding="utf-8")
    (tmp_path / "_loop.py").write_text("for name in 'ab':\n    models[name] = 1\n", encoding="utf-8")
    (tmp_path / "_body.py").write_text("# include: _loop.py\nplt.show()\n", encoding="utf-8")
    (tmp_path / "sub" / "_sections.py").write_text(
        "# %% after p1_plot\n# include: _cell.py\n# %% p2_train blank\n", encoding="utf-8")
    (tmp_path / "sub" / "_cell.py").write_text("inserted = True\n", encoding="utf-8")
    (tmp_path / "expanded.py").write_text(
        "# base: solution\n"
        "# expect: test_p1_public=1\n"
        "# %% p1_train\n"
        "models = {}\n"
        "for name in 'ab':\n"
        "    models[name] = 1\n"
        "    print(name)\n"
        "# %% p1_plot\n"
        "for name in 'ab':\n"
        "    models[name] = 1\n"
        "plt.show()\n"
        "# %% after p1_plot\n"
        "inserted = True\n"
        "# %% p2_train blank\n", encoding="utf-8")
    return tmp_path


def test_an_include_line_is_replaced_by_the_files_lines_nested_and_relative_to_their_folders(folder):
    nb = recipes.build_submission(recipes.load_recipe(folder / "recipe.py"), COURSE)
    assert _source(nb, "p1_train") == "models = {}\nfor name in 'ab':\n    models[name] = 1\n    print(name)"
    assert _source(nb, "p1_plot") == "for name in 'ab':\n    models[name] = 1\nplt.show()"
    assert _inserted_after(nb, "p1_plot") == "inserted = True"
    released = next(c.source for c in recipes.build_submission("", COURSE).cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == "p2_train")
    assert _source(nb, "p2_train") == released
    by_hand = recipes.build_submission((folder / "expanded.py").read_text(encoding="utf-8"), COURSE)
    assert _cells(nb) == _cells(by_hand)


def test_text_with_includes_builds_given_its_folder_and_not_without(folder):
    text = (folder / "recipe.py").read_text(encoding="utf-8")
    with_folder = recipes.build_submission(text, COURSE, base_dir=folder)
    assert _cells(with_folder) == _cells(recipes.build_submission(recipes.load_recipe(folder / "recipe.py"), COURSE))
    assert recipes.parse_recipe(text, folder) == recipes.load_recipe(folder / "recipe.py")
    with pytest.raises(recipes.RecipeError, match=r"line 5: `# include: _loop.py` needs the recipe's folder.*load_recipe"):
        recipes.build_submission(text, COURSE)


def test_text_without_includes_reads_as_before(folder):
    text = (folder / "expanded.py").read_text(encoding="utf-8")
    assert recipes.expand_includes(text, folder) is text
    assert recipes.parse_recipe(text) == recipes.parse_recipe(text, folder) == recipes.load_recipe(folder / "expanded.py")


def test_a_missing_include_names_the_file_that_asks_for_it(folder):
    (folder / "sub" / "_cell.py").unlink()
    with pytest.raises(recipes.RecipeError) as error:
        recipes.load_recipe(folder / "recipe.py")
    message = str(error.value)
    assert str(folder / "sub" / "_sections.py") + ", line 2" in message
    assert "cannot include '_cell.py'" in message and str(folder / "sub" / "_cell.py") in message
    assert "relative to the folder of the file that names it" in message


def test_an_include_cycle_is_refused_with_its_chain(folder):
    (folder / "_loop.py").write_text("# include: _body.py\n", encoding="utf-8")     # _body.py includes _loop.py
    with pytest.raises(recipes.RecipeError, match=r"_body.py, line 1: include cycle _loop.py -> _body.py -> _loop.py"):
        recipes.load_recipe(folder / "recipe.py")
    (folder / "self.py").write_text("# %% p1_train\n# include: self.py\n", encoding="utf-8")
    with pytest.raises(recipes.RecipeError, match=r"include cycle self.py -> self.py"):
        recipes.load_recipe(folder / "self.py")


@pytest.mark.parametrize("line", ["    # include: _loop.py", "# include: _loop.py _body.py", "# include:"])
def test_an_include_line_that_is_not_exactly_one_file_at_the_start_of_the_line_is_refused(folder, line):
    with pytest.raises(recipes.RecipeError, match="cannot read the include line"):
        recipes.parse_recipe(f"# %% p1_train\nfor i in x:\n{line}\n", folder)


def test_recipe_files_leave_out_the_shared_files(folder):
    assert [p.name for p in recipes.recipe_files(folder)] == ["expanded.py", "recipe.py"]


@pytest.mark.parametrize("recipe_folder", RECIPE_FOLDERS, ids=lambda p: p.name)
def test_every_recipe_builds_and_every_shared_file_is_included_and_has_no_test_headers(recipe_folder):
    for path in recipes.recipe_files(recipe_folder):
        recipes.build_submission(recipes.load_recipe(path), COURSE)
    shared = sorted(recipe_folder.glob("_*.py"))
    named = {m.group(1) for p in recipe_folder.glob("*.py")
             for m in re.finditer(r"^# include: (\S+)$", p.read_text(encoding="utf-8"), re.MULTILINE)}
    assert {p.name for p in shared} <= named, "a shared file no recipe includes"
    for path in shared:
        assert not TEST_READ_HEADERS.search(path.read_text(encoding="utf-8")), \
            f"{path.name}: the lines tests read belong in each recipe's own header"
