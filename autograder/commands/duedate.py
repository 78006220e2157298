"""`autograder duedate --deadline ISO`: the collection deadline as nbgrader's due date.

nbgrader computes lateness (and `LateSubmissionPlugin` penalties) from each submission's
`timestamp.txt` and the assignment's due date in the gradebook; without a due date nothing is
ever late. This records the same deadline `autograder collect --deadline` used, with nbgrader's
own `nbgrader db assignment add ASSIGNMENT --duedate=...`, normalised to UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..course import CourseError
from .common import add_course_arguments, load_course


def register(subparsers) -> None:
    p = subparsers.add_parser("duedate", help="set the assignment's due date in the gradebook (late penalties)",
                              description=__doc__)
    add_course_arguments(p, students=False)
    p.add_argument("--deadline", required=True, metavar="ISO",
                   help="e.g. 2026-11-30T23:59:00+08:00 (no zone = UTC); use the one given to `autograder collect`")
    p.set_defaults(func=run)


def parse_utc(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise CourseError(f"cannot read the deadline {text!r}: use ISO 8601, e.g. 2026-11-30T23:59:00+08:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def run(args) -> int:
    from ..gradebook import open_gradebook
    from ..nbgrader_commands import set_due_date

    course = load_course(args)
    due = parse_utc(args.deadline)
    set_due_date(course.root, course.assignment, due.strftime("%Y-%m-%d %H:%M:%S UTC"))
    with open_gradebook(course) as gb:
        recorded = gb.find_assignment(course.assignment).duedate
    print(f"due date of {course.assignment}: {recorded:%Y-%m-%d %H:%M:%S} UTC (in the gradebook; "
          f"`nbgrader autograde` and `autograder grade` now compute lateness from it)")
    return 0
