"""`autograder collect ROSTER.csv [ASSIGNMENT]`: fetch every student's notebook from the link they pasted.

The course (its folder, assignment, notebook, release and `c.Collect.*` defaults) comes from the
course's own nbgrader_config.py (autograder.course); flags override the defaults.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("autograder.collect")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "collect", help="collect homework notebooks from students' GitHub links",
        description="Fetch each student's notebook from the GitHub link in a roster CSV (a Google Forms "
                    "or LMS export works: the id and link columns are found by their headers or content) "
                    "into nbgrader's submitted/<student>/<assignment>/, and write a collection report. "
                    "Defaults come from c.Collect.* in the course's nbgrader_config.py. "
                    "Private repositories: set GITHUB_TOKEN.")
    p.add_argument("roster", type=Path, help="CSV with a student id column and a link column "
                   "(other columns are kept in the report)")
    p.add_argument("assignment", nargs="?", help="assignment id (default: c.Course.assignment)")
    p.add_argument("--course", type=Path, metavar="DIR",
                   help="the nbgrader course folder (default: the course of the current directory)")
    p.add_argument("--notebook", help="the notebook name to file submissions under and to look for "
                   "in repositories (default: the assignment's notebook)")
    p.add_argument("--student", action="append", metavar="GLOB",
                   help="collect only students whose id matches (fnmatch glob, repeatable); their rows "
                        "are merged into the class's report")
    p.add_argument("--id-column", metavar="NAME|N", help="the roster column with student ids (header or number)")
    p.add_argument("--link-column", metavar="NAME|N", help="the roster column with links (header or number)")
    p.add_argument("--deadline", help="grade the last commit at or before this time, e.g. 2026-11-30T23:59:00+08:00; "
                   "without a zone it is read in the course's zone (c.Collect.timezone, else nbgrader's "
                   "c.Exchange.timezone); default: c.Collect.deadline")
    p.add_argument("--timezone", help="zone for a deadline written without one (e.g. Asia/Taipei)")
    p.add_argument("--keep-late", action="store_true", default=None,
                   help="keep late work that was not graded (on-time work exists) in "
                        "collected/<assignment>/late/<student>/")
    p.add_argument("--jobs", "-j", type=int, help="repositories fetched at once (default: c.Collect.jobs, 4)")
    p.add_argument("--timeout", type=float, help="seconds per student (default: c.Collect.timeout, 120)")
    p.add_argument("--max-size", help="largest notebook accepted (default: c.Collect.max_size, 20M)")
    p.add_argument("--max-repo-size", help="largest repository history fetched, file contents excluded "
                   "(default: c.Collect.max_repo_size, 200M)")
    p.add_argument("--report", type=Path, help="CSV report path "
                   "(default: <course>/collected/<assignment>/report.csv)")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 when any student has no usable submission")
    p.set_defaults(func=run)


def _ensure_logging() -> None:
    """Show our INFO lines when nobody configured logging (the CLI's -v/--quiet does, when present)."""
    if not logging.getLogger().handlers and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def _zone_note(text: str, zone, deadline) -> str:
    from autograder.collect.deadline import has_zone

    utc = f"{deadline:%Y-%m-%d %H:%M} UTC"
    if has_zone(text):
        return f"deadline {text} ({utc})"
    return (f"deadline {text} has no time zone: read in {zone.name} (from {zone.source}), i.e. {utc}; "
            "write it with an offset (e.g. +08:00) or set c.Collect.timezone to change this")


def run(args: argparse.Namespace) -> int:
    from autograder.collect import (CollectSettings, ReportError, RosterError, Status, collect_class,
                                    deadline_zone, parse_size, print_report, read_roster, summary,
                                    write_report)
    from autograder.collect.deadline import parse_deadline
    from autograder.course import Course, CourseError

    _ensure_logging()
    try:
        course = Course.load(args.course, args.assignment)
        notebook = args.notebook or course.notebook
        if not notebook:
            raise CourseError(f"which notebook do students submit? set c.Course.notebook in "
                              f"{course.root / 'nbgrader_config.py'} or pass --notebook NAME")
        settings = CollectSettings(config=course.config)
        pick = lambda flag, option: flag if flag is not None else getattr(settings, option)  # noqa: E731
        deadline_text = pick(args.deadline, "deadline") or None
        zone = deadline_zone(course.config, args.timezone)
        deadline = parse_deadline(deadline_text, zone.tz)
        rows = read_roster(args.roster, args.id_column, args.link_column)
        options = dict(jobs=pick(args.jobs, "jobs"), timeout=pick(args.timeout, "timeout"),
                       max_bytes=parse_size(pick(args.max_size, "max_size")),
                       max_repo_bytes=parse_size(pick(args.max_repo_size, "max_repo_size")),
                       keep_late=bool(pick(args.keep_late, "keep_late")))
        if options["jobs"] < 1 or options["timeout"] <= 0:
            raise ValueError("--jobs must be at least 1 and --timeout positive")
        note = _zone_note(deadline_text, zone, deadline) if deadline else "no deadline: the newest work is taken"
        log.info("collecting %s (%s) for %d roster rows into %s; %s", course.assignment, notebook,
                 len(rows), course.root / "submitted", note)
        results = collect_class(rows, course.root, course.assignment, notebook, deadline=deadline, zone=zone.tz,
                                release=course.release_notebook(), students=args.student, **options)
    except (CourseError, RosterError, ValueError) as exc:
        log.error("autograder collect: %s", exc)
        return 2
    report = args.report or course.root / "collected" / course.assignment / "report.csv"
    try:
        write_report(results, report, merge=bool(args.student))
    except ReportError as exc:
        log.error("autograder collect: %s (the submissions were collected; move the file away and run again)", exc)
        return 2
    print_report(results, caption=note)
    log.info("%s; report: %s", summary(results), report)
    own_fault = [r for r in results if r.status in (Status.COLLECTOR_ERROR, Status.TOKEN_REFUSED)]
    if own_fault:
        log.error("%d student(s) could not be collected because of this machine or its token "
                  "(statuses collector_error, token_refused): fix that and run again", len(own_fault))
        return 1
    missing = [r for r in results if not r.has_submission]
    return 1 if args.strict and missing else 0
