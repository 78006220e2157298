"""The same collection as an `nbgrader zip_collect` step, for courses that run nbgrader only.

nbgrader's zip_collect has two plug-in points: an extractor (archive folder -> extracted folder)
and a collector (extracted file name -> student, file, timestamp). Here the "archive" is the class
roster: put `links.csv` in `downloaded/<assignment>/archive/` and run, from the course root,

    nbgrader zip_collect day76 --force \\
        --extractor=autograder.collect.nbgrader_plugin.GitHubLinkExtractor \\
        --collector=autograder.collect.nbgrader_plugin.GitHubLinkCollector

The extractor fetches every link (same code, same safety and report as `autograder collect`) into
`downloaded/<assignment>/extracted/submitted/<student>/<assignment>/`; the collector tells
zip_collect whose each notebook is and its commit time, and zip_collect copies them to
`submitted/` with `timestamp.txt`. The report lands in `downloaded/<assignment>/collection_report.csv`.

Differences from `autograder collect`: zip_collect clears and rewrites the extracted folder and
each collected student's submitted folder (hence `--force`), so it is not incremental; students
whose link fails are not in the extracted folder, so their earlier submissions stay untouched.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Optional

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin
from traitlets import Float, Int, Unicode

from autograder import course


class GitHubLinkExtractor(ExtractorPlugin):
    """Reads roster CSVs (student_id,link) from the archive folder and fetches every link."""

    roster_glob = Unicode("*.csv", help="Roster files to read in the archive folder.").tag(config=True)
    notebook_name = Unicode(course.NOTEBOOK, help="The assignment's notebook file name.").tag(config=True)
    deadline = Unicode("", help="ISO 8601 deadline; the last commit at or before it is taken.").tag(config=True)
    jobs = Int(4, help="Repositories fetched at once.").tag(config=True)
    timeout = Float(120.0, help="Seconds allowed per student.").tag(config=True)
    max_bytes = Int(20 * 2 ** 20, help="Largest notebook accepted, in bytes.").tag(config=True)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        from . import collect_class, read_roster, summary, write_report

        rosters = sorted(glob.glob(os.path.join(archive_path, self.roster_glob)))
        if not rosters:
            self.log.warning("No roster (%s) found in %s", self.roster_glob, archive_path)
            return
        rows = [row for path in rosters for row in read_roster(path)]
        assignment = self.parent.coursedir.assignment_id if self.parent is not None else course.ASSIGNMENT
        results = collect_class(rows, Path(extracted_path), assignment=assignment,
                                notebook_name=self.notebook_name, deadline=self.deadline or None,
                                jobs=self.jobs, timeout=self.timeout, max_bytes=self.max_bytes)
        report = write_report(results, Path(archive_path).parent / "collection_report.csv")
        for r in results:
            log = self.log.info if r.status.ok else self.log.warning
            log("%s: %s: %s", r.student_id, r.status, r.reason)
        self.log.info("Collected %s; report: %s", summary(results), report)


class GitHubLinkCollector(FileNameCollectorPlugin):
    """Maps `.../submitted/<student>/<assignment>/<notebook>` (the extractor's output) to
    nbgrader's student_id, file_id and timestamp (the commit time, from timestamp.txt)."""

    def collect(self, submitted_file: str) -> Optional[dict]:
        parts = Path(submitted_file).parts
        if not submitted_file.endswith(".ipynb") or "submitted" not in parts:
            return None
        i = len(parts) - 1 - parts[::-1].index("submitted")
        if len(parts) - i != 4:
            return None
        student, file_id = parts[i + 1], parts[i + 3]
        info = {"student_id": student, "file_id": file_id}
        stamp = Path(submitted_file).parent / "timestamp.txt"
        if stamp.is_file():
            info["timestamp"] = stamp.read_text(encoding="utf-8").strip()
        return info
