"""`autograder feedback day76`: feedback HTML without hidden tests, and a Markdown summary per student."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import course


def register(subparsers) -> None:
    p = subparsers.add_parser("feedback", help="per-student feedback: nbgrader's HTML without hidden-test code, "
                                               "plus a Markdown summary to paste into a GitHub issue")
    p.add_argument("assignment", nargs="?", default=course.ASSIGNMENT, help=f"assignment (default: {course.ASSIGNMENT})")
    p.add_argument("--course", type=Path, default=course.COURSE_ROOT, help="nbgrader course root (default: homework/)")
    p.add_argument("--collection-report", type=Path, default=None,
                   help="CSV written by `autograder collect` (commit graded, late, collection failures)")
    p.add_argument("--student", default=None, help="only this student (nbgrader's glob; default: everyone graded)")
    p.add_argument("--summaries", type=Path, default=None,
                   help="folder for the Markdown summaries (default: <course>/summaries/<assignment>/)")
    p.set_defaults(func=_feedback)


def _feedback(args) -> int:
    from ..feedback.html import FeedbackLeakError, NothingGradedError, generate_feedback
    from ..feedback.markdown import write_summaries
    from ..nbgrader_cli import NbgraderError
    from ..reports.collection import CollectionReportError

    try:
        pages = generate_feedback(args.course, args.assignment, student=args.student)
        summaries = write_summaries(args.course, args.summaries, args.assignment, args.collection_report, args.student)
    except (FeedbackLeakError, NothingGradedError, NbgraderError, CollectionReportError) as exc:
        print(f"feedback: {exc}", file=sys.stderr)
        return 1
    print(f"feedback HTML for {len(pages)} student(s) in {Path(args.course) / 'feedback'} (hidden tests removed)")
    folder = next(iter(summaries.values())).parent if summaries else "-"
    print(f"Markdown summaries for {len(summaries)} student(s) in {folder}")
    return 0
