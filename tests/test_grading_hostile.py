"""Hostile submissions graded in ONE class run beside honest ones, on a tiny nbgrader course.

For each hostile fixture: the run finishes, that student gets the score it deserves with a
reason, every honest student gets the same per-cell grades as when graded alone, and the course
(gradebook, source, other students' files) is intact. The kernel runs in the real bubblewrap
sandbox with real rlimits and, where the machine allows (root), in a cgroup of its own with a sized
tmpfs for /tmp: the resource fixtures (5 GiB in /dev/shm, 30,000 files in /tmp, three children of
1.5 GiB, six busy loops) are only graded there. The tiny course keeps it to about a minute on 2 cores.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import threading
import uuid
from pathlib import Path

import pytest

from autograder.course import Course
from autograder.gradebook import cell_scores
from autograder.grading.coordinator import grade_assignment
from autograder.grading.runners import LocalRunner
from autograder.sandbox import cgroups
from autograder.sandbox.limits import GiB, Limits

import test_grading_support as tiny

pytestmark = pytest.mark.slow

HONEST = {"honest_1": tiny.SOLUTION, "honest_2": "def add(a, b):\n    return b + a\n",
          "honest_wrong": "def add(a, b):\n    return a * b\n"}
# deserved total (of 5) and words one of which a recorded reason must contain (None: nothing cut off)
HOSTILE = {
    "infinite_loop": (0, "timed out"),
    "memory_bomb": (0, "memory"),
    # stopped by the task limit; its forked children may also stall the cell until the timeout,
    # or leave the kernel unable to start a thread
    "fork_bomb": (0, ("process", "timed out", "kernel died")),
    "gigabyte_output": (5, "output cut off"),   # printed after a right answer
    "network_call": (5, None),          # blocked; its answer is right
    "read_hidden_tests": (5, None),
    "write_outside": (5, None),
    "kill_kernel": (0, "kernel died"),
    "symlink_trap": (5, None),
    "monkeypatch_asserts": (0, None),
    # plain nbgrader gives this wrong answer full marks: its tests lose their asserts
    "disable_tests": (0, "changed how IPython runs code"),
    "block_shell_check": (5, "could not check IPython"),    # right answer; the instructor is told
}
# Limits of the whole job (cgroup memory incl. tmpfs pages, tasks, CPU; a /tmp of limited files):
# only where the grader runs as root with cgroups. Elsewhere these payloads would really take the
# machine's memory, so they are not submitted at all.
JOB_WIDE = cgroups.available() is not None
RESOURCE = {
    "shm_fill": (0, "memory"),          # the kernel is killed at the job's memory limit
    "tmp_files": (0, None),             # "No space left on device" in the notebook (see its test)
    "fat_children": (0, "memory"),      # a child killed at the job's memory limit; the cell fails
    "busy_loops": (5, None),            # right answer; the loops end with the job (see its test)
}
if JOB_WIDE:
    HOSTILE.update(RESOURCE)
MARKER = f"hostile-{uuid.uuid4().hex[:12]}"   # in the resource payloads' file names and command lines
DISHONEST = {"monkeypatch_asserts", "disable_tests"}      # no right answer behind the payload
LIMITS = Limits(memory_bytes=2 * GiB, tasks=128, output_bytes=4 * 2**20, job_seconds=120)
# The tiny course's tests call the student's add(); the clean verifier never runs student code (it
# checks exported values: see test_grading_integrity.py), so this module grades with the test cells
# in the sandboxed kernel (`autograder grade --kernel-tests`): the sandbox, the job-wide limits and
# the shell guard are what it tests.
CLEAN_VERIFIER = False


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def listener():
    """A TCP server on the host's loopback that records every connection it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    hits, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, addr = server.accept()
                hits.append(addr)
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


@pytest.fixture(scope="module")
def class_run(tmp_path_factory, listener):
    port, hits = listener
    base = tmp_path_factory.mktemp("hostile")
    root = tiny.make_course(base / "course")
    victim = base / "victim.txt"
    victim.write_text("intact")
    victim.chmod(0o640)
    for student, answer in HONEST.items():
        tiny.submit(root, student, answer)
    for name in HOSTILE:
        tiny.submit(root, name, tiny.hostile_answer(name, root, honest=name not in DISHONEST,
                                                    after=name in ("gigabyte_output", "symlink_trap"),
                                                    port=port, victim_file=victim, marker=MARKER))
    protected = {d: _digest(root / d) for d in ("source", "release", "submitted")}
    gradebook_tables = _gradebook_tables(root)
    summary = grade_assignment(root, tiny.ASSIGNMENT, runner=LocalRunner(2), limits=LIMITS,
                               verify=CLEAN_VERIFIER, progress=False)
    return root, summary, protected, gradebook_tables, hits, victim


def _gradebook_tables(root: Path) -> dict:
    import sqlite3
    con = sqlite3.connect(root / "gradebook.db")
    out = {t: con.execute(f"select * from {t}").fetchall()
           for t in ("assignment", "notebook", "base_cell", "grade_cells", "solution_cells", "source_cell")}
    con.close()
    return out


@pytest.fixture(scope="module")
def honest_alone(tmp_path_factory):
    root = tiny.make_course(tmp_path_factory.mktemp("alone") / "course")
    for student, answer in HONEST.items():
        tiny.submit(root, student, answer)
    grade_assignment(root, tiny.ASSIGNMENT, runner=LocalRunner(1), limits=LIMITS, verify=CLEAN_VERIFIER,
                     progress=False)
    return cell_scores(Course.load(root, tiny.ASSIGNMENT))


