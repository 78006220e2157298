"""Collect homework from the GitHub links students paste, into nbgrader's `submitted/` folders.

    from autograder.collect import collect_class, write_report, print_report
    results = collect_class("links.csv", "homework", deadline="2026-11-30T23:59:00+08:00")
    write_report(results, "homework/collected/day76/report.csv"); print_report(results)

Modules: links (pasted link -> clone target), fetch (git, safely and bounded), select (which
notebook in a tree), deadline (which commit; nbgrader timestamps), notebook (validation), store
(submitted/ folders and re-run state), roster (the CSV), report (CSV and table), collector (the
pipeline), nbgrader_plugin (the same as an `nbgrader zip_collect` step).
"""

from .collector import collect_class, collect_one
from .links import BadLink, Target, parse_link
from .report import print_report, summary, write_report
from .results import CollectionResult, Status
from .roster import RosterError, RosterRow, parse_roster, read_roster

__all__ = ["collect_class", "collect_one", "BadLink", "Target", "parse_link", "print_report",
           "summary", "write_report", "CollectionResult", "Status", "RosterError", "RosterRow",
           "parse_roster", "read_roster"]
