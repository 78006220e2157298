"""Grades as tables: nbgrader's own export, plus what nbgrader does not give (#938).

- `students_table`: one row per student (graded, not graded, not collected): the per-part sums,
  autograded and manual points, the instructor's comments, the late penalty and the total;
- `question_table`: student x graded cell (NaN = not graded yet);
- `question_summary`: one row per graded cell (points, mean, pass rate).

Every number is read from `autograder.outcome.SubmissionOutcome`; nothing is added up here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..course import Course
from ..nbgrader_commands import run as run_nbgrader
from ..outcome import SubmissionOutcome

NAN = float("nan")
NOT_GRADED_YET = "not graded yet"

STATUS = {"grader_error": "grader error", "not_gradable": "not gradable", "not_graded": "not graded yet"}


def export_nbgrader_csv(course: Course, out_csv: Path) -> Path:
    """`nbgrader export` (one row per student and assignment) to `out_csv`."""
    out_csv = Path(out_csv).resolve()
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    run_nbgrader(["export", f"--to={out_csv}", f"--assignment={course.assignment}"], course.root)
    return out_csv


def status_of(outcome: SubmissionOutcome) -> str:
    """One word for the students table and the status figure."""
    if outcome.status == "not_collected":
        return str(outcome.collected.status) if outcome.collected else "not collected"
    if outcome.status != "graded":
        return STATUS.get(outcome.status, outcome.status)
    return "late" if outcome.late else "on time"


def _comments(outcome: SubmissionOutcome) -> str:
    return " | ".join(f"{c.grade_id}: {' '.join(c.comment.split())}" for c in outcome.comments())


def students_table(outcomes: dict[str, SubmissionOutcome], parts: list[str]) -> pd.DataFrame:
    """The tidy students table (see the module docstring)."""
    rows = []
    for student, o in outcomes.items():
        graded = o.has_scores
        entry = o.collected
        part_scores = o.parts()
        manual = o.manual
        rows.append({
            "student": student,
            **{p: (part_scores[p].score if p in part_scores else NAN) if graded else NAN for p in parts},
            "autograded": o.autograded if graded else NAN,
            "of": o.autograded_max if graded else NAN,
            "manual": (manual if manual is not None else NOT_GRADED_YET) if graded and o.manual_cells else "",
            "manual_of": o.manual_max if graded and o.manual_cells else NAN,
            "late_penalty": o.late_penalty if graded else NAN,
            "total": o.score if graded else NAN,
            "total_of": o.max_score if graded else NAN,
            "status": status_of(o),
            "hours_late": round(o.seconds_late / 3600, 1) if o.seconds_late else NAN,
            "commit": entry.commit[:10] if entry else "",
            "failed_tests": ", ".join(c.grade_id for c in o.failed) if graded else "",
            "comments": _comments(o),
            "reason": "; ".join(o.reasons) or (entry.reason if entry and (entry.late or entry.kept_previous or not entry.status.ok) else ""),
        })
    columns = ["student", *parts, "autograded", "of", "manual", "manual_of", "late_penalty", "total", "total_of",
               "status", "hours_late", "commit", "failed_tests", "comments", "reason"]
    return pd.DataFrame(rows, columns=columns)


def _cell_order(outcomes: dict[str, SubmissionOutcome]) -> list[str]:
    order: list[str] = []
    for outcome in outcomes.values():
        for c in outcome.cells:
            if c.grade_id not in order:
                order.append(c.grade_id)
    return order


def question_table(outcomes: dict[str, SubmissionOutcome]) -> pd.DataFrame:
    """Rows: graded students. Columns: every graded cell (NaN = not graded yet), then `autograded`,
    `autograded_max`, `manual`, `late_penalty`, `total`, `seconds_late`, `timestamp`."""
    graded = {s: o for s, o in outcomes.items() if o.has_scores}
    cells = _cell_order(graded)
    rows = []
    for student, o in graded.items():
        rows.append({"student": student, **{c.grade_id: c.score for c in o.cells},
                     "autograded": o.autograded, "autograded_max": o.autograded_max,
                     "manual": o.manual if o.manual is not None else NAN,
                     "late_penalty": o.late_penalty, "total": o.score,
                     "seconds_late": o.seconds_late, "timestamp": o.timestamp})
    columns = ["student", *cells, "autograded", "autograded_max", "manual", "late_penalty", "total",
               "seconds_late", "timestamp"]
    table = pd.DataFrame(rows, columns=columns).set_index("student")
    table[cells] = table[cells].astype(float)
    return table


def question_summary(outcomes: dict[str, SubmissionOutcome]) -> pd.DataFrame:
    """Rows: graded cells in notebook order. Columns: part, kind, max_points, graded (students),
    mean_score, pass_rate (share of graded students with full points; NaN if none graded yet)."""
    graded = [o for o in outcomes.values() if o.has_scores]
    rows = []
    for grade_id in _cell_order({o.student: o for o in graded}):
        cells = [c for o in graded for c in o.cells if c.grade_id == grade_id]
        scored = [c for c in cells if c.score is not None]
        rows.append({
            "grade_id": grade_id, "part": cells[0].part, "kind": cells[0].kind, "max_points": cells[0].max_score,
            "graded": len(scored),
            "mean_score": sum(c.score for c in scored) / len(scored) if scored else NAN,
            "pass_rate": sum(c.passed for c in scored) / len(scored) if scored else NAN,
        })
    return pd.DataFrame(rows, columns=["grade_id", "part", "kind", "max_points", "graded", "mean_score",
                                       "pass_rate"]).set_index("grade_id")


def write_grades(course: Course, out_dir: Path, outcomes: dict[str, SubmissionOutcome]) -> dict[str, Path]:
    """grades.csv (nbgrader export), students.csv, per_question.csv and questions.csv in `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"grades": export_nbgrader_csv(course, out_dir / "grades.csv"),
             "students": out_dir / "students.csv",
             "per_question": out_dir / "per_question.csv", "questions": out_dir / "questions.csv"}
    students_table(outcomes, list(course.parts)).to_csv(paths["students"], index=False)
    question_table(outcomes).to_csv(paths["per_question"])
    question_summary(outcomes).to_csv(paths["questions"])
    return paths
