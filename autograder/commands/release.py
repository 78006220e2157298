"""`autograder release` (regenerate release/ from source/) and `autograder strip` (notebooks without outputs)."""

from __future__ import annotations

from pathlib import Path

from .. import notebooks, release
from .common import add_course_arguments, load_course


def register(subparsers) -> None:
    p = subparsers.add_parser("release", help="regenerate release/ from source/ (nbgrader generate_assignment, "
                                              "in a scratch copy: the gradebook is not touched)")
    add_course_arguments(p, students=False)
    p.add_argument("--check", action="store_true", help="only report whether the committed release is current")
    p.set_defaults(func=_release)
    s = subparsers.add_parser("strip", help="remove outputs and execution counts from notebooks")
    s.add_argument("paths", nargs="*", type=Path)
    s.set_defaults(func=_strip)


def _release(args) -> int:
    course = load_course(args, gradebook=False)
    if args.check:
        stale = release.stale_files(course)
        for name in stale:
            print(f"stale: release/{course.assignment}/{name}")
        print("release is current" if not stale else "run `make release` (or `autograder release`) to regenerate it")
        return 1 if stale else 0
    print(f"wrote {release.update_release(course)}")
    return 0


def _strip(args) -> int:
    for path in args.paths:
        if notebooks.strip_file(path):
            print(f"stripped {path}")
    return 0
