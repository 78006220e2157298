"""Options every course command shares, so they read the same everywhere:

    autograder <command> [ASSIGNMENT] [--course DIR] [--student GLOB ...]

ASSIGNMENT defaults to `c.Course.assignment`; `--course` to the course found from the current
directory; `--student` is an fnmatch glob and may be repeated.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..course import Course


def add_course_arguments(parser: argparse.ArgumentParser, students: bool = True) -> None:
    parser.add_argument("assignment", nargs="?", help="assignment (default: c.Course.assignment of the course)")
    parser.add_argument("--course", type=Path, metavar="DIR",
                        help="the nbgrader course folder (default: the course in or above the current directory)")
    if students:
        parser.add_argument("--student", action="append", metavar="GLOB", default=[],
                            help="only students matching this glob (repeatable; default: everyone)")


def add_collection_report_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collection-report", type=Path, default=None, metavar="CSV",
                        help="CSV written by `autograder collect` (default: "
                             "<course>/collected/<assignment>/report.csv when it exists)")


def collection_report(args: argparse.Namespace, course: Course) -> Path | None:
    """--collection-report, else the course's own report when `autograder collect` wrote one."""
    from ..outcome import default_collection_report

    return args.collection_report or default_collection_report(course)


def load_course(args: argparse.Namespace, gradebook: bool = True) -> Course:
    """The course the command works on; raises CourseError (with what to do) when it cannot."""
    course = Course.load(args.course, args.assignment)
    if gradebook:
        course.require_gradebook()
    return course
