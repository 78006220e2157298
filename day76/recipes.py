"""Build student notebooks from the release and a short *recipe*: examples, fixtures, benchmarks.

A recipe is a text file in Jupytext's percent style. Each `# %% <grade_id> [action]` header
names a cell of the assignment (by its nbgrader grade_id) and says what the student did to it;
the lines below the header are the new source. Actions:

    # %% p1_train            replace the cell's source with the lines that follow
    # %% p1_train solution   the reference solution's answer for that cell
    # %% p1_train blank      leave the cell as released (its "YOUR CODE HERE" stub)
    # %% p1_train delete     delete the cell (tests must still be graded with the original)
    # %% after p1_train      insert a new code cell after it

A first line `# base: solution` starts from a fully solved notebook (otherwise from the blank
release). The reference solution is read from `source/`, so recipes never go stale when the
instructor edits it. Other lines before the first header are prose for the reader (and for tests
that read their own header lines, such as `# expect:`); they are not part of the notebook.

Includes. A line `# include: <file>` (at the start of the line, one file name, no spaces) is
replaced by the lines of that file, as they are, before the recipe is read: plain textual
expansion, nothing re-indented, no parameters. So one include can hold a cell's body (the usual
use: the header stays in the recipe, `# %% p1_train` then `# include: _p1_train_untrained.py`),
a few lines inside a body (the lines around it continue the same cell, even the same loop), or
whole `# %% ...` sections. The file is found relative to the folder of the file that names it;
an included file may include others (relative to its own folder). A missing file, an include
cycle, an indented or unreadable include line, or an include in a recipe given as bare text
without its folder is a RecipeError that says which file and what to do. Shared files are named
`_*.py` so that `recipe_files` (how the tests list a folder's recipes) never takes one for a recipe.
Read a recipe file with `load_recipe(path)`, or pass `base_dir=` to `parse_recipe` and
`build_submission` along with its text; text without includes needs neither. Lines a test reads
from a recipe's own header (`# expect:`, `# reason ...:`, `# hole ...:`, `# expected:`) are read
from the file itself, unexpanded: keep them there, never in an included file.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from autograder.course import Course

_HEADER = re.compile(r"^# %%\s+(?:(after)\s+)?([A-Za-z0-9_\-]+)(?:\s+(solution|blank|delete))?\s*$")
_BASE = re.compile(r"^#\s*base:\s*(solution|blank)\s*$")
_INCLUDE_LIKE = re.compile(r"^\s*#\s*include\s*:")
_INCLUDE = re.compile(r"^#\s*include:\s*(\S+)\s*$")
_SOLUTION_REGION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


class RecipeError(ValueError):
    """A recipe names a cell the assignment does not have, or cannot be read (or included)."""


@dataclass
class Step:
    grade_id: str
    action: str              # replace | solution | blank | delete | after
    source: str = ""


@dataclass
class Recipe:
    base: str = "blank"
    steps: list[Step] = field(default_factory=list)


def recipe_files(folder: Path) -> list[Path]:
    """The recipes of a folder, sorted: its `*.py` files but the shared `_*.py` ones they include."""
    return sorted(p for p in Path(folder).glob("*.py") if not p.name.startswith("_"))


def expand_includes(text: str, base_dir: Path | None = None, origin: str = "the recipe",
                    _chain: tuple[Path, ...] = ()) -> str:
    """`text` with every `# include: <file>` line replaced by that file's (expanded) lines.

    `base_dir` is the folder of the file `text` comes from (`origin`, named in errors); `_chain`
    holds the files being expanded around this one, to catch a cycle.
    """
    if not any(_INCLUDE_LIKE.match(line) for line in text.splitlines()):
        return text
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        if not _INCLUDE_LIKE.match(line):
            lines.append(line)
            continue
        where = f"{origin}, line {number}"
        m = _INCLUDE.match(line)
        if not m:
            raise RecipeError(f"{where}: cannot read the include line {line!r}: write `# include: <file>` at the "
                              "start of the line, one file name and nothing else (included lines are not "
                              "re-indented)")
        name = m.group(1)
        if base_dir is None:
            raise RecipeError(f"{where}: `# include: {name}` needs the recipe's folder: build it with "
                              "load_recipe(path), or pass base_dir= with the text")
        path = (Path(base_dir) / name).resolve()
        if path in _chain:
            cycle = " -> ".join(p.name for p in (*_chain[_chain.index(path):], path))
            raise RecipeError(f"{where}: include cycle {cycle}: remove one of these include lines")
        if not path.is_file():
            raise RecipeError(f"{where}: cannot include {name!r}: there is no file {path} (an include is "
                              "found relative to the folder of the file that names it); create it or fix the name")
        included = expand_includes(path.read_text(encoding="utf-8"), path.parent, str(path), (*_chain, path))
        lines.extend(included.splitlines())
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def load_recipe(path: Path) -> Recipe:
    """The recipe in the file `path`, its includes expanded relative to its folder."""
    path = Path(path).resolve()
    text = path.read_text(encoding="utf-8")
    return _parse(text, expand_includes(text, path.parent, str(path), (path,)))


def parse_recipe(text: str, base_dir: Path | None = None) -> Recipe:
    """Read a recipe's text; `base_dir` is its file's folder, needed only if it has includes."""
    return _parse(text, expand_includes(text, base_dir))


def _parse(text: str, expanded: str) -> Recipe:
    recipe, current, body = Recipe(), None, []

    def flush():
        if current is not None:
            current.source = "\n".join(body).strip("\n")
            recipe.steps.append(current)

    for number, line in enumerate(expanded.splitlines(), 1):
        if current is None and not recipe.steps and _BASE.match(line):
            recipe.base = _BASE.match(line).group(1)
            continue
        m = _HEADER.match(line)
        if m:
            flush()
            after, grade_id, action = m.groups()
            current, body = Step(grade_id, "after" if after else (action or "replace")), []
        elif line.startswith("# %%"):
            where = f"line {number}" + (" of the recipe with its includes expanded" if expanded != text else "")
            raise RecipeError(f"{where}: cannot read the cell header {line!r}")
        elif current is not None:
            body.append(line)
    flush()
    return recipe


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solution_answers(source_nb) -> dict[str, str]:
    """The reference answer of every solution cell: its source without the SOLUTION markers."""
    answers = {}
    for cell in source_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = _SOLUTION_REGION.sub("", cell.source).strip("\n")
    return answers


def build_submission(recipe: Recipe | str, course: Course | None = None, release_nb=None,
                     source_nb=None, base_dir: Path | None = None) -> nbformat.NotebookNode:
    """A student notebook: the release, with the recipe's changes applied (default: this course).

    `recipe` is a Recipe (e.g. from `load_recipe(path)`) or a recipe's text; `base_dir`, the folder
    that text's includes are relative to, is needed only if it has any.
    """
    if isinstance(recipe, str):
        recipe = parse_recipe(recipe, base_dir)
    if release_nb is None or source_nb is None:
        course = course or default_course()
    release_nb = release_nb or nbformat.read(course.release_notebook(), as_version=4)
    source_nb = source_nb or nbformat.read(course.source_notebook(), as_version=4)
    nb = copy.deepcopy(release_nb)
    answers = solution_answers(source_nb)
    if recipe.base == "solution":
        for cell in nb.cells:
            if _grade_id(cell) in answers:
                cell.source = answers[_grade_id(cell)]
    released = {_grade_id(c): c.source for c in release_nb.cells if _grade_id(c)}
    for step in recipe.steps:
        index = next((i for i, c in enumerate(nb.cells) if _grade_id(c) == step.grade_id), None)
        if index is None:
            raise RecipeError(f"the assignment has no cell with grade_id {step.grade_id!r}")
        cell = nb.cells[index]
        if step.action == "replace":
            cell.source = step.source
        elif step.action == "solution":
            if step.grade_id not in answers:
                raise RecipeError(f"{step.grade_id!r} is not a solution cell")
            cell.source = answers[step.grade_id]
        elif step.action == "blank":
            cell.source = released[step.grade_id]
        elif step.action == "delete":
            del nb.cells[index]
        elif step.action == "after":
            nb.cells.insert(index + 1, new_code_cell(step.source))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(nb)
    return nb


def write_submission(nb, student: str, course: Course, timestamp: str | None = None) -> Path:
    """Place a notebook where `nbgrader autograde` looks for it: submitted/<student>/<assignment>/."""
    path = course.submitted_notebook(student)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    if timestamp:
        (path.parent / "timestamp.txt").write_text(timestamp + "\n", encoding="utf-8")
    return path


def default_course(root: Path | None = None) -> Course:
    """The Day 76 course of this repository (or a copy of it at `root`)."""
    from . import HOMEWORK

    return Course.load(root or HOMEWORK)
