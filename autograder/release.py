"""Generate the student version (`release/`) from the instructor version (`source/`).

Generation runs nbgrader's own `generate_assignment` in a scratch copy of the course, so the
course's gradebook is not touched, and the result is compared or copied back byte for byte.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from .course import Course
from .nbgrader_commands import copy_course, run as run_nbgrader

log = logging.getLogger(__name__)


def generate_release(course: Course, scratch: Path) -> Path:
    """Run generate_assignment in a scratch copy at `scratch`; returns its release folder of the assignment."""
    copy_course(scratch, course.root)
    shutil.rmtree(scratch / "release" / course.assignment, ignore_errors=True)
    log.info("nbgrader generate_assignment %s (in a scratch copy of %s)", course.assignment, course.root)
    run_nbgrader(["generate_assignment", course.assignment, "--force"], scratch)
    return scratch / "release" / course.assignment


def stale_files(course: Course) -> list[str]:
    """Files of the committed release that differ from a fresh generation (empty = current)."""
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as scratch:
        fresh = generate_release(course, Path(scratch))
        committed = course.root / "release" / course.assignment
        names = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()}
        names |= {p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file()}
        return sorted(n for n in names
                      if not (fresh / n).is_file() or not (committed / n).is_file()
                      or (fresh / n).read_bytes() != (committed / n).read_bytes())


def update_release(course: Course) -> Path:
    """Replace the committed release with a fresh generation."""
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as scratch:
        fresh = generate_release(course, Path(scratch))
        target = course.root / "release" / course.assignment
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(fresh, target)
    return target
