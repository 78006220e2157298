"""`autograder collect ROSTER.csv`: fetch every student's notebook from the link they pasted."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import course


def _size(text: str) -> int:
    units = {"k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30}
    t = text.strip().lower().rstrip("ib").rstrip("b")
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    return int(t)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "collect", help="collect homework notebooks from students' GitHub links",
        description="Fetch each student's notebook from the GitHub link in a roster CSV "
                    "(student_id,link[,...]) into nbgrader's submitted/<student>/<assignment>/, "
                    "and write a collection report. Private repositories: set GITHUB_TOKEN.")
    p.add_argument("roster", type=Path, help="CSV with columns student_id and link (other columns are kept)")
    p.add_argument("--course-root", type=Path, default=course.COURSE_ROOT,
                   help="the nbgrader course folder (default: %(default)s)")
    p.add_argument("--assignment", default=course.ASSIGNMENT, help="assignment id (default: %(default)s)")
    p.add_argument("--notebook", default=course.NOTEBOOK, help="the notebook name to file submissions under "
                   "and to look for in repositories (default: %(default)s)")
    p.add_argument("--deadline", help="grade the last commit at or before this time, e.g. "
                   "2026-11-30T23:59:00+08:00 (no zone = UTC); later work is collected as late only "
                   "when nothing was committed in time")
    p.add_argument("--jobs", "-j", type=int, default=4, help="repositories fetched at once (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=120, help="seconds per student (default: %(default)s)")
    p.add_argument("--max-size", type=_size, default="20M", help="largest notebook accepted (default: 20M)")
    p.add_argument("--max-repo-size", type=_size, default="200M",
                   help="largest repository history fetched, file contents excluded (default: 200M)")
    p.add_argument("--report", type=Path, help="CSV report path "
                   "(default: <course-root>/collected/<assignment>/report.csv)")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 when any student has no usable submission")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from autograder.collect import RosterError, collect_class, print_report, summary, write_report

    try:
        results = collect_class(args.roster, args.course_root, assignment=args.assignment,
                                notebook_name=args.notebook, deadline=args.deadline, jobs=args.jobs,
                                timeout=args.timeout, max_bytes=args.max_size,
                                max_repo_bytes=args.max_repo_size)
    except (RosterError, ValueError) as exc:
        print(f"autograder collect: {exc}", file=sys.stderr)
        return 2
    report = args.report or Path(args.course_root) / "collected" / args.assignment / "report.csv"
    write_report(results, report)
    print_report(results)
    print(f"{summary(results)}; report: {report}")
    missing = [r for r in results if not r.has_submission]
    return 1 if args.strict and missing else 0
