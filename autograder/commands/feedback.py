"""`autograder feedback`: feedback HTML without hidden tests, and a Markdown summary per student."""

from __future__ import annotations

from pathlib import Path

from .common import add_collection_report_argument, add_course_arguments, collection_report, load_course


def register(subparsers) -> None:
    p = subparsers.add_parser("feedback", help="per-student feedback: nbgrader's HTML without hidden-test code, "
                                               "plus a Markdown summary to paste into a GitHub issue",
                              description=__doc__)
    add_course_arguments(p)
    add_collection_report_argument(p)
    p.add_argument("--summaries", type=Path, default=None, metavar="DIR",
                   help="folder for the Markdown summaries (default: <course>/summaries/<assignment>/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..feedback.html import generate_feedback
    from ..feedback.markdown import write_summaries

    course = load_course(args)
    collection = collection_report(args, course)
    pages = generate_feedback(course, args.student)
    summaries = write_summaries(course, args.summaries, collection, args.student)
    print(f"feedback HTML for {len(pages)} student(s) in {course.root / 'feedback'} (hidden tests removed)")
    folder = next(iter(summaries.values())).parent if summaries else "-"
    print(f"Markdown summaries for {len(summaries)} student(s) in {folder}")
    return 0
