"""Grades as CSV: nbgrader's own export, plus the per-question table nbgrader does not give (#938).

`question_table` is student x graded cell (the points each student got in each test cell and
written answer), with per-part totals and lateness; `question_summary` is one row per graded
cell (points, mean, pass rate). Both are pandas DataFrames built from the gradebook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import course, nbgrader_cli
from ..feedback.outcomes import PARTS, SubmissionOutcome, submission_outcomes


def export_nbgrader_csv(course_root: Path, out_csv: Path, assignment: str = course.ASSIGNMENT) -> Path:
    """`nbgrader export` (one row per student and assignment) to `out_csv`."""
    out_csv = Path(out_csv).resolve()
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    nbgrader_cli.run(["export", f"--to={out_csv}", f"--assignment={assignment}"], Path(course_root))
    return out_csv


def question_table(outcomes: dict[str, SubmissionOutcome]) -> pd.DataFrame:
    """Rows: students. Columns: every graded cell (NaN = waits for manual grading), then per-part
    totals, `autograded`, `autograded_max`, `late_penalty`, `seconds_late`, `timestamp`."""
    rows = []
    for student, outcome in sorted(outcomes.items()):
        row = {"student": student}
        row.update({c.grade_id: c.score for c in outcome.cells})
        for part, ids in PARTS.items():
            row[part] = sum(c.score or 0.0 for c in outcome.cells if c.grade_id in ids)
        auto = [c for c in outcome.cells if c.score is not None]
        row["autograded"] = sum(c.score for c in auto) - outcome.late_penalty
        row["autograded_max"] = sum(c.max_score for c in auto)
        row["late_penalty"] = outcome.late_penalty
        row["seconds_late"] = outcome.seconds_late
        row["timestamp"] = outcome.timestamp
        rows.append(row)
    cells = _cell_order(outcomes)
    columns = ["student", *cells, *PARTS, "autograded", "autograded_max", "late_penalty", "seconds_late", "timestamp"]
    table = pd.DataFrame(rows, columns=columns).set_index("student")
    table[cells] = table[cells].astype(float)
    return table


def question_summary(outcomes: dict[str, SubmissionOutcome]) -> pd.DataFrame:
    """Rows: graded cells in notebook order. Columns: part, kind, max_points, graded (students),
    mean_score, pass_rate (share of graded students with full points; NaN if none graded yet)."""
    rows = []
    for grade_id in _cell_order(outcomes):
        cells = [c for o in outcomes.values() for c in o.cells if c.grade_id == grade_id]
        scored = [c for c in cells if c.score is not None]
        rows.append({
            "grade_id": grade_id, "part": cells[0].part, "kind": cells[0].kind, "max_points": cells[0].max_score,
            "graded": len(scored),
            "mean_score": sum(c.score for c in scored) / len(scored) if scored else float("nan"),
            "pass_rate": sum(c.passed for c in scored) / len(scored) if scored else float("nan"),
        })
    return pd.DataFrame(rows, columns=["grade_id", "part", "kind", "max_points", "graded", "mean_score",
                                       "pass_rate"]).set_index("grade_id")


def _cell_order(outcomes: dict[str, SubmissionOutcome]) -> list[str]:
    order: list[str] = []
    for outcome in outcomes.values():
        for c in outcome.cells:
            if c.grade_id not in order:
                order.append(c.grade_id)
    return order


def write_grades(course_root: Path = course.COURSE_ROOT, out_dir: Path | None = None,
                 assignment: str = course.ASSIGNMENT,
                 outcomes: dict[str, SubmissionOutcome] | None = None) -> dict[str, Path]:
    """grades.csv (nbgrader export), per_question.csv and questions.csv in `out_dir`
    (default `<course_root>/reports/<assignment>/`); {name: path}."""
    out_dir = Path(out_dir) if out_dir else Path(course_root) / "reports" / assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes = outcomes if outcomes is not None else submission_outcomes(course_root, assignment)
    paths = {"grades": export_nbgrader_csv(course_root, out_dir / "grades.csv", assignment),
             "per_question": out_dir / "per_question.csv", "questions": out_dir / "questions.csv"}
    question_table(outcomes).to_csv(paths["per_question"])
    question_summary(outcomes).to_csv(paths["questions"])
    return paths
