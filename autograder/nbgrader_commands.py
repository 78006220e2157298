"""Run nbgrader's own commands (`generate_assignment`, `autograde`, `generate_feedback`, `export`,
`db assignment add`) on a course folder, as the instructor would type them, and make scratch
copies of a course for them to run in.

Each command runs as a child process with the course folder as its working directory (this
process never `chdir`s) and the environment from `autograder.environment.tool_environment`
(nbgrader shells out to `alembic` by name).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from .environment import BIN_DIR, tool_environment

log = logging.getLogger(__name__)

# what a course needs to be a course; everything else (submissions, gradebook) is produced
COURSE_FILES = ("nbgrader_config.py", "source", "release")


class NbgraderError(RuntimeError):
    """An nbgrader command exited with a non-zero status; the message ends with its output."""

    def __init__(self, args, returncode, output):
        super().__init__(f"nbgrader {' '.join(args)} exited with {returncode}:\n{output[-4000:]}")
        self.returncode, self.output = returncode, output


def run(args: list[str], course_root: Path, check: bool = True, timeout: float | None = None) -> str:
    """`nbgrader <args>` in `course_root`; returns its combined output."""
    log.debug("nbgrader %s (in %s)", " ".join(args), course_root)
    proc = subprocess.run([str(BIN_DIR / "nbgrader"), *args], cwd=course_root, env=tool_environment(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise NbgraderError(args, proc.returncode, proc.stdout)
    return proc.stdout


def set_due_date(course_root: Path, assignment: str, due: str) -> str:
    """Record `due` (ISO 8601, e.g. 2026-11-30T23:59:00+08:00) as the assignment's due date in the
    gradebook, so `autograde` computes lateness from each `timestamp.txt` (nbgrader's own command)."""
    return run(["db", "assignment", "add", assignment, f"--duedate={due}"], course_root)


def copy_course(dest: Path, course_root: Path) -> Path:
    """A fresh course folder at `dest` with the config, source and release, and nothing produced."""
    dest, course_root = Path(dest), Path(course_root)
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        src = course_root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest
