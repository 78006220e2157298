"""Run the real `nbgrader` command on a course folder, and make scratch copies of the course.

nbgrader shells out to `alembic` by name and starts kernels with the `python3` on PATH, so the
environment's bin directory goes first on PATH. Runs never `chdir` this process: the course root
is the child's working directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


BIN_DIR = Path(sys.executable).parent
# what a course needs to be a course; everything else (submissions, gradebook) is produced
COURSE_FILES = ("nbgrader_config.py", "source", "release")


class NbgraderError(RuntimeError):
    def __init__(self, args, returncode, output):
        super().__init__(f"nbgrader {' '.join(args)} exited with {returncode}:\n{output[-4000:]}")
        self.returncode, self.output = returncode, output


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    return env


def run(args: list[str], course_root: Path, check: bool = True, timeout: float | None = None) -> str:
    """`nbgrader <args>` in `course_root`; returns its combined output."""
    proc = subprocess.run([str(BIN_DIR / "nbgrader"), *args], cwd=course_root, env=environment(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise NbgraderError(args, proc.returncode, proc.stdout)
    return proc.stdout


def copy_course(dest: Path, course_root: Path) -> Path:
    """A fresh course folder at `dest` with the config, source and release, and nothing produced."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        src = course_root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest
