"""Read an nbgrader course the way nbgrader does, and turn its submissions into grading jobs.

The config is loaded with traitlets' loader from the course's own `nbgrader_config.py` (the file
plain `nbgrader autograde` reads), so both graders see the same CourseDirectory, timeouts and
patterns; the config text itself travels with each job and nbgrader loads it again in the worker.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import warnings
from pathlib import Path

import nbgrader
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from ..sandbox.limits import Limits
from .jobs import GradingJob

GRADER_VERSION = "3"          # bump when the worker's behaviour changes: invalidates caches
MAX_SUBMISSION_BYTES = 50 * 1024 ** 2


class CourseError(ValueError):
    """The course is not ready to grade (no gradebook, unknown assignment, ...)."""


def load_config(course_root: Path) -> Config:
    path = course_root / "nbgrader_config.py"
    if not path.exists():
        return Config()
    return PyFileConfigLoader(path.name, path=str(course_root)).load_config()


def course_directory(course_root: Path, config: Config | None = None) -> CourseDirectory:
    config = config if config is not None else load_config(course_root)
    coursedir = CourseDirectory(config=config)
    if "root" not in config.get("CourseDirectory", {}):
        coursedir.root = str(course_root.resolve())
    return coursedir


def submitted_students(coursedir: CourseDirectory, assignment: str) -> list[str]:
    base = Path(coursedir.root) / coursedir.submitted_directory
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pat) for pat in patterns)


def read_tree(folder: Path, ignore: list[str], *, skip_notebooks: bool = False) -> dict[str, bytes]:
    """Relative path -> bytes of every file below `folder` that nbgrader would not ignore."""
    files: dict[str, bytes] = {}
    total = 0
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _ignored(d, ignore))
        for name in sorted(names):
            if _ignored(name, ignore) or (skip_notebooks and name.endswith(".ipynb")):
                continue
            path = Path(root) / name
            if path.is_symlink():
                continue               # a student's symlink must not pull in instructor files
            data = path.read_bytes()
            total += len(data)
            if total > MAX_SUBMISSION_BYTES:
                raise CourseError(f"{folder} holds more than {MAX_SUBMISSION_BYTES >> 20} MiB")
            files[str(path.relative_to(folder))] = data
    return files


def assignment_definition(coursedir: CourseDirectory, assignment: str) -> bytes:
    """The course gradebook with every student removed: only the assignment definition
    (cells, hidden tests, points) that nbgrader's OverwriteCells and SaveAutoGrades need."""
    db_url = coursedir.db_url
    if not db_url.startswith("sqlite:///"):
        raise CourseError(f"only sqlite gradebooks are supported (got {db_url})")
    db_path = Path(db_url[len("sqlite:///"):])
    if not db_path.exists():
        raise CourseError(f"no gradebook at {db_path}: run `nbgrader generate_assignment {assignment}` "
                          f"in {coursedir.root} first")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "gradebook.db"
        src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        dst = sqlite3.connect(copy)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        with Gradebook(f"sqlite:///{copy}") as gb, warnings.catch_warnings():
            warnings.simplefilter("ignore")       # nbgrader's own SQLAlchemy SAWarnings
            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                raise CourseError(f"assignment {assignment!r} is not in the gradebook: run "
                                  f"`nbgrader generate_assignment {assignment}` first") from None
            for student in list(gb.students):
                gb.remove_student(student.id)
        con = sqlite3.connect(copy)
        con.execute("VACUUM")
        con.close()
        return copy.read_bytes()


def _definition_digest(gradebook: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".db") as f:
        f.write(gradebook)
        f.flush()
        con = sqlite3.connect(f.name)
        dump = "\n".join(con.iterdump())
        con.close()
    return hashlib.sha256(dump.encode()).hexdigest()


def job_key(student: str, assignment: str, submission: dict[str, bytes], definition_digest: str,
            source_files: dict[str, bytes], config: str, extra: str) -> str:
    h = hashlib.sha256()
    for part in (GRADER_VERSION, nbgrader.__version__, student, assignment, definition_digest,
                 config, extra):
        h.update(part.encode() + b"\0")
    for label, files in (("submission", submission), ("source", source_files)):
        h.update(label.encode() + b"\0")
        for name in sorted(files):
            h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def make_jobs(course_root: Path, assignment: str, *, students: list[str] | None = None,
              sandbox: bool = True, limits: Limits | None = None, verify: bool = True,
              secret_env: dict[str, str] | None = None,
              extra_config: str = "") -> tuple[list[GradingJob], CourseDirectory]:
    """One job per submitted student (`students`: fnmatch globs on student ids)."""
    course_root = Path(course_root).resolve()
    config = load_config(course_root)
    coursedir = course_directory(course_root, config)
    config_text = (course_root / "nbgrader_config.py").read_text() \
        if (course_root / "nbgrader_config.py").exists() else ""
    available = submitted_students(coursedir, assignment)
    if not available:
        raise CourseError(f"nothing to grade: {Path(coursedir.root) / coursedir.submitted_directory} holds no "
                          f"submission of {assignment} (collect them first: `autograder collect ROSTER.csv`, "
                          f"or put each notebook in submitted/<student>/{assignment}/)")
    if students:
        missing = sorted(g for g in students if not any(fnmatch.fnmatchcase(s, g) for s in available))
        if missing:
            raise CourseError(f"no submission of {assignment} matches: {', '.join(missing)}")
        available = [s for s in available if any(fnmatch.fnmatchcase(s, g) for g in students)]
    definition = assignment_definition(coursedir, assignment)
    digest = _definition_digest(definition)
    source_dir = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
    source_files = read_tree(source_dir, list(coursedir.ignore), skip_notebooks=True) \
        if source_dir.is_dir() else {}
    limits = limits or Limits()
    secret_env = dict(secret_env or {})
    secrets = hashlib.sha256(json.dumps(sorted(secret_env.items())).encode()).hexdigest()
    extra = extra_config + f"\n# sandbox={sandbox} verify={verify} secrets={secrets} limits={limits.to_json()}"
    jobs = []
    for student in available:
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        rejected = ""
        try:
            submission = read_tree(folder, list(coursedir.ignore))
        except CourseError as err:              # one student's junk never stops the class
            submission, rejected = {}, f"submission rejected: {err}"
        jobs.append(GradingJob(
            rejected=rejected,
            student=student, assignment=assignment,
            key=job_key(student, assignment, submission, digest, source_files, config_text, extra),
            submission=submission, source_files=source_files, gradebook=definition,
            config=config_text, sandbox=sandbox, limits=limits, extra_config=extra_config,
            verify=verify, secret_env=secret_env))
    return jobs, coursedir
