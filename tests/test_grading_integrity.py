"""Grades a submission cannot forge (issue 10): hostile homework graded beside an honest student.

ONE class run of the real Day 76 homework through `autograder grade`'s coordinator (conftest's
`ours_class`: sandbox on, two local workers, the clean verifier, a DAY76_TEST_SECRET handed to the
verifier only), shared with the other slow modules: the
honest `good` example and every fixture of tests/fixtures/integrity/, one per attack the issue
lists (the kernel's reports believed, checks in the student's interpreter, public test data,
student-made objects, swapped weights). Each fixture's header says the score it deserves, per
cell, and the words a recorded reason for each lost cell must contain; a fixture whose header
names a `hole` still gets points it should not, and its score test is an expected failure that
turns red when the hole is closed.

The other tests use the tiny course of test_grading_support.py (seconds, not training runs): a
grader failure is never a student's zero, SIGTERM ends every process a run started and the next
run resumes from the cache, and `autograder grade` finds the course in the current directory.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from autograder import cli, gradebook
from autograder.course import Course
from autograder.grading import worker
from autograder.grading.coordinator import CACHE_DIR, grade_assignment
from autograder.grading.course_files import load_config, make_jobs
from autograder.grading.record import RECORD, record_result
from autograder.grading.runners import LocalRunner
from autograder.verify import clean_run

from conftest import INTEGRITY, REPO, TEST_SECRET, gradebook_definition, tree_digest
import test_grading_support as tiny

pytestmark = pytest.mark.slow

SECRET = TEST_SECRET                            # the instructor's secret of ours_class
GRADED = ("test_p1_public", "test_p1_accuracy", "test_p1_consistency", "test_p1_plot",
          "test_p2_public", "test_p2_accuracy", "test_p2_consistency", "test_p2_plot")


@dataclass
class Expectation:
    scores: dict[str, float]
    reasons: dict[str, str] = field(default_factory=dict)
    hole: str = ""                                          # what still gets points it should not
    hole_cells: tuple[str, ...] = ()                        # ... in these cells


def read_expectation(path: Path) -> Expectation:
    """The `# expect:`, `# reason <cell>:` and `# hole <cells>:` lines of a fixture's header."""
    scores, reasons, hole, hole_cells = {}, {}, [], ()
    in_hole = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            break
        if line.startswith("# expect:"):
            scores = {cell: float(value) for cell, value in re.findall(r"(\w+)=(\d+(?:\.\d+)?)", line)}
        elif m := re.match(r"# reason (\w+): (.+)$", line):
            reasons[m.group(1)] = m.group(2).strip()
        if m := re.match(r"# hole ([\w ]+): (.+)$", line):
            in_hole = True
            hole_cells = tuple(m.group(1).split())
            hole.append(m.group(2).strip())
        elif in_hole and line.startswith("#   "):
            hole.append(line[1:].strip())
        else:
            in_hole = False
    assert set(scores) == set(GRADED), f"{path.name}: `# expect:` must give every graded cell"
    assert set(hole_cells) <= set(GRADED) and not set(hole_cells) & set(reasons), path.name
    return Expectation(scores, reasons, " ".join(hole), hole_cells)


EXPECTED = {name: read_expectation(path) for name, path in INTEGRITY.items()}


@pytest.fixture(scope="module")
def class_run(ours_class):
    """conftest's `ours_class`: `good` and every integrity fixture are among its students."""
    return ours_class.root, ours_class.course, ours_class.summary, ours_class.protected, ours_class.definition


def _cells(root: Path, course: Course, student: str) -> dict[str, float]:
    scores = gradebook.cell_scores(Course.load(root, course.assignment))[student]
    return {cell: scores[cell] for cell in GRADED}


def _cell_errors(root: Path, course: Course, student: str) -> dict[str, str]:
    """grade_id -> the error text recorded in the autograded notebook's test cell."""
    nb = nbformat.read(course.autograded_notebook(student), as_version=4)
    out = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if grade_id and errors:
            out[grade_id] = f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
    return out


