"""`autograder grade <assignment>`: grade every collected submission, in parallel and sandboxed.

Scores come from nbgrader's own preprocessors (same numbers as `nbgrader autograde`); each
student kernel runs in bubblewrap; results are cached so a killed run resumes and an unchanged
submission is not executed again; `--scheduler` sends the jobs to a Dask cluster.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..course import ASSIGNMENT, COURSE_ROOT
from ..grading.coordinator import CACHE_DIR, REPORT, grade_assignment
from ..grading.course_files import CourseError
from ..grading.runners import DaskRunner, LocalRunner
from ..sandbox.bwrap import SandboxUnavailable, check_bwrap
from ..sandbox.limits import GiB, MiB, Limits


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "grade", help="grade all submissions of an assignment (parallel, sandboxed, incremental)",
        description=__doc__)
    p.add_argument("assignment", nargs="?", default=ASSIGNMENT)
    p.add_argument("--course", type=Path, default=COURSE_ROOT, help="nbgrader course root")
    p.add_argument("--workers", type=int, default=os.cpu_count(),
                   help="local worker processes (default: number of cores)")
    p.add_argument("--scheduler", metavar="URL",
                   help="Dask scheduler address, e.g. tcp://host:8786 (instead of local workers)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code without bubblewrap (trusted submissions only)")
    p.add_argument("--force", action="store_true", help="re-execute even unchanged submissions")
    p.add_argument("--student", action="append", metavar="ID", help="only this student (repeatable)")
    p.add_argument("--memory-gib", type=float, default=Limits.memory_bytes / GiB,
                   help="address-space limit per kernel (default %(default)s GiB)")
    p.add_argument("--max-tasks", type=int, default=Limits.tasks,
                   help="processes+threads per kernel (default %(default)s)")
    p.add_argument("--max-output-mib", type=int, default=Limits.output_bytes // MiB,
                   help="output one cell may print before it is cut off (default %(default)s MiB)")
    p.add_argument("--job-timeout", type=int, default=Limits.job_seconds,
                   help="wall-time limit per submission in seconds (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    if not args.no_sandbox:
        try:
            check_bwrap()
        except SandboxUnavailable as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    limits = Limits(memory_bytes=int(args.memory_gib * GiB), tasks=args.max_tasks,
                    output_bytes=args.max_output_mib * MiB, job_seconds=args.job_timeout)
    runner = DaskRunner(args.scheduler) if args.scheduler else LocalRunner(args.workers)
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{runner.workers} local workers"
    print(f"grading {args.assignment} in {args.course} on {where}; "
          f"{'NO SANDBOX' if args.no_sandbox else 'sandbox: ' + limits.describe()}", file=sys.stderr)
    try:
        summary = grade_assignment(args.course, args.assignment, runner=runner, students=args.student,
                                   sandbox=not args.no_sandbox, force=args.force, limits=limits,
                                   progress=not args.quiet)
    except CourseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failed = 0
    for student, result in sorted(summary.results.items()):
        score, total = summary.scores.get(student, (float("nan"), float("nan")))
        note = "; ".join(result.reasons)
        failed += not result.ok
        print(f"{student:24s} {score:6.1f} / {total:<6.1f} {'(cached) ' if student in summary.reused else ''}{note}")
    print(f"{len(summary.executed)} executed, {len(summary.reused)} unchanged (cached), "
          f"{failed} not gradable; {summary.seconds:.1f} s. "
          f"Report: {Path(args.course) / CACHE_DIR / REPORT}", file=sys.stderr)
    return 0
