"""`autograder report day76`: grades as CSV and the class report (HTML + PNGs)."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import course


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="grades CSV (nbgrader export + per-question table) and a class report page")
    p.add_argument("assignment", nargs="?", default=course.ASSIGNMENT, help=f"assignment (default: {course.ASSIGNMENT})")
    p.add_argument("--course", type=Path, default=course.COURSE_ROOT, help="nbgrader course root (default: homework/)")
    p.add_argument("--collection-report", type=Path, default=None,
                   help="CSV written by `autograder collect` (late submissions, collection failures)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: <course>/reports/<assignment>/)")
    p.set_defaults(func=_report)


def _report(args) -> int:
    from ..nbgrader_cli import NbgraderError
    from ..reports.class_report import build_report
    from ..reports.collection import CollectionReportError

    try:
        page = build_report(args.course, args.out, args.assignment, args.collection_report)
    except (NbgraderError, CollectionReportError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    print(f"class report: {page}")
    print(f"grades: {page.parent / 'grades.csv'} (nbgrader export), {page.parent / 'per_question.csv'} "
          f"(student x graded cell), {page.parent / 'questions.csv'}, {page.parent / 'students.csv'}")
    return 0
