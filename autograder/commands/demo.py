"""`autograder demo`: build the assignment and grade the bundled example submissions."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="grade the bundled example submissions in a scratch course and print a grade table")
    p.add_argument("--out", type=Path, default=Path("demo-out"), help="where the scratch course goes (default: demo-out/)")
    p.set_defaults(func=_demo)


def _demo(args) -> int:
    from ..demo import run_demo

    return run_demo(args.out)
