"""`autograder duedate [--deadline ISO]`: the collection deadline as nbgrader's due date.

nbgrader computes lateness (and `LateSubmissionPlugin` penalties) from each submission's
`timestamp.txt` and the assignment's due date in the gradebook; without a due date nothing is
ever late. This records the deadline `autograder collect` used (`--deadline`, else
`c.Collect.deadline`; a deadline without a zone is read in the course's zone exactly as collect
reads it) with nbgrader's own `nbgrader db assignment add ASSIGNMENT --duedate=...`, in UTC.
"""

from __future__ import annotations

from datetime import datetime

from ..course import Course, CourseError
from .common import add_course_arguments, load_course


def register(subparsers) -> None:
    p = subparsers.add_parser("duedate", help="set the assignment's due date in the gradebook (late penalties)",
                              description=__doc__)
    add_course_arguments(p, students=False)
    p.add_argument("--deadline", metavar="ISO",
                   help="e.g. 2026-11-30T23:59:00+08:00, the one given to `autograder collect` "
                        "(default: c.Collect.deadline; no zone: the course's zone, as collect reads it)")
    p.set_defaults(func=run)


def deadline_utc(text: str | None, course: Course) -> datetime:
    """The deadline in UTC, read exactly as `autograder collect` reads it."""
    from ..collect.deadline import parse_deadline
    from ..collect.settings import Collect, deadline_zone

    text = text or Collect(config=course.config).deadline
    if not text:
        raise CourseError("which deadline? pass --deadline (the one given to `autograder collect`) "
                          f"or set c.Collect.deadline in {course.root / 'nbgrader_config.py'}")
    try:
        return parse_deadline(text, deadline_zone(course.config).tz)
    except ValueError as exc:
        raise CourseError(str(exc)) from None


def run(args) -> int:
    from ..gradebook import open_gradebook
    from ..nbgrader_commands import set_due_date

    course = load_course(args)
    due = deadline_utc(args.deadline, course)
    set_due_date(course.root, course.assignment, due.strftime("%Y-%m-%d %H:%M:%S UTC"))
    with open_gradebook(course) as gb:
        recorded = gb.find_assignment(course.assignment).duedate
    print(f"due date of {course.assignment}: {recorded:%Y-%m-%d %H:%M:%S} UTC (in the gradebook; "
          f"`nbgrader autograde` and `autograder grade` now compute lateness from it)")
    return 0
