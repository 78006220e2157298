"""Read the collection report CSV (`autograder collect` writes it) as data for summaries and reports.

Only the columns this project's collector writes are used (see autograder/collect/report.py):
student_id, status, late, commit, commit_time, path, reason, student (the folder under
submitted/). The file is optional everywhere: without it, lateness comes from nbgrader alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

OK_STATUSES = ("collected", "late")
REQUIRED = ("student_id", "status")


class CollectionReportError(ValueError):
    """The file is not a collection report (missing columns) or cannot be read."""


@dataclass(frozen=True)
class Collected:
    student_id: str          # as in the roster
    student: str             # the folder name under submitted/ (= nbgrader's student id)
    status: str              # collected, late, bad_link, repo_missing, file_not_found, ...
    late: bool
    commit: str
    commit_time: str
    path: str
    reason: str
    link: str = ""
    kept_previous: bool = False

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    @property
    def failed(self) -> bool:
        return not self.ok


def read_collection_report(path: Path | str | None) -> dict[str, Collected]:
    """{student folder name: Collected}; {} for None. Raises CollectionReportError on a wrong file."""
    if path is None:
        return {}
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise CollectionReportError(f"{path}: not a collection report, no column(s) {', '.join(missing)}")
            rows = list(reader)
    except OSError as exc:
        raise CollectionReportError(f"cannot read the collection report {path}: {exc}") from exc
    out: dict[str, Collected] = {}
    for row in rows:
        get = lambda k: (row.get(k) or "").strip()  # noqa: E731
        entry = Collected(student_id=get("student_id"), student=get("student") or get("student_id"),
                          status=get("status"), late=get("late").lower() in ("yes", "true", "1"),
                          commit=get("commit"), commit_time=get("commit_time"), path=get("path"),
                          reason=get("reason"), link=get("link"),
                          kept_previous=get("kept_previous").lower() in ("yes", "true", "1"))
        previous = out.get(entry.student)
        # a duplicate or failed roster row never hides the row that was collected
        if previous is None or (entry.ok and previous.failed) or (previous.failed and entry.status != "duplicate"):
            out[entry.student] = entry
    return out
