"""The instructor's semester cycle, following the README's numbered steps literally, on a class of two.

    collect with a deadline -> the same deadline as nbgrader's due date -> grade (plain nbgrader)
    -> feedback before manual grading -> the reflection graded in the formgrader (headless Chromium:
    points and a comment) -> export -> feedback -> report

s01 commits on time and answers everything; s02 finishes only 作業1 and commits 2.5 hours late.
The course charges 1 point per started hour late (`autograder.late_penalty.PointsPerHour`), so s02
loses 3 points. Every step is a command from the README's "instructor cycle" block, run in a
shell with the venv activated, in a scratch copy of the course laid out like this repository.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

pytestmark = [pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
DEADLINE = "2026-11-30T23:59:00+08:00"
ON_TIME, LATE = "2026-11-29T20:00:00+08:00", "2026-12-01T02:29:00+08:00"     # s02: 2.5 h late
COMMENT = "Clear comparison of the three optimizers; say why Adam settles faster."
LATE_POLICY = """
# --- late penalty (the instructor cycle test) ---
c.AssignLatePenalties.plugin_class = "autograder.late_penalty.PointsPerHour"
c.PointsPerHour.points_per_hour = 1.0
"""
REFLECTION = ("# %% reflection\n"
              "Adam and RMSprop reached high accuracy within a few epochs while plain SGD was still climbing; "
              "with a larger batch each epoch makes fewer updates, so it needs more epochs.\n")
CLASS = {"s01": ("good", ON_TIME), "s02": ("partial", LATE)}

# The README's instructor cycle, step by step (run from the repository root, venv activated).
STEPS = {
    "generate": "cd homework && nbgrader generate_assignment day76 --force",
    "collect": f"autograder collect links.csv --deadline {DEADLINE}",
    "duedate": f"autograder duedate --deadline {DEADLINE}",
    "grade": "cd homework && nbgrader autograde day76",
    "feedback": "autograder feedback",
    "export": "cd homework && nbgrader export",
    "report": "autograder report",
}


def test_readme_lists_these_steps():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, command in STEPS.items():
        assert command in readme, f"README's instructor cycle lacks the {name} step: {command}"
    assert "Formgrader" in readme and "Manual Grading" in readme


def _shell(command: str, cwd: Path, env: dict) -> str:
    proc = subprocess.run(["bash", "-c", f"source {REPO}/.venv/bin/activate && {command}"], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1500)
    assert proc.returncode == 0, f"`{command}` exited {proc.returncode}:\n{proc.stdout[-4000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def cycle(tmp_path_factory, git_server):
    """The scratch repository after steps 1-4 (generate, collect, due date, grade)."""
    from autograder.course import Course
    from autograder.nbgrader_commands import copy_course
    from day76 import EXAMPLES, HOMEWORK, recipes

    repo = tmp_path_factory.mktemp("cycle")
    root = copy_course(repo / "homework", HOMEWORK)
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(LATE_POLICY)
    env = git_server.env({k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"})
    _shell(STEPS["generate"], repo, env)
    course = Course.load(root)
    rows = []
    for student, (example, when) in CLASS.items():
        recipe = (EXAMPLES / f"{example}.py").read_text(encoding="utf-8") + "\n" + REFLECTION
        nb = recipes.build_submission(recipe, course, base_dir=EXAMPLES)
        server_repo = git_server.repo(f"student-{student}", "ML100Days")
        server_repo.write(f"Day_076/{course.notebook}", nbformat.writes(nb)).commit("Day 76 homework", date=when)
        rows.append({"student_id": student, "name": student,
                     "link": f"https://github.com/student-{student}/ML100Days/blob/main/Day_076/{course.notebook}"})
    with open(repo / "links.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["student_id", "name", "link"])
        writer.writeheader()
        writer.writerows(rows)
    for step in ("collect", "duedate", "grade"):
        _shell(STEPS[step], repo, env)
    return repo, course, env


@pytest.fixture(scope="module")
def git_server(tmp_path_factory):
    from autograder.localgit import GitServer

    with GitServer(tmp_path_factory.mktemp("gitserver")) as server:
        yield server


def _summary(course, student) -> str:
    return (course.root / "summaries" / course.assignment / f"{student}.md").read_text(encoding="utf-8")


def _page_text(course, student) -> str:
    from autograder.feedback.html import page_text

    path = course.root / "feedback" / student / course.assignment / f"{Path(course.notebook).stem}.html"
    return " ".join(page_text(path.read_text(encoding="utf-8")).split())


def grade_reflection_in_formgrader(course, student: str, points: float, comment: str, shots: Path) -> None:
    """Open the submission in nbgrader's formgrader (JupyterLab's server) and grade the reflection
    the way an instructor does: type the points, tab out, type the comment, tab out."""
    from playwright.sync_api import sync_playwright

    from autograder.gradebook import open_gradebook
    from browser.jupyterlab import running_jupyterlab
    from browser.notebook_page import launch_chromium

    with open_gradebook(course) as gb:
        submission_id = gb.find_submission_notebook(Path(course.notebook).stem, course.assignment, student).id
    state = shots.parent / "formgrader-state"
    with running_jupyterlab(course.root, state, shots / "jupyterlab.log") as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # log in as an instructor does (the token as the password), so the formgrader's own
            # requests that load and save grades carry the session cookie
            page.goto(f"{server.base_url}/login?next=/formgrader/submissions/{submission_id}/")
            page.locator("input#password_input").fill(server.token)
            with page.expect_response(lambda r: "/formgrader/api/comments" in r.url and r.ok, timeout=90_000):
                page.locator("input#password_input").press("Enter")
            score = page.locator("input.score#reflection")
            score.wait_for(timeout=30_000)
            score.scroll_into_view_if_needed()
            # the formgrader saves a field when it changes (PUT to its API); wait for each save
            with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"
                                      and r.ok, timeout=30_000):
                score.fill(f"{points:g}")
                score.press("Tab")
            box = page.locator("textarea#reflection-comment")
            with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT"
                                      and r.ok, timeout=30_000):
                box.fill(comment)
                box.press("Tab")
            score.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "formgrader_reflection_graded.png"))
        finally:
            browser.close()


def test_instructor_cycle(cycle, tmp_path):
    repo, course, env = cycle
    from autograder.outcome import read_outcomes

    # after grading: lateness and the late penalty come from nbgrader (due date + timestamp.txt)
    outcomes = read_outcomes(course)
    s01, s02 = outcomes["s01"], outcomes["s02"]
    assert s01.seconds_late == 0 and s01.late_penalty == 0
    assert s02.seconds_late == pytest.approx(2.5 * 3600) and s02.late_penalty == 3
    assert s01.autograded == s01.autograded_max == 17 and s02.autograded == 9
    assert s01.manual is None and [c.grade_id for c in s01.waiting] == ["reflection"]

    # feedback before manual grading: the reflection is "not graded yet", never 0, never a failed test
    _shell(STEPS["feedback"], repo, env)
    before = _summary(course, "s01")
    assert "Graded by the instructor: not graded yet (/ 3)" in before
    assert "`reflection`**: not graded yet (/ 3)" in before and "reflection" not in before.split("### What to fix")[1].split("###")[0]
    page = _page_text(course, "s01")
    assert "BEGIN HIDDEN TESTS" not in page
    assert "Not graded yet: your instructor grades this answer (3 points)." in page and "Written response" not in page

    # manual grading in the formgrader, in Chromium
    shots = REPO / "artifacts" / "formgrader"
    shots.mkdir(parents=True, exist_ok=True)
    grade_reflection_in_formgrader(course, "s01", 2, COMMENT, shots)
    s01 = read_outcomes(course)["s01"]
    reflection = next(c for c in s01.cells if c.grade_id == "reflection")
    assert reflection.manual and reflection.score == 2 and reflection.comment == COMMENT
    assert s01.manual == 2 and s01.score == 19 and s01.max_score == 20

    # export, feedback, report
    _shell(STEPS["export"], repo, env)
    exported = {row["student_id"]: row for row in csv.DictReader(open(course.root / "grades.csv", encoding="utf-8"))}
    assert float(exported["s01"]["score"]) == 19 and float(exported["s02"]["late_submission_penalty"]) == 3
    _shell(STEPS["feedback"], repo, env)
    after = _summary(course, "s01")
    assert "Graded by the instructor: **2 / 3**" in after and "Total: 19 / 20" in after
    assert COMMENT in after and "reflection" not in after.split("### What to fix")[1].split("###")[0]
    page = _page_text(course, "s01")
    assert "Written response (Score: 2.0 / 3.0)" in page and COMMENT in page and "Not graded yet" not in page
    late = _summary(course, "s02")
    assert "Late penalty: **−3**" in late and "- **Late:** yes (2.5 h after the deadline; late penalty 3 point(s)" in late
    assert "Total: 6 / 20** so far (3 points are not graded yet)" in late

    _shell(STEPS["report"], repo, env)
    out = course.root / "reports" / course.assignment
    students = pd.read_csv(out / "students.csv", index_col="student", keep_default_na=False)
    assert float(students.loc["s01", "manual"]) == 2 and COMMENT in students.loc["s01", "comments"]
    assert "reflection" not in students.loc["s01", "failed_tests"]
    assert float(students.loc["s01", "total"]) == 19 and float(students.loc["s02", "late_penalty"]) == 3
    assert students.loc["s02", "manual"] == "not graded yet" and students.loc["s02", "status"] == "late"
    text = (out / "index.html").read_text(encoding="utf-8")
    assert COMMENT in text and re.search(r"<td>s02</td>\s*<td>2.5</td>\s*<td>3</td>", text)
