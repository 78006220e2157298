"""`autograder grade [ASSIGNMENT]`: grade every collected submission, in parallel and sandboxed.

Each student's notebook runs in nbgrader's own Autograde with its kernel in bubblewrap; the kernel
only exports what the test cells read, and a separate clean process decides every test cell
(the same test code, on rebuilt variables); nbgrader's preprocessors turn those outputs into the
same scores `nbgrader autograde` gives honest notebooks. Results are cached, so a stopped run
resumes and an unchanged submission is not executed again; `--scheduler` sends the jobs to Dask.
Settings come from `c.Grade.*` in the course's nbgrader_config.py; options here override them.
Exit status: 0 when every submission was graded, 1 when some could not be graded (the grader
failed: no score was written for them), 2 for bad input.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from ..course import Course, CourseError
from ..grading.coordinator import grade_assignment
from ..grading.runners import DaskRunner, LocalRunner
from ..grading.settings import GradeSettings, secrets_from_environment
from ..sandbox.bwrap import SandboxUnavailable, check_bwrap
from ..sandbox.cgroups import cgroup_status

log = logging.getLogger("autograder.grade")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "grade", help="grade all submissions of an assignment (parallel, sandboxed, verified, incremental)",
        description=__doc__)
    p.add_argument("assignment", nargs="?", help="assignment to grade (default: c.Course.assignment)")
    p.add_argument("--course", type=Path, help="nbgrader course folder (default: the course in the current directory)")
    p.add_argument("--workers", type=int, help="local worker processes (default: c.Grade.workers, else one per core)")
    p.add_argument("--scheduler", metavar="URL",
                   help="Dask scheduler address, e.g. tcp://host:8786 (instead of local workers)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code without bubblewrap (trusted submissions only)")
    p.add_argument("--kernel-tests", action="store_true",
                   help="run test cells in the student's kernel as plain nbgrader does (no clean verifier)")
    p.add_argument("--force", action="store_true", help="re-execute even unchanged submissions")
    p.add_argument("--student", action="append", metavar="GLOB", help="only these students (fnmatch glob, repeatable)")
    p.add_argument("--memory-gib", type=float, help="memory limit per submission (default: c.Grade.memory_gib)")
    p.add_argument("--max-tasks", type=int, help="processes+threads per submission (default: c.Grade.max_tasks)")
    p.add_argument("--max-output-mib", type=int, help="output one cell may print (default: c.Grade.max_output_mib)")
    p.add_argument("--job-timeout", type=int, help="wall-time limit per submission, seconds (default: c.Grade.job_timeout)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def settings_from(course: Course, args) -> GradeSettings:
    settings = GradeSettings(config=course.config)
    for option in ("workers", "memory_gib", "max_tasks", "max_output_mib", "job_timeout"):
        value = getattr(args, option, None)
        if value is not None:
            setattr(settings, option, value)
    if getattr(args, "kernel_tests", False):
        settings.verify = False
    return settings


def _stop_on_sigterm() -> None:
    """SIGTERM stops the run like Ctrl-C: workers, nbgrader and kernels are ended, the cache kept."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def run(args) -> int:
    try:
        course = Course.load(args.course, args.assignment)
    except CourseError as err:
        print(f"autograder grade: {err}", file=sys.stderr)
        return 2
    settings = settings_from(course, args)
    if not args.no_sandbox:
        try:
            check_bwrap()
        except SandboxUnavailable as err:
            print(f"autograder grade: {err}", file=sys.stderr)
            return 2
        log.info("%s", cgroup_status())
    secret_env = secrets_from_environment(settings)
    for name in settings.secret_env:
        if name not in secret_env:
            log.warning("%s is not set: the verifier runs without it (see the README: the secret test set)", name)
    limits = settings.limits()
    runner = DaskRunner(args.scheduler) if args.scheduler else LocalRunner(settings.workers or os.cpu_count())
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{runner.workers} local workers"
    log.info("grading %s in %s on %s; %s; %s", course.assignment, course.root, where,
             "NO SANDBOX" if args.no_sandbox else "sandbox: " + limits.describe(),
             "test cells decided in a clean process" if settings.verify else "test cells run in the student's kernel")
    _stop_on_sigterm()
    try:
        summary = grade_assignment(course.root, course.assignment, runner=runner, students=args.student,
                                   sandbox=not args.no_sandbox, force=args.force, limits=limits,
                                   verify=settings.verify, secret_env=secret_env,
                                   progress=not args.no_progress and sys.stderr.isatty())
    except CourseError as err:
        print(f"autograder grade: {err}", file=sys.stderr)
        return 2
    for student, result in sorted(summary.results.items()):
        score, total = summary.scores.get(student, (float("nan"), float("nan")))
        if result.grader_error:
            print(f"{student:24s} GRADER ERROR (no score written): {result.grader_error}")
            continue
        note = "; ".join(result.reasons)
        print(f"{student:24s} {score:6.1f} / {total:<6.1f} {'(cached) ' if student in summary.reused else ''}{note}")
    errors = summary.grader_errors
    log.info("%d executed, %d unchanged (cached), %d grader errors; %.1f s", len(summary.executed),
             len(summary.reused), len(errors), summary.seconds)
    if errors:
        print(f"autograder grade: {len(errors)} submission(s) could not be graded because the grader failed "
              f"({', '.join(sorted(errors))}); fix the cause and run the command again", file=sys.stderr)
        return 1
    return 0
