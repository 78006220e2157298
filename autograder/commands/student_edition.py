"""`autograder student-edition DIR`: the repository students get (lessons + released homework, no answers)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..course import Course, CourseError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "student-edition", help="write the student edition (lessons, released homework, README, make lab) to DIR",
        description="Write a self-contained repository for students: the lessons and the released homework, "
                    "a README with the student path, the pinned requirements, a Makefile with `make lab` and "
                    "the configuration Validate needs. It holds no solution, hidden test, model answer or "
                    "example submission (checked line by line before the command succeeds). What goes in is "
                    "set by c.StudentEdition.* in the course's nbgrader_config.py.")
    p.add_argument("target", type=Path, metavar="DIR", help="a new or empty folder (then `git init` it and push)")
    p.add_argument("--course", type=Path, default=None,
                   help="the nbgrader course folder (default: found from the current directory)")
    p.add_argument("--assignment", default=None, help="assignment to release (default: c.Course.assignment)")
    p.add_argument("--force", action="store_true", help="replace an earlier student edition in DIR")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..student_edition import write_student_edition

    try:
        course = Course.load(args.course, args.assignment)
        target = write_student_edition(course, args.target, force=args.force)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote the student edition of {course.assignment} to {target}")
    print(f"next: cd {target} && git init && git add -A && git commit -m 'Student edition' "
          "&& push it to the repository your students clone")
    return 0
