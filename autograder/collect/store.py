"""Where collected work goes: nbgrader's `submitted/<student>/<assignment>/`, plus our memory of it.

A submission is written atomically (temp file, then rename) as `<notebook>` and `timestamp.txt`.
`collected/<assignment>/state.json` remembers, per student, the link, commit and file taken, so a
re-run skips what has not changed and never replaces a good submission with nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path


_SAFE = re.compile(r"[\w.@+-]+", re.UNICODE)


class BadStudentId(ValueError):
    pass


def check_student_id(raw: str) -> str:
    """The roster's id, used as is for the folder and nbgrader's student id, or BadStudentId.

    An id is refused, never rewritten: a renamed id (`../../etc` -> `_.._etc`) would no longer
    match the roster or the gradebook. Surrounding spaces are dropped.
    """
    text = (raw or "").strip()
    if not text:
        raise BadStudentId("the student id is empty")
    if "/" in text or "\\" in text:
        why = "contains a path separator ('/' or '\\')"
    elif text.startswith("."):
        why = "starts with '.' (a hidden or parent folder)"
    elif len(text) > 100:
        why = "is longer than 100 characters"
    elif not _SAFE.fullmatch(text):
        bad = sorted({c for c in text if not _SAFE.fullmatch(c)})
        why = "contains " + ", ".join(repr(c) for c in bad[:5])
    else:
        return text
    raise BadStudentId(f"student id {text!r} is not a safe folder name: it {why}; "
                       "use letters, digits and . _ - @ + only")


def submission_dir(course_root: Path, student: str, assignment: str) -> Path:
    check_student_id(student)
    base = (Path(course_root) / "submitted").resolve()
    target = (base / student / assignment).resolve()
    if base not in target.parents:
        raise BadStudentId(f"student id {student!r} would leave the submitted/ folder")
    return target


def state_path(course_root: Path, assignment: str) -> Path:
    return Path(course_root) / "collected" / assignment / "state.json"


def load_state(course_root: Path, assignment: str) -> dict[str, dict]:
    path = state_path(course_root, assignment)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}  # a damaged state only costs a full re-fetch; submissions stay where they are


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_state(course_root: Path, assignment: str, state: dict[str, dict]) -> None:
    _atomic_write(state_path(course_root, assignment),
                  json.dumps(state, indent=1, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def notebook_bytes(nb) -> bytes:
    import nbformat   # imported when needed: its validator takes seconds to import

    return (nbformat.writes(nb) + "\n").encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_submission(course_root: Path, student: str, assignment: str, notebook_name: str,
                     nb, timestamp: str) -> tuple[Path, str]:
    """Write the notebook (as nbformat writes it) and timestamp.txt; return path and content hash."""
    folder = submission_dir(course_root, student, assignment)
    data = notebook_bytes(nb)
    target = folder / notebook_name
    _atomic_write(target, data)
    _atomic_write(folder / "timestamp.txt", (timestamp + "\n").encode("utf-8"))
    return target, digest(data)


def submission_intact(course_root: Path, student: str, assignment: str, notebook_name: str,
                      sha256: str | None) -> bool:
    """Is the notebook we wrote last time still there, unchanged?"""
    try:
        target = submission_dir(course_root, student, assignment) / notebook_name
        return sha256 is not None and target.is_file() and digest(target.read_bytes()) == sha256
    except (OSError, BadStudentId):
        return False
