"""`autograder report`: grades as CSV and the class report (HTML + PNGs)."""

from __future__ import annotations

from pathlib import Path

from ..course import CourseError
from .common import add_collection_report_argument, add_course_arguments, collection_report, load_course


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="grades CSV (nbgrader export, students, per question) and a class report page",
                              description=__doc__)
    add_course_arguments(p)
    add_collection_report_argument(p)
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default: <course>/reports/<assignment>/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..outcome import read_outcomes
    from ..reports.class_report import build_report

    course = load_course(args)
    collection = collection_report(args, course)
    if not read_outcomes(course, collection, args.student):
        raise CourseError(f"nothing to report for {course.assignment!r}: no submission is in the gradebook "
                          f"and no collection report was found; collect and grade first "
                          f"(`autograder collect ...`, then `autograder grade {course.assignment}`)")
    page = build_report(course, args.out, collection, students=args.student)
    out = page.parent
    print(f"class report: {page}")
    print(f"grades: {out / 'grades.csv'} (nbgrader export), {out / 'students.csv'}, "
          f"{out / 'per_question.csv'} (student x graded cell), {out / 'questions.csv'}")
    return 0
