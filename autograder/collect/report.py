"""The collection report: a CSV for the record (written and read back here) and a table for the terminal.

`read_report(path)` is the one reader of the CSV: other modules take `CollectionResult`s from it
rather than parsing the file themselves. `write_report(..., merge=True)` merges a run over part of
the class (`--student`) into the class's report instead of replacing it.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Iterable, TextIO

from .results import CollectionResult, Status

COLUMNS = ["student_id", "status", "late", "commit", "commit_time", "path", "reason", "link",
           "student", "source", "submitted_path", "unchanged", "kept_previous", "others", "warnings",
           "ignored", "late_copy"]


class ReportError(ValueError):
    """The file is not a collection report, or cannot be read."""


def read_report(csv_path: Path | str) -> list[CollectionResult]:
    """The results a report holds, in its order (extra roster columns in `extra`)."""
    path = Path(csv_path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns = list(reader.fieldnames or [])
            if not {"student_id", "status"} <= set(columns):
                raise ReportError(f"{path} is not a collection report (no student_id and status columns)")
            return [CollectionResult.from_row(row, columns) for row in reader]
    except OSError as exc:
        raise ReportError(f"cannot read the collection report {path}: {exc.strerror or exc}") from None


def merge_results(earlier: list[CollectionResult], now: list[CollectionResult]) -> list[CollectionResult]:
    """The class's report after a run over some students: their rows replaced, everyone else kept."""
    ids = {r.student_id.strip() for r in now}
    fresh = {r.student_id.strip(): [] for r in now}
    for r in now:
        fresh[r.student_id.strip()].append(r)
    merged: list[CollectionResult] = []
    for r in earlier:
        sid = r.student_id.strip()
        if sid not in ids:
            merged.append(r)
        elif fresh.get(sid):
            merged.extend(fresh.pop(sid))     # in the place the student had
    for rows in fresh.values():
        merged.extend(rows)                   # students new to the report come last
    return merged


def write_report(results: Iterable[CollectionResult], csv_path: Path | str, merge: bool = False) -> Path:
    """One row per roster row; the roster's extra columns (name, email, ...) come last.

    `merge`: keep the rows of students this run did not collect (a `--student` run).
    """
    results = list(results)
    if merge and Path(csv_path).is_file():
        results = merge_results(read_report(csv_path), results)
    rows = [r.as_row() for r in results]
    extra = []
    for r in results:
        for k in r.extra:
            if k not in COLUMNS and k not in extra:
                extra.append(k)
    path = Path(csv_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS + extra, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in COLUMNS + extra})
    tmp.replace(path)      # a reader never sees half a report
    return path


def summary(results: Iterable[CollectionResult]) -> str:
    counts = Counter(str(r.status) for r in results)
    order = [s.value for s in Status]
    return ", ".join(f"{counts[s]} {s}" for s in order if counts[s])


_STYLE = {Status.COLLECTED: "green", Status.LATE: "yellow"}


def print_report(results: Iterable[CollectionResult], file: TextIO | None = None, width: int | None = None,
                 caption: str | None = None) -> None:
    """A rich table: student, status, commit, path, and the reason (+ warnings)."""
    from rich.console import Console
    from rich.table import Table

    results = list(results)
    console = Console(file=file, width=width, highlight=False)
    table = Table(title=f"Collection report ({summary(results)})", show_lines=False, caption=caption)
    for name in ("student", "status", "commit", "commit time (UTC)", "path", "reason"):
        table.add_column(name, overflow="fold")
    for r in results:
        status = str(r.status) + (" (kept earlier)" if r.kept_previous else "") + (" (unchanged)" if r.unchanged else "")
        style = _STYLE.get(r.status, "red")
        table.add_row(r.student_id, f"[{style}]{status}[/{style}]", r.commit[:10],
                      r.commit_time[:16].replace("T", " "), r.path,
                      r.reason + "".join(f"\n[yellow]warning: {w}[/yellow]" for w in r.warnings))
    console.print(table)
