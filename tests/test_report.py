"""Grades CSV and the class report. The page is rendered from synthetic outcomes (fast), and from the
session's graded class, opened in headless Chromium to prove it renders with its images."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from autograder.outcome import CellOutcome, SubmissionOutcome
from autograder.reports import class_report, figures, grades
from autograder.collect import CollectionResult, Status

REPO = Path(__file__).resolve().parent.parent
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.IGNORECASE)
PARTS = ["Part 1", "Part 2"]


def synthetic_class() -> dict[str, SubmissionOutcome]:
    def cells(p1, p2, reflection, comment=""):
        return [CellOutcome("t1", "Part 1", "public test", p1, 2), CellOutcome("t2", "Part 2", "hidden test", p2, 3),
                CellOutcome("reflection", "written answers", "written answer", reflection, 3, manual=True, comment=comment)]

    ghost = CollectionResult("ghost", "https://github.com/a/ghost", Status.REPO_MISSING,
                             "the repository does not exist", student="ghost")
    return {
        "ada": SubmissionOutcome("ada", "hw", cells=cells(2, 3, 2, "Good <b>work</b>")),
        "bob": SubmissionOutcome("bob", "hw", cells=cells(2, 0, None), seconds_late=5400, late_penalty=2),
        "cy": SubmissionOutcome("cy", "hw", status="grader_error", reasons=["the worker died"]),
        "ghost": SubmissionOutcome("ghost", "hw", status="not_collected", collected=ghost),
    }


def test_students_table_reads_every_number_from_the_outcomes():
    table = grades.students_table(synthetic_class(), PARTS).set_index("student")
    assert table.loc["ada", "manual"] == 2 and table.loc["ada", "total"] == 7 and table.loc["ada", "comments"] == "reflection: Good <b>work</b>"
    assert table.loc["bob", "manual"] == "not graded yet" and table.loc["bob", "total"] == 0
    assert table.loc["bob", "late_penalty"] == 2 and table.loc["bob", "status"] == "late" and table.loc["bob", "hours_late"] == 1.5
    assert table.loc["bob", "failed_tests"] == "t2"                  # never the reflection
    assert table.loc["cy", "status"] == "grader error" and pd.isna(table.loc["cy", "total"])
    assert table.loc["ghost", "status"] == "repo_missing"


def test_page_from_synthetic_outcomes_is_self_contained_and_escaped():
    data = class_report.ClassData("Homework 1", "hw", synthetic_class(), PARTS, collection_given=True)
    images = {stem: class_report.png(fig) for stem, fig in class_report.generic_figures(data).items()}
    text = class_report.render_html(data, images, generated="2026-11-22 12:00 UTC")
    assert text.count("data:image/png;base64,") == 3 and "<script" not in text and not EXTERNAL.search(text)
    assert "Good &lt;b&gt;work&lt;/b&gt;" in text and "<b>work</b>" not in text
    for heading in ("Manual grading", "Late submissions", "Grading problems", "Collection failures", "Students"):
        assert f">{heading}</h2>" in text
    assert "the worker died" in text and "repo_missing" in text and "not graded yet" in text


def test_reports_choose_no_matplotlib_backend_for_their_importers():
    import subprocess

    code = ("import sys, pandas as pd; from autograder.reports import class_report, figures; "
            "class_report.png(figures.score_distribution(pd.Series([1.0, 2.0]), 3)); "
            "import matplotlib; assert 'matplotlib.pyplot' not in sys.modules; "
            "assert matplotlib.rcParams._get_backend_or_none() is None, matplotlib.rcParams._get_backend_or_none()")
    subprocess.run([sys.executable, "-c", code], check=True, env={"MPLBACKEND": "", "PATH": "/usr/bin"})


def test_figures_say_no_data_instead_of_failing():
    fig = figures.score_distribution(pd.Series([], dtype=float), 0)
    assert "no data yet" in fig.axes[0].texts[0].get_text() and fig.axes[0].get_title()
    fig = figures.submission_status(pd.Series(["on time", "late", "grader error"]))
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)


# --- slow: the session's graded class ----------------------------------------------------------------

@pytest.fixture(scope="module")
def report(graded_class, tmp_path_factory):
    out = tmp_path_factory.mktemp("class-report")
    return class_report.build_report(graded_class.course, out, collection_report=graded_class.collection_csv)


def table_row(path, student):
    with open(path, newline="", encoding="utf-8") as fh:
        return next(row for row in csv.DictReader(fh) if row["student_id"] == student)


@pytest.mark.slow
def test_grade_csvs(graded_class, report):
    out = report.parent
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(fh)}
    assert exported == {"good": 17.0, "partial": 9.0, "faked_history": 12.0}   # consistency and plot lost
    assert table_row(out / "grades.csv", "partial")["timestamp"].startswith("2026-11-20 03:00:00")
    table = pd.read_csv(out / "per_question.csv", index_col="student")
    assert set(table.index) == set(graded_class.students)
    assert table.loc["faked_history", "test_p1_consistency"] == 0 and table.loc["good", "test_p1_consistency"] == 3
    assert table["reflection"].isna().all()                         # written answers wait for the instructor
    assert (table["autograded"] == table[[c for c in table.columns if c.startswith("test_")]].sum(axis=1)).all()
    questions = pd.read_csv(out / "questions.csv", index_col="grade_id")
    assert questions.loc["test_p1_consistency", "pass_rate"] == pytest.approx(2 / 3)
    students = pd.read_csv(out / "students.csv", index_col="student")
    assert students.loc["partial", "作業1"] == 9 and students.loc["partial", "作業2"] == 0
    assert students.loc["partial", "status"] == "late" and students.loc["partial", "hours_late"] == 3.0
    assert students.loc["good", "status"] == "on time" and students.loc["ghost", "status"] == "repo_missing"
    assert (students.loc[list(graded_class.students), "manual"] == "not graded yet").all()


@pytest.mark.slow
def test_course_sections_read_what_the_hidden_tests_measured(graded_class):
    from day76.report import measurements

    measured = measurements(graded_class.course, graded_class.students)
    optim = measured["optimizer_accuracy"]
    assert set(optim["optimizer"]) == {"SGD", "Adam", "RMSprop"} and set(optim["student"]) == set(graded_class.students)
    assert optim.groupby("optimizer")["test_accuracy"].mean()["Adam"] >= 0.90
    trend = measured["epoch_table"]
    assert set(trend["student"]) == {"good", "faked_history"}       # partial never verified a 作業2 table
    assert trend["batch_size"].nunique() >= 4 and trend["epochs"].nunique() >= 3


@pytest.mark.slow
@pytest.mark.browser
def test_report_renders_in_chromium_with_its_images(report):
    from playwright.sync_api import sync_playwright

    from browser.notebook_page import launch_chromium

    text = report.read_text(encoding="utf-8")
    assert "<script" not in text and not EXTERNAL.search(text)
    shots = REPO / "artifacts" / "report"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            headings = page.locator("h2").all_inner_texts()
            for heading in ("Score distribution", "Pass rate of every test", "test accuracy per optimizer",
                            "batch size × epochs", "Manual grading", "Late submissions", "Collection failures", "Students"):
                assert any(heading in h for h in headings), (heading, headings)
            images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.id, i.complete, i.naturalWidth])")
            assert len(images) == 5
            assert all(complete and width > 0 for _, complete, width in images), images
            assert page.locator("h2#students + table tbody tr").count() == 4     # three graded, one not collected
            page.screenshot(path=str(shots / "class_report.png"), full_page=True)
        finally:
            browser.close()
