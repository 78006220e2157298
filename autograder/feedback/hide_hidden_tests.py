"""An nbgrader preprocessor for `generate_feedback`: students see what each hidden test checks, not its code.

nbgrader puts the hidden tests back into the autograded notebook and its feedback HTML shows them
(nbgrader #917, by design). This preprocessor runs after `GetGrades` on the feedback copy only:

- a grade cell whose instructor source (from the gradebook; the submission's copy may have been
  edited) has a hidden-test region, by nbgrader's rule and the course's configured delimiters
  (`autograder.hidden_tests`), keeps the lines outside it (the student-facing description) plus
  one line saying that a hidden test worth N points ran there;
- its error outputs keep the exception name and message (what the student must fix) but lose the
  traceback, whose frames echo hidden code;
- machine-readable records that hidden tests display for reports
  (`application/vnd.<course>.record+json` outputs) are dropped.

The autograded notebook and the gradebook are untouched.
"""

from __future__ import annotations

import copy
import re

from nbgrader.preprocessors import NbGraderPreprocessor

from ..hidden_tests import Delimiters, has_hidden_tests, without_hidden_tests

RECORD_MIME = re.compile(r"^application/vnd\.[\w.-]+\.record\+json$")


def hidden_note(points) -> str:
    pts = f"{float(points):g}" if points is not None else "?"
    return f"# (hidden test: {pts} point{'' if pts == '1' else 's'}; its code is not shown)"


def student_facing_error(output: dict) -> dict:
    """An error output reduced to `ExceptionName: message` (no frames, no code lines)."""
    ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
    out = copy.deepcopy(output)     # a NotebookNode stays a NotebookNode
    out["traceback"] = [f"\x1b[0;31m{ename}\x1b[0m: {evalue}" if evalue else f"\x1b[0;31m{ename}\x1b[0m"]
    return out


def is_record(output: dict) -> bool:
    return (output.get("output_type") in ("display_data", "execute_result")
            and any(RECORD_MIME.match(mime) for mime in output.get("data", {})))


class HideHiddenTests(NbGraderPreprocessor):   # NbGraderPreprocessor: enabled by default
    """Replace hidden-test code in graded cells by a one-line note; keep results and messages."""

    def preprocess(self, nb, resources):
        self._delimiters = Delimiters.from_config(self.config)
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
            cell.outputs = [o for o in cell.get("outputs", []) if not is_record(o)]
        grade_id = meta.get("grade_id")
        if not grade_id or meta.get("solution"):
            return cell, resources     # the student's own answer cells stay as they are
        # the gradebook holds the instructor's source, whatever the submission did to the cell
        original = self._gradebook_sources.get(grade_id, "")
        source = original if has_hidden_tests(original, self._delimiters) else cell.source
        if not has_hidden_tests(source, self._delimiters):
            return cell, resources
        cell.source = without_hidden_tests(source, hidden_note(meta.get("points")), self._delimiters)
        if cell.get("cell_type") == "code":
            cell.outputs = [student_facing_error(o) if o.get("output_type") == "error" else o
                            for o in cell.outputs]
        return cell, resources
