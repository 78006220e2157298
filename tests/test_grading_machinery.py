"""The grading machinery on a tiny nbgrader course: same scores as plain `nbgrader autograde`,
resume after a kill, incremental regrades, a Dask LocalCluster, and the no-sandbox refusal."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course import Course
from autograder.gradebook import cell_scores
from autograder.grading.coordinator import grade_assignment
from autograder.grading.course_files import make_jobs
from autograder.grading.runners import DaskRunner, LocalRunner

import test_grading_support as tiny

pytestmark = pytest.mark.slow

VARIANTS = {
    "right": tiny.SOLUTION,
    "commutes": "def add(a, b):\n    return b + a\n",
    "ints_only": "def add(a, b):\n    return int(a + b)\n",          # hidden float test fails
    "wrong": "def add(a, b):\n    return a - b\n",
    "stub": "# YOUR CODE HERE\nraise NotImplementedError()",
    "syntax_error": "def add(a, b)\n    return a + b\n",
    "prints_stderr": "import sys\ndef add(a, b):\n    print('debug', file=sys.stderr)\n    return a + b\n",
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tiny.make_course(tmp_path_factory.mktemp("machinery") / "course")
    for student, answer in VARIANTS.items():
        tiny.submit(root, student, answer)
    return root


def _copy(root: Path, dest: Path) -> Path:
    shutil.copytree(root, dest)
    return dest


def test_same_scores_as_plain_nbgrader_autograde(course, tmp_path):
    plain = _copy(course, tmp_path / "plain")
    ours = _copy(course, tmp_path / "ours")
    proc = tiny.plain_nbgrader_autograde(plain)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = grade_assignment(ours, tiny.ASSIGNMENT, runner=LocalRunner(2), progress=False)
    expected = cell_scores(Course.load(plain, tiny.ASSIGNMENT))
    assert set(expected) == set(VARIANTS)
    assert cell_scores(Course.load(ours, tiny.ASSIGNMENT)) == expected
    assert expected["right"] == {"test_add": 2, "test_hidden": 3}
    assert expected["ints_only"] == {"test_add": 2, "test_hidden": 0}
    assert all(r.ok for r in summary.results.values())
    for student in VARIANTS:   # the same autograded notebook folder layout as nbgrader's
        assert (ours / "autograded" / student / tiny.ASSIGNMENT / tiny.NOTEBOOK).exists()


class KilledRunner:
    """A local runner whose coordinator is 'killed' after `after` results."""

    def __init__(self, after: int):
        self.after = after

    def run(self, jobs):
        for n, result in enumerate(LocalRunner(2).run(jobs), 1):
            yield result
            if n >= self.after:
                raise KeyboardInterrupt


def test_killed_run_resumes_and_unchanged_is_not_rerun(course, tmp_path):
    root = _copy(course, tmp_path / "resume")
    shutil.rmtree(root / "submitted" / "syntax_error")     # a smaller class keeps this test quick
    shutil.rmtree(root / "submitted" / "prints_stderr")
    shutil.rmtree(root / "submitted" / "ints_only")
    with pytest.raises(KeyboardInterrupt):
        grade_assignment(root, tiny.ASSIGNMENT, runner=KilledRunner(after=2), progress=False)
    second = grade_assignment(root, tiny.ASSIGNMENT, runner=LocalRunner(2), progress=False)
    assert len(second.reused) == 2 and len(second.executed) == 2
    assert set(second.reused).isdisjoint(second.executed)

    (root / "gradebook.db").rename(root / "gradebook.db.bak")     # the course lost its gradebook:
    shutil.copy(course / "gradebook.db", root / "gradebook.db")   # cached results re-record it
    third = grade_assignment(root, tiny.ASSIGNMENT, runner=LocalRunner(2), progress=False)
    assert third.executed == [] and len(third.reused) == 4
    assert third.scores == second.scores

    tiny.submit(root, "wrong", tiny.SOLUTION)             # a resubmission: only it runs again
    fourth = grade_assignment(root, tiny.ASSIGNMENT, runner=LocalRunner(2), progress=False)
    assert fourth.executed == ["wrong"] and fourth.scores["wrong"] == (5.0, 5.0)
    assert fourth.scores["stub"] == (0.0, 5.0)

    forced = grade_assignment(root, tiny.ASSIGNMENT, runner=LocalRunner(2), force=True,
                              students=["right", "stub"], progress=False)
    assert forced.scores == {"right": (5.0, 5.0), "stub": (0.0, 5.0)}
    assert sorted(forced.executed) == ["right", "stub"]


def test_dask_local_cluster_gives_the_same_grades(course, tmp_path):
    from distributed import Client, LocalCluster

    local = _copy(course, tmp_path / "local")
    dask = _copy(course, tmp_path / "dask")
    grade_assignment(local, tiny.ASSIGNMENT, runner=LocalRunner(2), progress=False)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        summary = grade_assignment(dask, tiny.ASSIGNMENT, runner=DaskRunner(client=client),
                                   progress=False)
        worker_pids = set(client.run(os.getpid).values())
    assert cell_scores(Course.load(dask, tiny.ASSIGNMENT)) == cell_scores(Course.load(local, tiny.ASSIGNMENT))
    used = {int(r.worker.rsplit(":", 1)[1]) for r in summary.results.values()}
    assert used <= worker_pids and used       # graded in the cluster's worker processes


def test_jobs_carry_data_not_course_paths(course):
    """Workers get bytes, never a path into the course (no shared filesystem, no shared SQLite)."""
    jobs, _ = make_jobs(course, tiny.ASSIGNMENT)
    for job in jobs:
        blob = pickle.dumps(job)
        assert str(course).encode() not in blob
        assert job.gradebook.startswith(b"SQLite format 3")


def test_cli_refuses_without_bwrap_and_grades_with_no_sandbox(course, tmp_path):
    root = _copy(course, tmp_path / "cli")
    env = tiny.nbgrader_env()
    env["PATH"] = str(Path(sys.executable).parent) + ":/nonexistent"   # no bwrap on PATH
    cmd = [sys.executable, "-m", "autograder", "grade", tiny.ASSIGNMENT, "--course", str(root),
           "--student", "right", "--workers", "1"]
    refused = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert refused.returncode == 2
    assert "apt-get install -y bubblewrap" in refused.stderr and "--no-sandbox" in refused.stderr
    assert not (root / "autograded").exists()
    env["PATH"] = str(Path(sys.executable).parent) + ":/usr/bin:/bin"
    graded = subprocess.run([*cmd, "--no-sandbox"], env=env, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stderr[-2000:]
    assert "right" in graded.stdout and "5.0 / 5.0" in graded.stdout