def test_every_submission_is_graded_by_the_clean_verifier(class_run):
    root, course, summary, *_ = class_run
    assert {"good", *EXPECTED} <= set(summary.results)
    for student, result in ((s, summary.results[s]) for s in ("good", *EXPECTED)):
        assert result.ok and not result.grader_error, (student, result.grader_error, result.reasons)
        assert result.verified == "clean-process", student


def test_honest_student_keeps_full_marks(class_run):
    root, course, summary, *_ = class_run
    maxima = gradebook.max_scores(course)
    assert _cells(root, course, "good") == {cell: maxima[cell] for cell in GRADED}
    assert summary.scores["good"][0] == 17
    assert summary.results["good"].reasons == []


def _params():
    out = []
    for name, exp in EXPECTED.items():
        marks = [pytest.mark.xfail(strict=True, reason=exp.hole)] if exp.hole else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.mark.parametrize("name", _params())
def test_hostile_fixture_gets_the_score_it_deserves(class_run, name):
    root, course, summary, *_ = class_run
    got = _cells(root, course, name)
    assert got == EXPECTED[name].scores, (got, _cell_errors(root, course, name))


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e.hole))
def test_a_hole_gives_points_in_its_own_cells_only(class_run, name):
    """Where a fixture still gets points it should not, every other cell is as deserved."""
    root, course, summary, *_ = class_run
    exp = EXPECTED[name]
    got = _cells(root, course, name)
    outside = {cell: score for cell, score in exp.scores.items() if cell not in exp.hole_cells}
    assert {cell: got[cell] for cell in outside} == outside, (got, _cell_errors(root, course, name))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_lost_cell_has_a_recorded_reason(class_run, name):
    """The reason is in the graded notebook's test cell (what feedback shows) and in the grading
    record beside it, and it is the one the fixture's header names."""
    root, course, summary, *_ = class_run
    got = _cells(root, course, name)
    errors = _cell_errors(root, course, name)
    record = json.loads((course.autograded_dir(name) / RECORD).read_text(encoding="utf-8"))
    assert record["status"] == "graded" and record["verified"] == "clean-process"
    for cell, words in EXPECTED[name].reasons.items():
        assert got[cell] == 0, (cell, got)
        assert words in errors.get(cell, ""), (cell, words, errors.get(cell))
        assert words in record["cells"][cell]["message"], (cell, record["cells"][cell])
    for cell in GRADED:                      # no lost point without a reason
        if got[cell] == 0:
            assert errors.get(cell) and record["cells"][cell]["message"], (cell, errors)


def test_swapped_weights_are_caught_by_the_audit_in_both_parts(class_run):
    """Every model of e_swapped_weights is swapped, so whichever the secret picks is caught."""
    root, course, summary, *_ = class_run
    got = _cells(root, course, "e_swapped_weights")
    errors = _cell_errors(root, course, "e_swapped_weights")
    for cell in ("test_p1_consistency", "test_p2_consistency"):
        assert got[cell] == 0 and "is not the model its History trained" in errors[cell], errors.get(cell)


def test_safe_mode_refusal_is_named(class_run):
    root, course, summary, *_ = class_run
    for name in ("c_custom_layer_memoriser", "c_lambda_memoriser"):
        errors = _cell_errors(root, course, name)
        assert "safe mode" in errors["test_p1_accuracy"], errors
    assert "lambda" in _cell_errors(root, course, "c_lambda_memoriser")["test_p1_accuracy"].lower()


def test_course_and_assignment_definition_unchanged(class_run):
    root, course, summary, protected, definition = class_run
    for folder, digest in protected.items():
        assert tree_digest(root / folder) == digest, folder
    assert gradebook_definition(root) == definition


def test_the_secret_never_reaches_a_student_notebook(class_run):
    root, course, summary, *_ = class_run
    graded = [s for s, result in summary.results.items() if result.ok]
    assert {"good", *EXPECTED} <= set(graded)
    for student in graded:
        assert SECRET not in course.autograded_notebook(student).read_text(encoding="utf-8"), student


