"""Hand-off to nbgrader: links in, `nbgrader autograde` grades what was collected, lateness included.

A tiny course of its own (one two-point test), so this stays fast and does not depend on the
real Day 76 homework.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.collect import RosterRow, Status, collect_class
from gitserver import git_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow

NB = "Day76-Optimizer_HW.ipynb"
DEADLINE = "2026-11-28 00:00:00 UTC"


def _meta(grade_id, solution, grade, points=None):
    meta = {"grade": grade, "solution": solution, "locked": not solution, "grade_id": grade_id,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny homework\nWrite `add`."),
        nbformat.v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
                                  metadata=_meta("add", True, False)),
        nbformat.v4.new_code_cell("assert add(1, 2) == 3", metadata=_meta("test_add", False, True, 2)),
    ]
    return nb


def nbgrader(course: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {}), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "JUPYTER_PLATFORM_DIRS": "1"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def student_version(course: Path, answer: str) -> str:
    nb = nbformat.read(course / "release" / "day76" / NB, as_version=4)
    for cell in nb.cells:
        if "raise NotImplementedError()" in cell.source:
            cell.source = cell.source.replace("raise NotImplementedError()", answer)
    return nbformat.writes(nb)


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("tiny-course")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'tiny'\n"
        "c.CourseDirectory.root = %r\n"
        "c.ExecutePreprocessor.timeout = 120\n" % str(course), encoding="utf-8")
    (course / "source" / "day76").mkdir(parents=True)
    nbformat.write(source_notebook(), course / "source" / "day76" / NB)
    nbgrader(course, "db", "assignment", "add", "day76", f"--duedate={DEADLINE}")
    nbgrader(course, "generate_assignment", "day76", "--force")
    return course


def test_collected_links_are_graded_by_nbgrader_autograde(tiny_course, git_server):
    course = tiny_course
    good = student_version(course, "return a + b")
    wrong = student_version(course, "return a - b")
    git_server.repo("h-alice", "hw").write(NB, good).commit(date="2026-11-25T10:00:00+00:00")
    git_server.repo("h-bob", "ML100Days").write(f"homework/{NB}", wrong).commit(date="2026-11-26T10:00:00+00:00")
    git_server.repo("h-carol", "hw").write("作業76.ipynb", good).commit(date="2026-11-29T10:00:00+00:00")
    (course / "downloaded" / "day76" / "archive").mkdir(parents=True)
    git_server.repo("h-zara", "hw").write(NB, good).commit(date="2026-11-27T10:00:00+00:00")

    rows = [RosterRow("alice", "https://github.com/h-alice/hw"),
            RosterRow("bob", f"https://github.com/h-bob/ML100Days/blob/main/homework/{NB}"),
            RosterRow("carol", "https://github.com/h-carol/hw/blob/main/%E4%BD%9C%E6%A5%AD76.ipynb"),
            RosterRow("dan", "https://github.com/h-dan/never-created")]
    results = collect_class(rows, course, "day76", NB, deadline="2026-11-28T00:00:00Z",
                            release=course / "release" / "day76" / NB,
                            git_config=git_server.git_config(), token="")
    assert [r.status for r in results] == [Status.COLLECTED, Status.COLLECTED, Status.LATE, Status.REPO_MISSING]

    # the nbgrader-native route: zip_collect with our extractor and collector plugins
    (course / "downloaded" / "day76" / "archive" / "links.csv").write_text(
        "student_id,link\nzara,https://github.com/h-zara/hw\n", encoding="utf-8")
    # git settings (here: insteadOf to the local server) reach the plugin through the environment
    nbgrader(course, "zip_collect", "day76", "--force",
             "--extractor=autograder.collect.nbgrader_plugin.GitHubLinkExtractor",
             "--collector=autograder.collect.nbgrader_plugin.GitHubLinkCollector",
             env=git_server.env())
    assert (course / "submitted" / "zara" / "day76" / NB).is_file()
    assert "collected" in (course / "downloaded" / "day76" / "collection_report.csv").read_text()

    nbgrader(course, "autograde", "day76", "--force")

    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grades = {s: gb.find_submission("day76", s) for s in ("alice", "bob", "carol", "zara")}
        scores = {s: sub.score for s, sub in grades.items()}
        late = {s: sub.total_seconds_late for s, sub in grades.items()}
    assert scores == {"alice": 2.0, "bob": 0.0, "carol": 2.0, "zara": 2.0}
    assert late["alice"] == 0 and late["bob"] == 0 and late["zara"] == 0
    assert late["carol"] == pytest.approx(34 * 3600)     # committed 2026-11-29 10:00, due 11-28 00:00
    assert not (course / "submitted" / "dan").exists()
