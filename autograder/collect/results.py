"""What collection says about each student: a status with a stable name, and the evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Status(str, Enum):
    COLLECTED = "collected"
    LATE = "late"
    BAD_LINK = "bad_link"
    REPO_MISSING = "repo_missing"          # missing or private
    FILE_NOT_FOUND = "file_not_found"
    AMBIGUOUS = "ambiguous"
    INVALID_NOTEBOOK = "invalid_notebook"
    TOO_LARGE = "too_large"
    TIMED_OUT = "timed_out"
    FETCH_FAILED = "fetch_failed"          # git failed for a reason none of the above explains
    DUPLICATE = "duplicate"                # another roster row for the same student replaced this one

    def __str__(self) -> str:
        return self.value

    @property
    def ok(self) -> bool:
        return self in (Status.COLLECTED, Status.LATE)


@dataclass
class CollectionResult:
    student_id: str                 # as given in the roster
    link: str
    status: Status
    reason: str                     # one line the student can act on
    student: str = ""               # the folder name under submitted/ (sanitised id)
    commit: str = ""                # the commit whose notebook was taken
    commit_time: str = ""           # ISO 8601 UTC
    path: str = ""                  # the file's path in the repository
    late: bool = False
    source: str = ""                # the clone URL
    submitted_path: str = ""        # where the notebook was written (or kept)
    unchanged: bool = False         # same commit and file as last time: nothing copied
    kept_previous: bool = False     # this run failed, the earlier good submission stays
    others: list[str] = field(default_factory=list)   # other notebooks seen
    extra: dict[str, str] = field(default_factory=dict)  # the roster's other columns

    @property
    def has_submission(self) -> bool:
        return self.status.ok or self.kept_previous

    def as_row(self) -> dict[str, str]:
        row = asdict(self)
        row["status"] = str(self.status)
        row["others"] = "; ".join(self.others)
        extra = row.pop("extra")
        row["late"] = "yes" if self.late else ""
        row["unchanged"] = "yes" if self.unchanged else ""
        row["kept_previous"] = "yes" if self.kept_previous else ""
        return {**row, **{k: v for k, v in extra.items() if k not in row}}
