"""Command line: `autograder [-v|-q] <command> ...`.

Thin on purpose: each command lives in its own module, which exposes `register(subparsers)` and
does its work through library functions that tests call directly. Library code never calls
`sys.exit` or `os.chdir`; only `main` turns results and errors into an exit status. Progress and
diagnostics go to the `autograder` logger (stderr); result tables go to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import logging
import os
import sys

from .environment import with_bin_on_path

# One entry per command module; each defines `register(subparsers)`.
COMMAND_MODULES = [
    "autograder.commands.release",   # release, strip: keep release/ current, notebooks clean
    "autograder.commands.collect",   # collect: homework from students' GitHub links
    "autograder.commands.duedate",   # duedate: the collection deadline as nbgrader's due date
    "autograder.commands.grade",     # grade: parallel, sandboxed, incremental autograding
    "autograder.commands.feedback",  # feedback: HTML without hidden tests + Markdown summaries
    "autograder.commands.report",    # report: grades CSV + class report (HTML + PNGs)
    "autograder.commands.student_edition",  # student-edition: the repository students clone (no answers)
]

log = logging.getLogger("autograder")


def version() -> str:
    """The installed distribution's version (the one that provides this package)."""
    names = importlib.metadata.packages_distributions().get(__package__, [])
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown (not installed: run `make setup`)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="An nbgrader course's instructor tool: collect, grade, feedback, reports.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("-v", "--verbose", action="store_true", help="also print debugging detail")
    loud.add_argument("-q", "--quiet", action="store_true", help="print only warnings, errors and results")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="<command>")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


class _Format(logging.Formatter):
    def format(self, record):
        text = super().format(record)
        return text if record.levelno < logging.WARNING else f"{record.levelname.lower()}: {text}"


_handler: logging.Handler | None = None


def configure_logging(verbose: bool = False, quiet: bool = False) -> None:
    """Progress (INFO) to stderr by default; -v adds DEBUG, -q keeps WARNING and above."""
    global _handler
    if _handler is not None:
        log.removeHandler(_handler)
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(_Format("%(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


def _known_errors() -> tuple[type[BaseException], ...]:
    """Errors that are the user's to fix: reported in one line with a non-zero exit, no traceback."""
    from .course import CourseError
    from .feedback.html import FeedbackLeakError, NothingGradedError
    from .nbgrader_commands import NbgraderError
    from .collect.report import ReportError
    from .reports.sections import SectionsError

    return (CourseError, NothingGradedError, FeedbackLeakError, NbgraderError, ReportError,
            SectionsError)


def main(argv: list[str] | None = None) -> int:
    # `.venv/bin/autograder` without an activated venv: nbgrader still finds `alembic` and this python
    os.environ["PATH"] = with_bin_on_path(os.environ.get("PATH"))
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130
    except _known_errors() as exc:
        log.error("%s: %s", args.command, exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
