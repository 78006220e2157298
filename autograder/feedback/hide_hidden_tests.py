"""An nbgrader preprocessor for `generate_feedback`: students see what each hidden test checks, not its code.

nbgrader puts the hidden tests back into the autograded notebook and its feedback HTML shows them
(nbgrader #917, by design). This preprocessor runs after `GetGrades` on the feedback copy only:

- a grade cell whose source (in the gradebook, or in the notebook) has a `### BEGIN HIDDEN TESTS`
  region keeps the lines above it (the student-facing description) plus one line saying that a
  hidden test worth N points ran there;
- its error outputs keep the exception name and message (what the student must fix) but lose the
  traceback, whose frames echo hidden code;
- the machine-readable records hidden tests leave for the class report are dropped.

The autograded notebook and the gradebook are untouched.
"""

from __future__ import annotations

import copy
import re

from nbgrader.preprocessors import NbGraderPreprocessor

BEGIN = "### BEGIN HIDDEN TESTS"
END = "### END HIDDEN TESTS"
RECORD_MIME = "application/vnd.day76.record+json"   # autograder.checks.records.MIME (no import: keep this light)
# a hidden region, delimiters included; an unterminated one runs to the end of the cell
_REGION = re.compile(r"^[ \t]*" + re.escape(BEGIN) + r"[ \t]*$.*?(?:^[ \t]*" + re.escape(END) + r"[ \t]*$\n?|\Z)",
                     re.MULTILINE | re.DOTALL)


def has_hidden_tests(source: str) -> bool:
    return _REGION.search(source or "") is not None


def without_hidden_tests(source: str, note: str) -> str:
    """The source with each hidden region replaced by `note` (once) - what the student may read."""
    first = True

    def replace(_match):
        nonlocal first
        text, first = (note + "\n" if first else ""), False
        return text

    return _REGION.sub(replace, source).rstrip("\n")


def hidden_note(points) -> str:
    pts = f"{float(points):g}" if points is not None else "?"
    return f"# (hidden test: {pts} point{'' if pts == '1' else 's'}; its code is not shown)"


def student_facing_error(output: dict) -> dict:
    """An error output reduced to `ExceptionName: message` (no frames, no code lines)."""
    ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
    out = copy.deepcopy(output)     # a NotebookNode stays a NotebookNode
    out["traceback"] = [f"\x1b[0;31m{ename}\x1b[0m: {evalue}" if evalue else f"\x1b[0;31m{ename}\x1b[0m"]
    return out


def strip_records(outputs: list) -> list:
    return [o for o in outputs if not (o.get("output_type") in ("display_data", "execute_result")
                                        and RECORD_MIME in o.get("data", {}))]


class HideHiddenTests(NbGraderPreprocessor):   # NbGraderPreprocessor: enabled by default
    """Replace hidden-test code in graded cells by a one-line note; keep results and messages."""

    def preprocess(self, nb, resources):
        self._gradebook_sources = self._load_gradebook_sources(resources)
        return super().preprocess(nb, resources)

    def _load_gradebook_sources(self, resources) -> dict[str, str]:
        info = resources.get("nbgrader", {})
        if not info.get("db_url"):
            return {}
        from nbgrader.api import Gradebook

        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            return {cell.name: cell.source for cell in notebook.source_cells}

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code":
            cell.outputs = strip_records(cell.get("outputs", []))
        grade_id = meta.get("grade_id")
        if not grade_id or meta.get("solution"):
            return cell, resources     # the student's own answer cells stay as they are
        # the gradebook holds the instructor's source, whatever the submission did to the cell
        original = self._gradebook_sources.get(grade_id, "")
        source = original if has_hidden_tests(original) else cell.source
        if not has_hidden_tests(source):
            return cell, resources
        cell.source = without_hidden_tests(source, hidden_note(meta.get("points")))
        if cell.get("cell_type") == "code":
            cell.outputs = [student_facing_error(o) if o.get("output_type") == "error" else o
                            for o in cell.outputs]
        return cell, resources
