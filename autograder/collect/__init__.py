"""Collect homework from the GitHub links students paste, into nbgrader's `submitted/` folders.

    from autograder.collect import collect_class, write_report, read_report, print_report
    results = collect_class("links.csv", course.root, course.assignment, course.notebook,
                            deadline="2026-11-30 23:59", zone=ZoneInfo("Asia/Taipei"),
                            release=course.release_notebook())
    write_report(results, report_csv); print_report(results)
    read_report(report_csv)  # -> [CollectionResult]: the one reader of the report CSV

Modules: links (pasted link -> clone target), fetch (git, safely and bounded), select (which
notebook in a tree), deadline (which commit; nbgrader timestamps), notebook (validation, file
kinds, grade ids), store (submitted/ folders and re-run state), roster (the CSV, its columns and
encodings), report (CSV and table, read back and merged), settings (`c.Collect.*` options and the
deadline's time zone), collector (the pipeline), nbgrader_plugin (the same as an
`nbgrader zip_collect` step).
"""

from .collector import collect_class, collect_one, select_students
from .links import BadLink, Target, parse_link
from .report import ReportError, merge_results, print_report, read_report, summary, write_report
from .results import CollectionResult, Status
from .roster import RosterError, RosterRow, parse_roster, read_roster
from .settings import Collect, CollectSettings, deadline_zone, parse_size

__all__ = ["collect_class", "collect_one", "select_students", "BadLink", "Target", "parse_link",
           "ReportError", "merge_results", "print_report", "read_report", "summary", "write_report",
           "CollectionResult", "Status", "RosterError", "RosterRow", "parse_roster", "read_roster",
           "Collect", "CollectSettings", "deadline_zone", "parse_size"]
