"""What happened to each submission: the one place that turns the gradebook, the grading record and
the collection report into scores, per-part sums, manual grades, late penalties and reasons.

Markdown summaries, the class report, the CSVs and the demo's table all read a
`SubmissionOutcome`; nothing else adds up points (the feedback HTML is nbgrader's own page, drawn
from the same gradebook). Sources, in order of authority:

- nbgrader's gradebook: every score (autograded and manual), the instructor's comments, the
  late penalty nbgrader's `LateSubmissionPlugin` assigned, the submission time;
- the grading record `autograded/<student>/<assignment>/grading-record.json` that `autograder
  grade` writes: whether grading worked (`graded`, `grader_error`, `not_gradable`), its reasons
  and each test's message; absent after plain `nbgrader autograde`, when the messages come from
  the error outputs of the autograded notebook instead;
- the collection report of `autograder collect`: which commit was graded, collection failures.

A manual cell (one nbgrader marks for manual grading: a graded answer cell such as a written
reflection) that the instructor has not graded yet has `score is None`: it is "not graded yet",
never 0, and it is never a failed test. A grader error has no scores at all (it is not the
student's zero); a notebook that could not be graded by the student's doing (`not_gradable`: a
limit, a dead kernel) keeps the zeros nbgrader recorded, with the reasons.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import nbformat

from .course import Course
from .hidden_tests import Delimiters, has_hidden_tests, without_hidden_tests
from .gradebook import open_gradebook
from .collect.results import CollectionResult

log = logging.getLogger(__name__)

RECORD_FILE = "grading-record.json"
OTHER = "other tests"            # autograded cells that belong to no part of c.Course.parts
WRITTEN = "written answers"      # manual cells that belong to no part


def wanted(student: str, globs: Iterable[str] | None) -> bool:
    """Does `student` match one of the `--student` globs (fnmatch; no globs = everyone)?"""
    globs = list(globs or [])
    return not globs or any(fnmatch.fnmatchcase(student, g) for g in globs)


# --- data ---------------------------------------------------------------------------------------

@dataclass
class CellOutcome:
    grade_id: str
    part: str                       # a part of c.Course.parts, or WRITTEN / OTHER
    kind: str                       # "public test" | "hidden test" | "written answer" | "code answer"
    score: float | None             # None: a manual cell the instructor has not graded yet
    max_score: float
    manual: bool = False            # graded by the instructor (nbgrader's manually graded cells)
    description: str = ""           # what a test checks, in the words shown to students
    message: str = ""               # why a test failed: "AssertionError: ..." ('' when it passed)
    comment: str = ""               # the instructor's comment (formgrader), if any

    @property
    def graded(self) -> bool:
        return self.score is not None

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.max_score

    @property
    def failed_test(self) -> bool:
        """An autograded test that did not get full points (manual cells are never failed tests)."""
        return not self.manual and self.score is not None and self.score < self.max_score


@dataclass(frozen=True)
class PartScore:
    score: float
    max_score: float
    graded: bool                    # False: some of its cells wait for manual grading


@dataclass
class SubmissionOutcome:
    student: str
    assignment: str
    status: str = "graded"          # graded | grader_error | not_gradable | not_graded | not_collected
    reasons: list[str] = field(default_factory=list)
    timestamp: str = ""             # nbgrader's submission time (from timestamp.txt), or ''
    seconds_late: float = 0.0
    late_penalty: float = 0.0
    cells: list[CellOutcome] = field(default_factory=list)
    collected: CollectionResult | None = None     # this student's row of the collection report
    verified: str = ""              # "clean-process" | "kernel" (from the grading record), or ''

    # -- the sums: computed here and nowhere else -------------------------------------------
    @property
    def autograded_cells(self) -> list[CellOutcome]:
        return [c for c in self.cells if not c.manual]

    @property
    def manual_cells(self) -> list[CellOutcome]:
        return [c for c in self.cells if c.manual]

    @property
    def waiting(self) -> list[CellOutcome]:
        """Manual cells the instructor has not graded yet."""
        return [c for c in self.cells if c.manual and c.score is None]

    @property
    def failed(self) -> list[CellOutcome]:
        return [c for c in self.cells if c.failed_test]

    @property
    def autograded(self) -> float:
        """Points of the autograded tests, before any late penalty."""
        return sum(c.score or 0.0 for c in self.autograded_cells)

    @property
    def autograded_max(self) -> float:
        return sum(c.max_score for c in self.autograded_cells)

    @property
    def manual(self) -> float | None:
        """Points the instructor gave (None while any manual cell is not graded yet)."""
        cells = self.manual_cells
        if not cells or any(c.score is None for c in cells):
            return None
        return sum(c.score for c in cells)

    @property
    def manual_max(self) -> float:
        return sum(c.max_score for c in self.manual_cells)

    @property
    def score(self) -> float:
        """Everything graded so far minus the late penalty (nbgrader's `score`)."""
        return max(0.0, sum(c.score or 0.0 for c in self.cells) - self.late_penalty)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    @property
    def has_scores(self) -> bool:
        """Graded, or not gradable by the student's doing (nbgrader then records zeros)."""
        return self.status in ("graded", "not_gradable")

    @property
    def complete(self) -> bool:
        """Graded, and no manual cell waits."""
        return self.status == "graded" and not self.waiting

    @property
    def late(self) -> bool:
        return self.seconds_late > 0 or (self.collected is not None and self.collected.late)

    def parts(self) -> dict[str, PartScore]:
        """{part: PartScore} in the order the notebook asks them."""
        sums: dict[str, list] = {}
        for c in self.cells:
            s = sums.setdefault(c.part, [0.0, 0.0, True])
            s[0] += c.score or 0.0
            s[1] += c.max_score
            s[2] = s[2] and c.score is not None
        return {part: PartScore(*values) for part, values in sums.items()}

    def comments(self) -> list[CellOutcome]:
        return [c for c in self.cells if c.comment]


# --- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GradingRecord:
    """`grading-record.json`, written by `autograder grade` beside the graded notebook."""
    student: str
    assignment: str
    status: str
    reasons: tuple[str, ...]
    cells: dict[str, dict]
    seconds: float
    verified: str

    @classmethod
    def read(cls, path: Path) -> "GradingRecord | None":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring the unreadable grading record %s: %s", path, exc)
            return None
        return cls(student=str(data.get("student", "")), assignment=str(data.get("assignment", "")),
                   status=str(data.get("status", "graded")), reasons=tuple(map(str, data.get("reasons") or ())),
                   cells=dict(data.get("cells") or {}), seconds=float(data.get("seconds") or 0.0),
                   verified=str(data.get("verified", "")))


def record_path(course: Course, student: str) -> Path:
    return course.autograded_dir(student) / RECORD_FILE


def part_of(grade_id: str, parts: dict[str, tuple[str, ...]], manual: bool) -> str:
    return next((part for part, ids in parts.items() if grade_id in ids), WRITTEN if manual else OTHER)


def describe(source: str, delimiters: Delimiters) -> str:
    """The student-facing comment lines at the top of a test cell, joined into prose."""
    text = without_hidden_tests(source, "", delimiters)
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(line for line in lines if line)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def error_message(cell) -> str:
    """`ExceptionName: message` of the error a code cell raised (terminal colours removed), or ''."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), _ANSI.sub("", output.get("evalue", ""))
            return f"{ename}: {evalue}" if evalue else ename
    return ""


def _graded_cells(path: Path) -> dict[str, dict]:
    """{grade_id: cell} of an autograded notebook ({} if it is missing or unreadable)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return {}
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def _kind(cell_type: str, manual: bool, hidden: bool) -> str:
    if manual:
        return "written answer" if cell_type == "markdown" else "code answer"
    return "hidden test" if hidden else "public test"


def _from_gradebook(course: Course, sub, delimiters: Delimiters) -> SubmissionOutcome:
    record = GradingRecord.read(record_path(course, sub.student_id))
    outcome = SubmissionOutcome(
        student=sub.student_id, assignment=course.assignment,
        timestamp=sub.timestamp.isoformat(sep=" ", timespec="seconds") if sub.timestamp else "",
        seconds_late=float(sub.total_seconds_late or 0.0),
        late_penalty=float(sub.late_submission_penalty or 0.0))
    if record is not None:
        outcome.status, outcome.reasons, outcome.verified = record.status, list(record.reasons), record.verified
    for nb in sub.notebooks:
        graded = _graded_cells(course.autograded_dir(sub.student_id) / f"{nb.name}.ipynb")
        sources = {c.name: c.source or "" for c in nb.notebook.source_cells}
        manual_ids = {c.name for c in nb.notebook.solution_cells}
        comments = {c.name: (c.manual_comment if c.manual_comment is not None else c.auto_comment) or ""
                    for c in nb.comments}
        order = {gid: i for i, gid in enumerate(graded)}          # the notebook's order, not the gradebook's
        position = {c.name: i for i, c in enumerate(nb.notebook.source_cells)}
        for grade in sorted(nb.grades, key=lambda g: (order.get(g.cell.name, 1 << 30), position.get(g.cell.name, 0))):
            cell, name = grade.cell, grade.cell.name
            manual = name in manual_ids
            score = None if grade.needs_manual_grade else float(grade.score or 0.0)
            if outcome.status == "grader_error":
                score = None            # the grader failed: nothing in the gradebook is this run's
            message = ""
            if not manual and score is not None and score < grade.max_score:
                recorded = (record.cells.get(name) or {}) if record else {}
                message = recorded.get("message") or error_message(graded.get(name, {}))
            source = sources.get(name, "")
            outcome.cells.append(CellOutcome(
                grade_id=name, part=part_of(name, course.parts, manual),
                kind=_kind(cell.cell_type, manual, has_hidden_tests(source, delimiters)),
                score=score, max_score=float(grade.max_score), manual=manual,
                description="" if manual else describe(source, delimiters),
                message=message, comment=comments.get(name, "")))
    return outcome


def _from_record_only(course: Course, record: GradingRecord) -> SubmissionOutcome:
    """A submission the grader could not put in the gradebook (e.g. a grader error)."""
    return SubmissionOutcome(student=record.student, assignment=course.assignment, status=record.status,
                             reasons=list(record.reasons), verified=record.verified)


def read_outcomes(course: Course, collection_report: Path | None = None,
                  students: Iterable[str] | None = None) -> dict[str, SubmissionOutcome]:
    """{student: SubmissionOutcome} for the course's assignment: every submission in the gradebook,
    every grading record, and every student of the collection report (only `students` globs)."""
    globs = list(students or [])
    delimiters = Delimiters.from_config(course.config)
    collection = collection_by_student(collection_report)
    out: dict[str, SubmissionOutcome] = {}
    with open_gradebook(course) as gb:
        for sub in gb.assignment_submissions(course.assignment):
            if wanted(sub.student_id, globs):
                out[sub.student_id] = _from_gradebook(course, sub, delimiters)
    for path in sorted((course.root / "autograded").glob(f"*/{course.assignment}/{RECORD_FILE}")):
        student = path.parent.parent.name
        if student not in out and wanted(student, globs):
            record = GradingRecord.read(path)
            if record is not None:
                out[student] = _from_record_only(course, record)
    for student, entry in collection.items():
        if not student or not wanted(student, globs):
            continue
        if student in out:
            out[student].collected = entry
        elif entry.status != "duplicate":
            out[student] = SubmissionOutcome(
                student=student, assignment=course.assignment, collected=entry,
                status="not_graded" if entry.status.ok else "not_collected",
                reasons=[entry.reason] if entry.reason else [])
    return dict(sorted(out.items()))


def collection_by_student(path: Path | None) -> dict[str, CollectionResult]:
    """{student folder name: the row that counts} of `autograder collect`'s report ({} for None),
    read by collect's own reader. A duplicate or failed roster row never hides a collected one."""
    if path is None:
        return {}
    from .collect.report import read_report

    out: dict[str, CollectionResult] = {}
    for entry in read_report(path):
        student = entry.student or entry.student_id
        previous = out.get(student)
        if (previous is None or (entry.status.ok and not previous.status.ok)
                or (not previous.status.ok and entry.status != "duplicate")):
            out[student] = entry
    return out


def default_collection_report(course: Course) -> Path | None:
    """`<course>/collected/<assignment>/report.csv` when `autograder collect` wrote it, else None."""
    path = course.root / "collected" / course.assignment / "report.csv"
    return path if path.is_file() else None
