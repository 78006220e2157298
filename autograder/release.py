"""Generate the student version (`release/`) from the instructor version (`source/`).

Generation runs nbgrader's own `generate_assignment` in a scratch copy of the course, so the
course's gradebook is not touched, and the result is compared or copied back byte for byte.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from . import course, nbgrader_cli


def generate_release(course_root: Path = course.COURSE_ROOT, assignment: str = course.ASSIGNMENT,
                     scratch: Path | None = None) -> Path:
    """Run generate_assignment in a scratch copy; returns the scratch release folder of `assignment`."""
    scratch = Path(scratch or tempfile.mkdtemp(prefix="day76-release-"))
    nbgrader_cli.copy_course(scratch, course_root)
    shutil.rmtree(scratch / "release" / assignment, ignore_errors=True)
    nbgrader_cli.run(["generate_assignment", assignment, "--force"], scratch)
    return scratch / "release" / assignment


def stale_files(course_root: Path = course.COURSE_ROOT, assignment: str = course.ASSIGNMENT) -> list[str]:
    """Files of the committed release that differ from a fresh generation (empty = current)."""
    fresh = generate_release(course_root, assignment)
    committed = course_root / "release" / assignment
    names = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()}
    names |= {p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file()}
    stale = sorted(n for n in names
                   if not (fresh / n).is_file() or not (committed / n).is_file()
                   or (fresh / n).read_bytes() != (committed / n).read_bytes())
    shutil.rmtree(fresh.parent.parent, ignore_errors=True)
    return stale


def update_release(course_root: Path = course.COURSE_ROOT, assignment: str = course.ASSIGNMENT) -> Path:
    """Replace the committed release with a fresh generation."""
    fresh = generate_release(course_root, assignment)
    target = course_root / "release" / assignment
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(fresh, target)
    shutil.rmtree(fresh.parent.parent, ignore_errors=True)
    return target
