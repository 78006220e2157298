"""Write a grading result into the course: the autograded folder and the one real gradebook.

Only the coordinating process calls this, one result at a time, so the gradebook never sees
concurrent writers (and never travels over a shared filesystem). Scores come from nbgrader's own
SaveAutoGrades and AssignLatePenalties preprocessors run on the autograded notebook the worker
returned — the same code, on the same notebook, as inside `nbgrader autograde`.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
from traitlets.config import Config

from .jobs import GradingResult


def record_result(result: GradingResult, coursedir: CourseDirectory, config: Config) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # nbgrader's own SQLAlchemy SAWarnings, not ours
        _record(result, coursedir, config)


RECORD = "grading-record.json"


def write_record(result: GradingResult, coursedir: CourseDirectory) -> Path:
    """The per-student record beside the graded notebook: what feedback and reports read."""
    dest = Path(coursedir.format_path(coursedir.autograded_directory, result.student, result.assignment))
    dest.mkdir(parents=True, exist_ok=True)
    status = "grader_error" if result.grader_error else ("graded" if result.ok else "not_gradable")
    cells = {}
    for data in result.notebooks.values():
        nb = json.loads(data)
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution") and cell.get("cell_type") == "code":
                errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                cells[meta["grade_id"]] = {
                    "score": 0.0 if errors else float(meta.get("points", 0)), "max_score": float(meta.get("points", 0)),
                    "message": f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else ""}
    record = {"student": result.student, "assignment": result.assignment, "status": status,
              "reasons": list(result.reasons) + ([f"grader error: {result.grader_error}"] if result.grader_error else []),
              "cells": cells, "seconds": round(result.seconds, 2), "verified": result.verified,
              "key": result.key}
    path = dest / RECORD
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _record(result: GradingResult, coursedir: CourseDirectory, config: Config) -> None:
    student, assignment = result.student, result.assignment
    dest = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
    if result.grader_error:
        # the grader failed, not the student: keep whatever was graded before, write no score
        write_record(result, coursedir)
        return
    if dest.exists():
        shutil.rmtree(dest)               # never leave an earlier graded notebook beside new scores
    if result.ok:
        dest.mkdir(parents=True)
        for rel, data in result.files.items():
            path = (dest / rel).resolve()
            if dest.resolve() in path.parents:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)

    submitted = coursedir.format_path(coursedir.submitted_directory, student, assignment)
    timestamp = coursedir.get_existing_timestamp(submitted)
    db_url = coursedir.db_url
    with Gradebook(db_url, coursedir.course_id) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        notebook_ids = [nb.name for nb in gb.find_assignment(assignment).notebooks]

    returned = {Path(name).stem: data for name, data in result.notebooks.items()}
    for notebook_id in notebook_ids:
        if result.ok and notebook_id in returned:
            nb = nbformat.reads(returned[notebook_id].decode("utf-8"), as_version=nbformat.NO_CONVERT)
            resources = {"nbgrader": {"notebook": notebook_id, "assignment": assignment,
                                      "student": student, "db_url": db_url}}
            nb, resources = SaveAutoGrades(config=config).preprocess(nb, resources)
            AssignLatePenalties(config=config).preprocess(nb, resources)
        else:
            # nbgrader's rule for a notebook it could not grade: zero, no manual grading needed
            with Gradebook(db_url, coursedir.course_id) as gb:
                try:
                    submission = gb.find_submission_notebook(notebook_id, assignment, student)
                except MissingEntry:
                    continue
                for grade in submission.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
                gb.db.commit()
    write_record(result, coursedir)


def already_recorded(result: GradingResult, coursedir: CourseDirectory) -> bool:
    """True when the course holds exactly this result: its autograded notebooks on disk and a
    graded submission in the gradebook (so an unchanged regrade need not touch either)."""
    if not result.ok:
        return False
    dest = Path(coursedir.format_path(coursedir.autograded_directory, result.student, result.assignment))
    for name, data in result.notebooks.items():
        path = dest / name
        if not path.is_file() or path.read_bytes() != data:
            return False
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            submission = gb.find_submission(result.assignment, result.student)
        except MissingEntry:
            return False
        return all(grade.auto_score is not None or grade.manual_score is not None
                   for nb in submission.notebooks for grade in nb.grades)


def scores(coursedir: CourseDirectory, assignment: str) -> dict[str, tuple[float, float]]:
    """student -> (score, max score) from the gradebook, as nbgrader computes them."""
    out = {}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for sub in gb.find_assignment(assignment).submissions:
            out[sub.student_id] = (float(sub.score), float(sub.max_score))
    return out
