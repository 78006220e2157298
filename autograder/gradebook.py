"""Open a course's gradebook, and read what it holds as plain data.

The gradebook is nbgrader's record of an assignment: its graded cells (with the instructor's
source), each submission's scores, manual grades, comments and late penalty. Everything here
reads it through `Course.db_url`, so `CourseDirectory.db_url` in nbgrader_config.py is honoured.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

from .course import Course


@contextmanager
def open_gradebook(course: Course):
    """nbgrader's `Gradebook` for the course (nbgrader's own SQLAlchemy warnings silenced)."""
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(course.db_url, course.coursedir().course_id) as gb:
            yield gb


def cell_scores(course: Course) -> dict[str, dict[str, float | None]]:
    """{student: {grade_id: score}} for every submission of the course's assignment
    (None = waits for manual grading)."""
    out: dict[str, dict[str, float | None]] = {}
    with open_gradebook(course) as gb:
        for submission in gb.assignment_submissions(course.assignment):
            cells = out.setdefault(submission.student_id, {})
            for nb in submission.notebooks:
                for grade in nb.grades:
                    cells[grade.cell.name] = None if grade.needs_manual_grade else grade.score
    return out


def max_scores(course: Course) -> dict[str, float]:
    """{grade_id: max points} from the assignment's definition."""
    with open_gradebook(course) as gb:
        return {cell.name: cell.max_score for nb in gb.find_assignment(course.assignment).notebooks
                for cell in nb.grade_cells}


def source_cells(course: Course) -> dict[str, dict[str, str]]:
    """{notebook name: {cell name: source}}: the instructor's cells as generate_assignment recorded
    them (before hidden tests were removed for the release)."""
    with open_gradebook(course) as gb:
        return {nb.name: {cell.name: cell.source or "" for cell in nb.source_cells}
                for nb in gb.find_assignment(course.assignment).notebooks}
