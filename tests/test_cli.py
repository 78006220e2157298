"""The command line: consistent options, errors that say what to do with a non-zero exit, and
commands that work when called by their path without an activated virtualenv."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import build_parser, main

BIN = Path(sys.executable).parent
BARE_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}     # no venv on PATH


def test_version_and_common_options(capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("autograder 0.")
    args = build_parser().parse_args(["-q", "feedback", "hw2", "--course", "/c", "--student", "s0*", "--student", "t1"])
    assert (args.quiet, args.assignment, args.course, args.student) == (True, "hw2", Path("/c"), ["s0*", "t1"])
    for command in ("feedback", "report", "release", "duedate"):
        options = build_parser().parse_args([command])
        assert options.course is None and options.assignment is None, command
        assert getattr(options, "student", []) == [], command


def test_outside_a_course_the_error_says_to_pass_the_course(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["report"]) == 1
    err = capsys.readouterr().err
    assert "no nbgrader course found" in err and "--course DIR" in err


@pytest.mark.slow
def test_unknown_assignment_missing_gradebook_and_nothing_graded_fail_with_what_to_do(generated_course, tmp_path, capsys):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course, ignore=shutil.ignore_patterns("gradebook.db"))
    assert main(["report", "day77", "--course", str(course)]) == 1
    assert "assignment 'day77' is not in" in capsys.readouterr().err
    assert main(["report", "--course", str(course)]) == 1
    assert "nbgrader generate_assignment" in capsys.readouterr().err
    assert not (course / "gradebook.db").exists(), "report must not create a gradebook"
    shutil.copy2(generated_course / "gradebook.db", course / "gradebook.db")
    assert main(["report", "--course", str(course)]) == 1
    assert "nothing to report" in capsys.readouterr().err
    assert main(["feedback", "--course", str(course)]) == 1
    assert "grade first" in capsys.readouterr().err


@pytest.mark.slow
def test_commands_work_by_path_without_an_activated_venv(generated_course, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(generated_course, course)
    proc = subprocess.run([str(BIN / "autograder"), "duedate", "--deadline", "2026-11-30T23:59:00+08:00"],
                          cwd=course, env=BARE_ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "due date of day76: 2026-11-30 15:59:00 UTC" in proc.stdout
    proc = subprocess.run([str(BIN / "autograder"), "-q", "report"], cwd=course, env=BARE_ENV,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "alembic" not in proc.stderr and "nothing to report" in proc.stderr
