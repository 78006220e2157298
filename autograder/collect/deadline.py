"""Deadlines and timestamps: which commit counts, and the `timestamp.txt` nbgrader reads.

Times are git commit times (committer dates). They are what the student's git recorded, not the
time GitHub received the push (git cannot see that), so treat lateness as evidence, not proof.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo


def parse_deadline(text: str | datetime | None, zone: tzinfo | None = None) -> datetime | None:
    """ISO 8601 (`2026-11-30T23:59:00+08:00`, `2026-11-30 23:59Z`), returned in UTC.

    A deadline written without a zone is read in `zone` (the course's zone: see
    settings.deadline_zone), UTC when none is given; `has_zone` tells callers whether to say so.
    """
    if text is None or text == "":
        return None
    if isinstance(text, datetime):
        value = text
    else:
        try:
            value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
        except ValueError:
            raise ValueError(f"cannot read the deadline '{text}': use ISO 8601, e.g. 2026-11-30T23:59:00+08:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or timezone.utc)
    return value.astimezone(timezone.utc)


def has_zone(text: str | datetime | None) -> bool:
    """Does the deadline as written carry its own zone (Z, +08:00)?"""
    if isinstance(text, datetime):
        return text.tzinfo is not None
    if not text:
        return False
    try:
        return datetime.fromisoformat(text.strip().replace(" ", "T", 1)).tzinfo is not None
    except ValueError:
        return False


def git_before(deadline: datetime) -> str:
    """The deadline as git's --before wants it (inclusive: a commit at the deadline is on time)."""
    return deadline.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def nbgrader_timestamp(moment: datetime) -> str:
    """nbgrader's own format (`Exchange.timestamp_format`), which `nbgrader.utils.parse_utc` reads."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def is_late(moment: datetime, deadline: datetime | None) -> bool:
    return deadline is not None and moment > deadline
