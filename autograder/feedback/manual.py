"""An nbgrader preprocessor for `generate_feedback`: a manually graded answer that the instructor has
not graded yet says so, instead of showing "Score: 0.0 / 3.0".

nbgrader's feedback template prints every graded cell's score as a number, so an answer waiting
for the formgrader reads as zero points. On the feedback copy only, such a cell (a solution cell
that is graded, and that the gradebook still marks `needs_manual_grade`) loses its score box and
starts with one line: not graded yet, worth N points, graded by the instructor. Once the
instructor has graded it, nbgrader's own score and comment show as usual.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

NOTE = "**Not graded yet:** your instructor grades this answer ({points:g} points)."


class NotGradedYet(NbGraderPreprocessor):   # NbGraderPreprocessor: enabled by default

    def preprocess(self, nb, resources):
        self._waiting = self._waiting_cells(resources)
        return super().preprocess(nb, resources)

    def _waiting_cells(self, resources) -> set[str]:
        info = resources.get("nbgrader", {})
        if not info.get("db_url"):
            return set()
        from nbgrader.api import Gradebook

        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            return {grade.name for grade in notebook.grades if grade.needs_manual_grade}

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and meta.get("grade") and meta.get("grade_id") in self._waiting:
            meta["grade"] = False            # no "Score: 0.0 / N" box on this copy
            note = NOTE.format(points=float(meta.get("points") or 0))
            if cell.cell_type == "markdown":
                cell.source = f"{note}\n\n{cell.source}"
            else:
                cell.source = f"# {note.replace('**', '')}\n{cell.source}"
        return cell, resources
