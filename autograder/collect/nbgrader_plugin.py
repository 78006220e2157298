"""The same collection as an `nbgrader zip_collect` step, for courses that run nbgrader only.

Settings: `c.Collect.*` (deadline, jobs, timeout, sizes), as for `autograder collect`.

nbgrader's zip_collect has two plug-in points: an extractor (archive folder -> extracted folder)
and a collector (extracted file name -> student, file, timestamp). Here the "archive" is the class
roster: put `links.csv` in `downloaded/<assignment>/archive/` and run, from the course root,

    nbgrader zip_collect <assignment> --force \\
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
from traitlets import Unicode



class GitHubLinkExtractor(ExtractorPlugin):
    """Reads roster CSVs (student_id,link) from the archive folder and fetches every link."""

    roster_glob = Unicode("*.csv", help="Roster files to read in the archive folder.").tag(config=True)
    notebook_name = Unicode("", help="The assignment's notebook file name "
                                     "(default: the course's, c.Course.notebook).").tag(config=True)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        from autograder.course import Course

        from . import collect_class, read_roster, summary, write_report
        from .deadline import parse_deadline
        from .settings import Collect, deadline_zone, parse_size

        rosters = sorted(glob.glob(os.path.join(archive_path, self.roster_glob)))
        if not rosters:
            self.log.warning("No roster (%s) found in %s", self.roster_glob, archive_path)
            return
        rows = [row for path in rosters for row in read_roster(path)]
        coursedir = self.parent.coursedir
        course = Course.load(coursedir.root, coursedir.assignment_id)
        options = Collect(config=self.config)          # c.Collect.*, the same defaults as `autograder collect`
        zone = deadline_zone(self.config)
        deadline = parse_deadline(options.deadline or None, zone.tz)
        if deadline is not None:
            self.log.info("Deadline %s read as %s UTC (zone %s from %s)", options.deadline,
                          f"{deadline:%Y-%m-%d %H:%M}", zone.name, zone.source)
        results = collect_class(rows, Path(extracted_path), course.assignment,
                                self.notebook_name or course.notebook, deadline=deadline, zone=zone.tz,
                                jobs=options.jobs, timeout=options.timeout,
                                max_bytes=parse_size(options.max_size),
                                max_repo_bytes=parse_size(options.max_repo_size),
                                release=course.release_notebook())
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
