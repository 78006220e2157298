"""The collection report: a CSV for the record and a table for the terminal."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Iterable, TextIO

from .results import CollectionResult, Status

COLUMNS = ["student_id", "status", "late", "commit", "commit_time", "path", "reason", "link",
           "student", "source", "submitted_path", "unchanged", "kept_previous", "others"]


def write_report(results: Iterable[CollectionResult], csv_path: Path | str) -> Path:
    """One row per roster row; the roster's extra columns (name, email, ...) come last."""
    results = list(results)
    rows = [r.as_row() for r in results]
    extra = []
    for r in results:
        for k in r.extra:
            if k not in COLUMNS and k not in extra:
                extra.append(k)
    path = Path(csv_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS + extra, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in COLUMNS + extra})
    return path


def summary(results: Iterable[CollectionResult]) -> str:
    counts = Counter(str(r.status) for r in results)
    order = [s.value for s in Status]
    return ", ".join(f"{counts[s]} {s}" for s in order if counts[s])


_STYLE = {Status.COLLECTED: "green", Status.LATE: "yellow"}


def print_report(results: Iterable[CollectionResult], file: TextIO | None = None, width: int | None = None) -> None:
    """A rich table: student, status, commit, path, and the reason."""
    from rich.console import Console
    from rich.table import Table

    results = list(results)
    console = Console(file=file, width=width, highlight=False)
    table = Table(title=f"Collection report ({summary(results)})", show_lines=False)
    for name in ("student", "status", "commit", "commit time (UTC)", "path", "reason"):
        table.add_column(name, overflow="fold")
    for r in results:
        status = str(r.status) + (" (kept earlier)" if r.kept_previous else "") + (" (unchanged)" if r.unchanged else "")
        style = _STYLE.get(r.status, "red")
        table.add_row(r.student_id, f"[{style}]{status}[/{style}]", r.commit[:10],
                      r.commit_time[:16].replace("T", " "), r.path, r.reason)
    console.print(table)
