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
    BAD_ID = "bad_id"                      # the roster's student id is not a safe folder name
    TOKEN_REFUSED = "token_refused"        # GitHub refused the instructor's GITHUB_TOKEN
    COLLECTOR_ERROR = "collector_error"    # a fault of the collector (disk, a bug), not of the student

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
    warnings: list[str] = field(default_factory=list)  # taken, but look (e.g. identical to the release)
    ignored: list[str] = field(default_factory=list)   # commits seen and not taken ("<sha> <time> late")
    late_copy: str = ""             # where late work that was not graded was kept (keep_late)
    extra: dict[str, str] = field(default_factory=dict)  # the roster's other columns

    @property
    def has_submission(self) -> bool:
        return self.status.ok or self.kept_previous

    def as_row(self) -> dict[str, str]:
        row = asdict(self)
        row["status"] = str(self.status)
        row["others"] = "; ".join(self.others)
        row["warnings"] = "; ".join(self.warnings)
        row["ignored"] = "; ".join(self.ignored)
        extra = row.pop("extra")
        row["late"] = "yes" if self.late else ""
        row["unchanged"] = "yes" if self.unchanged else ""
        row["kept_previous"] = "yes" if self.kept_previous else ""
        return {**row, **{k: v for k, v in extra.items() if k not in row}}

    @classmethod
    def from_row(cls, row: dict[str, str], columns: list[str]) -> "CollectionResult":
        """The inverse of `as_row` (a report CSV row back to a result; unknown columns are `extra`)."""
        get = lambda k: (row.get(k) or "")  # noqa: E731
        split = lambda k: [p for p in get(k).split("; ") if p]  # noqa: E731
        yes = lambda k: get(k).strip().lower() in ("yes", "true", "1")  # noqa: E731
        try:
            status = Status(get("status").strip())
        except ValueError:
            status = Status.FETCH_FAILED
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        return cls(student_id=get("student_id"), link=get("link"), status=status, reason=get("reason"),
                   student=get("student"), commit=get("commit"), commit_time=get("commit_time"),
                   path=get("path"), late=yes("late"), source=get("source"),
                   submitted_path=get("submitted_path"), unchanged=yes("unchanged"),
                   kept_previous=yes("kept_previous"), others=split("others"), warnings=split("warnings"),
                   ignored=split("ignored"), late_copy=get("late_copy"),
                   extra={k: row.get(k) or "" for k in columns if k not in known})
