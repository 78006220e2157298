"""Shared fixtures. Expensive things (a generated course, a trained model) are built once per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# nbgrader calls `alembic` by name and kernels must be this environment's python
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory):
    """A scratch copy of homework/ after `nbgrader generate_assignment day76` (gradebook included)."""
    from autograder import nbgrader_cli
    from course_support import COURSE

    root = nbgrader_cli.copy_course(tmp_path_factory.mktemp("course"), COURSE.root)
    nbgrader_cli.run(["generate_assignment", COURSE.assignment, "--force"], root)
    return root
