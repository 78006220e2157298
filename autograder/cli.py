"""Command line: `autograder <command>`.

Thin on purpose: each command lives in its own module, which exposes `register(subparsers)` and
does its work through library functions that tests call directly. Library code never calls
`sys.exit` or `os.chdir`; only `main` turns results into an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# One entry per command module; each defines `register(subparsers)`.
COMMAND_MODULES = [
    "autograder.commands.release",   # release, strip: keep homework/release current, notebooks clean
    "autograder.commands.collect",   # collect: homework from students' GitHub links
    "autograder.commands.grade",     # grade: parallel, sandboxed, incremental autograding
    "autograder.commands.feedback",  # feedback: HTML without hidden tests + Markdown summaries
    "autograder.commands.report",    # report: grades CSV + class report (HTML + PNGs)
    "autograder.commands.student_edition",  # student-edition: the repository students clone (no answers)
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="The Day 76 optimizers course's instructor tool.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="<command>")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