# ---- the exporter: a model's file must carry what the verifier reads back -------------------

def test_models_with_equal_weights_keep_their_own_optimizer(tmp_path):
    import keras

    from autograder.verify import rehydrate, snapshot

    def build(optimizer):
        model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    models = {}
    for name, make in (("SGD", keras.optimizers.SGD), ("Adam", keras.optimizers.Adam)):
        keras.utils.set_random_seed(76)
        models[name] = build(make())
    assert snapshot.export(["models"], {"models": models}, str(tmp_path / "e"), str(tmp_path / "m")) == "ok"
    back = rehydrate.Rebuilder(str(tmp_path / "e"), str(tmp_path / "m")).namespace()["models"]
    assert {n: type(m.optimizer).__name__ for n, m in back.items()} == {"SGD": "SGD", "Adam": "Adam"}


# ---- a grader failure is never a student's zero (a tiny course of values) ---------------------

# The clean verifier checks exported values and never calls a student's function, so these courses
# ask for a value (`result`), not for the tiny course's add().
VALUE_ANSWER = "result = 1 + 2\n"
VALUE_SCORES = {"test_value": 2, "test_hidden": 3}


def make_value_course(root: Path, hidden_extra: str = "") -> Path:
    """Like test_grading_support.make_course, with tests that read `result` (and `hidden_extra`
    at the top of the hidden tests)."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(tiny.CONFIG + "c.Grade.verify = True\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        tiny._cell("markdown", "# Tiny assignment\nSet `result` to 1 + 2."),
        tiny._cell("code", "### BEGIN SOLUTION\nresult = 1 + 2\n### END SOLUTION\n", grade_id="answer", solution=True),
        tiny._cell("code", "assert type(result) is int and result == 3", grade_id="test_value", grade=True,
                   locked=True, points=2),
        tiny._cell("code", f"assert result > 0\n### BEGIN HIDDEN TESTS\n{hidden_extra}assert result == 3\n"
                           "### END HIDDEN TESTS", grade_id="test_hidden", grade=True, locked=True, points=3),
    ]
    (root / "source" / tiny.ASSIGNMENT).mkdir(parents=True)
    nbformat.write(nb, root / "source" / tiny.ASSIGNMENT / tiny.NOTEBOOK)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", tiny.ASSIGNMENT, "--force"],
                   cwd=root, env=tiny.nbgrader_env(), check=True, capture_output=True)
    return root

class InlineRunner:
    """Runs each job in this process, so a monkeypatched verifier applies (tests only)."""

    workers = 1

    def run(self, jobs):
        for job in jobs:
            yield worker.grade_job(job)


def _fail_verifier(*args, **kwargs):
    raise clean_run.VerifierError("simulated crash of the verifier")


@pytest.fixture
def tiny_course(tmp_path):
    root = make_value_course(tmp_path / "course")
    tiny.submit(root, "honest", VALUE_ANSWER)
    return root


def test_verifier_failure_is_a_grader_error_and_no_score(tiny_course, monkeypatch, capsys):
    root = tiny_course
    monkeypatch.setattr(clean_run, "run_verifier", _fail_verifier)
    jobs, coursedir = make_jobs(root, tiny.ASSIGNMENT)
    result = worker.grade_job(jobs[0])
    assert "simulated crash of the verifier" in result.grader_error and not result.ok
    record_result(result, coursedir, load_config(root))
    assert "honest" not in gradebook.cell_scores(Course.load(root, tiny.ASSIGNMENT))      # no score written, not a zero
    record = json.loads((root / "autograded" / "honest" / tiny.ASSIGNMENT / RECORD).read_text())
    assert record["status"] == "grader_error" and "simulated crash" in " ".join(record["reasons"])

    # the command: exit 1, says so, caches nothing; the next run (verifier fixed) grades it
    monkeypatch.setattr("autograder.commands.grade.LocalRunner", lambda workers=None: InlineRunner())
    monkeypatch.setattr(signal, "signal", lambda *args: None)   # the command's SIGTERM handler: not in pytest
    assert cli.main(["grade", tiny.ASSIGNMENT, "--course", str(root), "--no-progress"]) == 1
    out = capsys.readouterr()
    assert "GRADER ERROR" in out.out and "could not be graded because the grader failed" in out.err
    assert "honest" not in gradebook.cell_scores(Course.load(root, tiny.ASSIGNMENT))
    assert not list((root / CACHE_DIR).rglob("*.pickle"))
    monkeypatch.undo()
    monkeypatch.setattr("autograder.commands.grade.LocalRunner", lambda workers=None: InlineRunner())
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    assert cli.main(["grade", tiny.ASSIGNMENT, "--course", str(root), "--no-progress"]) == 0
    assert gradebook.cell_scores(Course.load(root, tiny.ASSIGNMENT))["honest"] == VALUE_SCORES


@pytest.mark.parametrize("verify", [True, False], ids=["clean-process", "kernel"])
def test_checks_not_importable_is_a_grader_error_in_either_mode(tmp_path, verify):
    root = make_value_course(tmp_path / "course", hidden_extra="from grader_checks_not_installed import x\n")
    tiny.submit(root, "honest", VALUE_ANSWER)
    summary = grade_assignment(root, tiny.ASSIGNMENT, runner=LocalRunner(1), verify=verify, progress=False)
    result = summary.results["honest"]
    assert "grader_checks_not_installed" in result.grader_error and not result.ok, result.reasons
    assert "honest" not in gradebook.cell_scores(Course.load(root, tiny.ASSIGNMENT))


def test_kernel_tests_import_the_course_checks_inside_the_sandbox(tmp_path):
    """With test cells in the kernel (`c.Grade.verify = False`), the packages the test cells import
    are bound read-only into the sandbox: the honest answer keeps every point."""
    root = make_value_course(tmp_path / "course", hidden_extra="from day76 import data\nassert data.SEED >= 0\n")
    tiny.submit(root, "honest", VALUE_ANSWER)
    tiny.submit(root, "wrong", "result = 4\n")
    summary = grade_assignment(root, tiny.ASSIGNMENT, runner=LocalRunner(1), verify=False, sandbox=True,
                               progress=False)
    assert summary.results["honest"].verified == "kernel" and not summary.results["honest"].grader_error
    scores = gradebook.cell_scores(Course.load(root, tiny.ASSIGNMENT))
    assert scores["honest"] == VALUE_SCORES
    assert scores["wrong"] == {"test_value": 0, "test_hidden": 0}


# ---- stopping and resuming; the course in the current directory (tiny course) ----------------

SLOW = """import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(900)  # {marker}"], start_new_session=True)
time.sleep(75)
result = 1 + 2
"""
STOP_SECONDS = 30          # a stopped run must be gone long before its 75-second cells would end


def _ours(marker: str, scratch: Path) -> list[str]:
    """Processes that belong to the run: the marker in their command line or environment, or the
    run's scratch folder (kernels, bwrap) in their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in cmdline or str(scratch) in cmdline or marker.encode() in environ:
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _kill(found: list[str]) -> None:
    """SIGKILL the processes this test's run left (by pid), so a failure leaves nothing behind."""
    for line in found:
        try:
            os.kill(int(line.split(":")[0]), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture(scope="module")
def sigterm_run(tmp_path_factory):
    """`autograder grade` (no --course, run in the course folder) on two quick and two slow
    submissions; SIGTERM once the quick ones are recorded and a slow kernel runs; then a second
    run from a folder inside the course."""
    base = tmp_path_factory.mktemp("sigterm")
    root = make_value_course(base / "course")
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("c.Execute.timeout = 300\n")
    marker = f"autograder-sigterm-{uuid.uuid4().hex[:10]}"
    for student in ("a_fast", "b_fast"):
        tiny.submit(root, student, VALUE_ANSWER)
    for student in ("c_slow", "d_slow"):
        tiny.submit(root, student, SLOW.format(marker=marker))
    scratch = base / "scratch"
    scratch.mkdir()
    env = dict(tiny.nbgrader_env(), TMPDIR=str(scratch), AUTOGRADER_TEST_RUN=marker)
    homework_before = sorted(p.name for p in (REPO / "homework").iterdir())
    command = [str(Path(sys.executable).parent / "autograder"), "grade", tiny.ASSIGNMENT, "--no-progress"]
    proc = subprocess.Popen([*command, "--workers", "2"], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    facts = {"root": root, "marker": marker, "scratch": scratch, "homework_before": homework_before}
    try:
        done = lambda s: (root / "autograded" / s / tiny.ASSIGNMENT / RECORD).exists()  # noqa: E731
        _wait_for(lambda: done("a_fast") and done("b_fast") and
                  any("time.sleep(900)" in p for p in _ours(marker, scratch)), 600, "two graded, a slow one running")
        facts["cached_before"] = len(list((root / CACHE_DIR).rglob("*.pickle")))
        proc.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        try:
            facts["output"], _ = proc.communicate(timeout=STOP_SECONDS)
            facts["stop_seconds"] = time.monotonic() - stopped
        except subprocess.TimeoutExpired:
            facts["output"], _ = proc.communicate(timeout=600)      # it waits for the running jobs
            facts["stop_seconds"] = time.monotonic() - stopped
        facts["returncode"] = proc.returncode
        try:
            _wait_for(lambda: not _ours(marker, scratch), 30, "the run's processes to end")
            facts["leftovers"] = []
        except AssertionError:
            facts["leftovers"] = _ours(marker, scratch)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _kill(_ours(marker, scratch))
    facts["scores_after_stop"] = gradebook.cell_scores(Course.load(root, tiny.ASSIGNMENT))
    facts["again"] = subprocess.run(command, cwd=root / "submitted", env=env, capture_output=True, text=True,
                                    timeout=1800)
    _wait_for(lambda: not _ours(marker, scratch), 60, "the second run's processes to end")
    return facts


def test_sigterm_stops_the_run_promptly(sigterm_run):
    assert sigterm_run["stop_seconds"] < STOP_SECONDS, (round(sigterm_run["stop_seconds"]), sigterm_run["output"])


def test_sigterm_ends_every_process_the_run_started(sigterm_run):
    facts = sigterm_run
    assert facts["returncode"] != 0, facts["output"]
    assert facts["leftovers"] == [], "\n".join(facts["leftovers"])
    # what was finished before the signal is recorded and cached; nothing else is
    assert facts["scores_after_stop"]["a_fast"] == facts["scores_after_stop"]["b_fast"] == VALUE_SCORES
    assert facts["cached_before"] >= 2


def test_the_next_run_resumes_from_the_cache(sigterm_run):
    again = sigterm_run["again"]
    assert again.returncode == 0, again.stdout + again.stderr
    lines = {line.split()[0]: line for line in again.stdout.splitlines() if line.strip()}
    assert "(cached)" in lines["a_fast"] and "(cached)" in lines["b_fast"], again.stdout
    # the job that was running when the signal came was not recorded: it runs again
    assert any("(cached)" not in lines[s] for s in ("c_slow", "d_slow")), again.stdout
    scores = gradebook.cell_scores(Course.load(sigterm_run["root"], tiny.ASSIGNMENT))
    assert all(scores[s] == VALUE_SCORES for s in ("a_fast", "b_fast", "c_slow", "d_slow")), scores


def test_grade_without_course_grades_the_course_in_the_current_directory(sigterm_run):
    """Both runs named no --course (one in the course folder, one in a folder inside it): they
    graded that course, and the package's own homework/ was never touched."""
    assert set(gradebook.cell_scores(Course.load(sigterm_run["root"], tiny.ASSIGNMENT))) == \
        {"a_fast", "b_fast", "c_slow", "d_slow"}
    assert sorted(p.name for p in (REPO / "homework").iterdir()) == sigterm_run["homework_before"]
    assert not (REPO / "homework" / CACHE_DIR).exists() and not (REPO / "homework" / "autograded").exists()
