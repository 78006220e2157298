"""What happened to one submission, cell by cell, as plain data: the input of summaries and reports.

Scores come from nbgrader's gradebook; the failure message of a test is the exception its cell
raised in the autograded notebook (`AssertionError: histories['SGD'] ...`), which is the
student-facing text the checks are written to give. Nothing here reads hidden-test code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import course
from ..gradebook import db_url
from .hide_hidden_tests import has_hidden_tests, without_hidden_tests

PARTS = course.PARTS                # graded cells per part; every other graded cell is written
WRITTEN = "written answers"


def part_of(grade_id: str) -> str:
    return next((part for part, ids in PARTS.items() if grade_id in ids), WRITTEN)


@dataclass
class CellOutcome:
    grade_id: str
    part: str                       # 作業1 / 作業2 / written answers
    kind: str                       # "public test" | "hidden test" | "written answer" | "code answer"
    score: float | None             # None: waits for manual grading
    max_score: float
    description: str = ""           # what the test checks, in the words shown to students
    message: str = ""               # why it failed: "AssertionError: ..." ('' when it passed)

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.max_score


@dataclass
class SubmissionOutcome:
    student: str
    assignment: str
    timestamp: str = ""             # nbgrader's submission time (from timestamp.txt), ISO, or ''
    seconds_late: float = 0.0
    late_penalty: float = 0.0
    cells: list[CellOutcome] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.score or 0.0 for c in self.cells) - self.late_penalty

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    @property
    def waiting(self) -> list[CellOutcome]:
        return [c for c in self.cells if c.score is None]

    def parts(self) -> dict[str, tuple[float, float]]:
        """{part: (score, max)} in the order the notebook asks them."""
        out: dict[str, tuple[float, float]] = {}
        for c in self.cells:
            s, m = out.get(c.part, (0.0, 0.0))
            out[c.part] = (s + (c.score or 0.0), m + c.max_score)
        return out


def describe(source: str) -> str:
    """The student-facing comment lines of a test cell, joined into prose."""
    text = without_hidden_tests(source, "") if has_hidden_tests(source) else source
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(l for l in lines if l)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def error_message(cell) -> str:
    """`ExceptionName: message` of the error a code cell raised (terminal colours removed), or ''."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), _ANSI.sub("", output.get("evalue", ""))
            return f"{ename}: {evalue}" if evalue else ename
    return ""


def autograded_notebook(course_root: Path, student: str, assignment: str = course.ASSIGNMENT,
                        notebook: str = course.NOTEBOOK) -> Path:
    return Path(course_root) / "autograded" / student / assignment / notebook


def _kind(cell, hidden: bool, solution: bool) -> str:
    if cell.cell_type == "markdown":
        return "written answer"
    if solution:
        return "code answer"
    return "hidden test" if hidden else "public test"


def submission_outcomes(course_root: Path = course.COURSE_ROOT, assignment: str = course.ASSIGNMENT,
                        student: str | None = None) -> dict[str, SubmissionOutcome]:
    """{student: SubmissionOutcome} for every autograded submission (or only `student`)."""
    from nbgrader.api import Gradebook

    course_root = Path(course_root)
    out: dict[str, SubmissionOutcome] = {}
    with Gradebook(db_url(course_root)) as gb:
        submissions = [gb.find_submission(assignment, student)] if student else gb.assignment_submissions(assignment)
        for sub in sorted(submissions, key=lambda s: s.student_id):
            result = SubmissionOutcome(
                student=sub.student_id, assignment=assignment,
                timestamp=sub.timestamp.isoformat(sep=" ", timespec="seconds") if sub.timestamp else "",
                seconds_late=float(sub.total_seconds_late or 0.0),
                late_penalty=float(sub.late_submission_penalty or 0.0))
            for nb in sub.notebooks:
                graded = _read(autograded_notebook(course_root, sub.student_id, assignment, nb.name + ".ipynb"))
                sources = {c.name: c.source for c in nb.notebook.source_cells}
                answers = {c.name for c in nb.notebook.solution_cells}
                # the notebook's own cell order (the gradebook's order is not the notebook's)
                order = {gid: i for i, gid in enumerate(graded)}
                for grade in sorted(nb.grades, key=lambda g: order.get(g.cell.name, 1 << 30)):
                    cell, src = grade.cell, sources.get(grade.cell.name, "")
                    hidden = has_hidden_tests(src)
                    score = None if grade.needs_manual_grade else float(grade.score)
                    message = error_message(graded.get(cell.name, {})) if score is not None and score < grade.max_score else ""
                    result.cells.append(CellOutcome(
                        grade_id=cell.name, part=part_of(cell.name), kind=_kind(cell, hidden, cell.name in answers), score=score,
                        max_score=float(grade.max_score),
                        description=describe(src) if cell.cell_type == "code" and cell.name not in answers else "",
                        message=message))
            out[sub.student_id] = result
    return out


def _read(path: Path) -> dict:
    """{grade_id: cell} of an autograded notebook ({} if it is missing or unreadable)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return {}
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")}