def test_every_submission_is_recorded(class_run):
    root, summary, *_ = class_run
    assert set(summary.results) == set(HONEST) | set(HOSTILE)
    assert set(summary.scores) == set(HONEST) | set(HOSTILE)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_student_gets_deserved_score_and_reason(class_run, name):
    root, summary, *_ = class_run
    deserved, reason = HOSTILE[name]
    score, total = summary.scores[name]
    result = summary.results[name]
    assert (score, total) == (deserved, 5), (result.reasons, result.log_tail[-2000:])
    if reason:
        words = (reason,) if isinstance(reason, str) else reason
        assert any(w in r for w in words for r in result.reasons), result.reasons


def test_honest_students_grade_as_when_graded_alone(class_run, honest_alone):
    root, summary, *_ = class_run
    together = cell_scores(Course.load(root, tiny.ASSIGNMENT))
    for student in HONEST:
        assert together[student] == honest_alone[student], student
        assert summary.results[student].reasons == [], student     # no false alarms either
    assert honest_alone["honest_1"] == {"test_add": 2, "test_hidden": 3}
    assert honest_alone["honest_wrong"] == {"test_add": 0, "test_hidden": 0}


def test_course_files_and_gradebook_definition_intact(class_run):
    root, summary, protected, tables, _, victim = class_run
    for folder, digest in protected.items():
        assert _digest(root / folder) == digest, folder
    assert _gradebook_tables(root) == tables
    assert not (root / "PWNED.txt").exists()
    # symlinks planted by the kernel were never followed by the grader
    assert victim.read_text() == "intact" and (victim.stat().st_mode & 0o777) == 0o640


def test_hidden_tests_and_gradebook_never_reach_the_kernel(class_run):
    root, *_ = class_run
    nb = (root / "autograded" / "read_hidden_tests" / tiny.ASSIGNMENT / tiny.NOTEBOOK).read_text()
    outputs = json.dumps([c.get("outputs") for c in json.loads(nb)["cells"]])
    assert "cannot read" in outputs and "STOLEN:" in outputs
    assert tiny.HIDDEN_MARK not in outputs and "SQLite format" not in outputs


def test_no_network_from_the_sandbox(class_run):
    *_, hits, _victim = class_run
    assert hits == []


def test_honest_autograded_notebook_not_overwritten_by_hostile_student(class_run):
    root, *_ = class_run
    nb = (root / "autograded" / "honest_1" / tiny.ASSIGNMENT / tiny.NOTEBOOK).read_text()
    assert nb != "pwned" and json.loads(nb)["cells"]


def test_plain_nbgrader_is_fooled_by_disabled_tests(tmp_path):
    """Why the shell guard exists: without it, nbgrader gives the `disable_tests` payload (a wrong
    answer) full marks, because its tests lose their asserts before they run."""
    root = tiny.make_course(tmp_path / "course")
    tiny.submit(root, "cheater", tiny.hostile_answer("disable_tests", root, honest=False))
    done = tiny.plain_nbgrader_autograde(root, "cheater")
    assert done.returncode == 0, done.stderr[-2000:]
    assert cell_scores(Course.load(root, tiny.ASSIGNMENT))["cheater"] == {"test_add": 2, "test_hidden": 3}


def _marked_processes() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if MARKER in cmdline:
                found.append(f"{entry.name}: {cmdline[:160]}")
    return found


needs_job_wide = pytest.mark.skipif(not JOB_WIDE, reason="job-wide limits need root and cgroups: "
                                    + cgroups.cgroup_status())


@needs_job_wide
def test_tmp_file_flood_stops_at_the_job_tmpfs(class_run):
    root, summary, *_ = class_run
    nb = json.loads(summary.results["tmp_files"].notebooks[tiny.NOTEBOOK])
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    errors = " ".join(str(o.get("evalue")) for o in outputs if o.get("output_type") == "error")
    printed = " ".join(str(o.get("text")) for o in outputs if o.get("output_type") == "stream")
    assert "No space left on device" in errors and "created 30000 files" not in printed


@needs_job_wide
def test_shm_fill_stops_below_the_memory_limit(class_run):
    """The payload reports each 190 MiB it placed in /dev/shm: it never gets past the job's limit."""
    root, summary, *_ = class_run
    data = summary.results["shm_fill"].notebooks.get(tiny.NOTEBOOK)   # none when its kernel was killed
    nb = json.loads(data) if data else {"cells": []}
    printed = " ".join(str(o.get("text")) for c in nb["cells"] for o in c.get("outputs", [])
                       if o.get("output_type") == "stream")
    placed = [int(n) for n in re.findall(r"(\d+) MiB in /dev/shm", printed)]
    assert max(placed, default=0) * 2**20 <= LIMITS.memory_bytes, printed[-500:]


@needs_job_wide
def test_no_payload_process_outlives_its_job(class_run):
    """Busy loops in their own session and 1.5 GiB children: none survives the run, and nothing
    written to the sandbox's /dev/shm reaches the host's."""
    assert _marked_processes() == []
    assert not [p for p in Path("/dev/shm").iterdir() if MARKER in p.name]
