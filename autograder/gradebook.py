"""Read scores out of nbgrader's gradebook as plain data."""

from __future__ import annotations

from pathlib import Path




def db_url(course_root: Path) -> str:
    return f"sqlite:///{Path(course_root).resolve() / 'gradebook.db'}"


def cell_scores(course_root: Path, assignment: str) -> dict[str, dict[str, float | None]]:
    """{student: {grade_id: score}} for every autograded submission (None = needs manual grading)."""
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float | None]] = {}
    with Gradebook(db_url(course_root)) as gb:
        for submission in gb.assignment_submissions(assignment):
            cells = out.setdefault(submission.student_id, {})
            for nb in submission.notebooks:
                for grade in nb.grades:
                    cells[grade.cell.name] = None if grade.needs_manual_grade else grade.score
    return out


def max_scores(course_root: Path, assignment: str) -> dict[str, float]:
    """{grade_id: max points} from the assignment's definition."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url(course_root)) as gb:
        return {cell.name: cell.max_score for nb in gb.find_assignment(assignment).notebooks
                for cell in nb.grade_cells}
