"""`autograder release` and `autograder strip`."""

from __future__ import annotations

from pathlib import Path

from .. import course, notebooks, release


def register(subparsers) -> None:
    p = subparsers.add_parser("release", help="regenerate homework/release/ from homework/source/ (nbgrader generate_assignment)")
    p.add_argument("--course", type=Path, default=course.COURSE_ROOT, help="nbgrader course root (default: homework/)")
    p.add_argument("--check", action="store_true", help="only report whether the committed release is current")
    p.set_defaults(func=_release)
    s = subparsers.add_parser("strip", help="remove outputs and execution counts from notebooks")
    s.add_argument("paths", nargs="*", type=Path)
    s.set_defaults(func=_strip)


def _release(args) -> int:
    if args.check:
        stale = release.stale_files(args.course)
        for name in stale:
            print(f"stale: release/{course.ASSIGNMENT}/{name}")
        print("release is current" if not stale else "run `make release` to regenerate it")
        return 1 if stale else 0
    target = release.update_release(args.course)
    print(f"wrote {target}")
    return 0


def _strip(args) -> int:
    for path in args.paths:
        if notebooks.strip_file(path):
            print(f"stripped {path}")
    return 0
