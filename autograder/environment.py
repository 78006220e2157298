"""The environment every subprocess of the grader runs in: the one place that builds it.

nbgrader shells out to `alembic` by name and starts kernels with the `python3` on PATH, so the
directory of the interpreter running the grader goes first on PATH, whether or not a virtualenv
was activated (`.venv/bin/autograder ...` must work as well as `autograder ...`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BIN_DIR = Path(sys.executable).parent

# set when missing: no Jupyter state from the user's home leaks in, and TF's C++ logs stay quiet
DEFAULTS = {"JUPYTER_PLATFORM_DIRS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}


def with_bin_on_path(path: str | None) -> str:
    parts = [p for p in (path or "").split(os.pathsep) if p]
    if str(BIN_DIR) in parts:
        parts.remove(str(BIN_DIR))
    return os.pathsep.join([str(BIN_DIR), *parts])


def tool_environment(base: dict[str, str] | None = None, **overrides: str) -> dict[str, str]:
    """A copy of `base` (default: os.environ) with our bin directory first on PATH."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = with_bin_on_path(env.get("PATH"))
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
    env.update(overrides)
    return env
