"""Grades CSV and the class report, on the class graded in tests/test_feedback.py; the page is
opened in headless Chromium to prove it renders with its images."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from autograder.reports import class_report, figures, grades

from test_feedback import CLASS, graded_class

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def table_row(path, student):
    with open(path, newline="", encoding="utf-8") as fh:
        return next(row for row in csv.DictReader(fh) if row["student_id"] == student)


@pytest.fixture(scope="module")
def report(generated_course, tmp_path_factory):
    root, csv_path = graded_class(generated_course, tmp_path_factory)
    out = tmp_path_factory.mktemp("class-report")
    return root, class_report.build_report(root, out, collection_report=csv_path)


def test_figures_say_no_data_instead_of_failing():
    empty = pd.DataFrame(columns=["student", "optimizer", "test_accuracy"])
    fig = figures.optimizer_accuracy(empty)
    assert "no data yet" in fig.axes[0].texts[0].get_text() and fig.axes[0].get_title()
    fig = figures.batch_epochs_trend(pd.DataFrame(columns=["batch_size", "epochs", "val_accuracy"]),
                                     pd.DataFrame(columns=["batch_size", "test_accuracy"]))
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)


@pytest.mark.slow
def test_grade_csvs(report):
    root, page = report
    out = page.parent
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(fh)}
    assert exported == {"good": 17.0, "partial": 9.0, "faked_history": 14.0}
    assert table_row(out / "grades.csv", "partial")["timestamp"].startswith("2026-11-20 03:00:00")
    table = pd.read_csv(out / "per_question.csv", index_col="student")
    assert set(table.index) == set(CLASS)
    assert table.loc["faked_history", "test_p1_consistency"] == 0 and table.loc["good", "test_p1_consistency"] == 3
    assert table.loc["partial", "作業1"] == 9 and table.loc["partial", "作業2"] == 0
    assert table["reflection"].isna().all()                         # written answers wait for the instructor
    assert (table["autograded"] == table[[c for c in table.columns if c.startswith("test_")]].sum(axis=1)).all()
    questions = pd.read_csv(out / "questions.csv", index_col="grade_id")
    assert questions.loc["test_p1_consistency", "pass_rate"] == pytest.approx(2 / 3)


@pytest.mark.slow
def test_class_data_reads_what_the_hidden_tests_measured(report):
    root, _ = report
    data = class_report.class_data(root)
    optim = data.measured["optimizer_accuracy"]
    assert set(optim["optimizer"]) == {"SGD", "Adam", "RMSprop"} and set(optim["student"]) == set(CLASS)
    assert optim.groupby("optimizer")["test_accuracy"].mean()["Adam"] >= 0.90
    trend = data.measured["epoch_table"]
    assert set(trend["student"]) == {"good", "faked_history"}       # partial never verified a 作業2 table
    assert trend["batch_size"].nunique() >= 4 and trend["epochs"].nunique() >= 3


@pytest.mark.slow
def test_report_page_is_self_contained(report):
    _, page = report
    text = page.read_text(encoding="utf-8")
    for stem in ("score_distribution", "test_pass_rates", "optimizer_accuracy", "batch_epochs_trend", "submission_status"):
        assert (page.parent / f"{stem}.png").stat().st_size > 5000
        assert f"id='fig-{stem}'" in text
    assert text.count("data:image/png;base64,") == 5
    assert "http://" not in text and "https://" not in text.replace("https://github.com/a/", "")
    assert "<script" not in text
    assert "ghost" in text and "repo_missing" in text              # the collection failure is listed
    assert "committed 3 h after the deadline" in text               # and the late submission
    students = pd.read_csv(page.parent / "students.csv", index_col="student")
    assert students.loc["partial", "status"] == "late" and students.loc["partial", "hours_late"] == 3.0
    assert students.loc["good", "status"] == "on time" and students.loc["ghost", "status"] == "repo_missing"


@pytest.mark.slow
@pytest.mark.browser
def test_report_renders_in_chromium_with_its_images(report):
    from playwright.sync_api import sync_playwright

    _, page_path = report
    shots = REPO / "artifacts" / "report"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            headings = page.locator("h2").all_inner_texts()
            for heading in ("Score distribution", "Pass rate of every test", "test accuracy per optimizer",
                            "batch size × epochs", "Late submissions", "Collection failures", "Students"):
                assert any(heading in h for h in headings), (heading, headings)
            images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.id, i.complete, i.naturalWidth])")
            assert len(images) == 5
            assert all(complete and width > 0 for _, complete, width in images), images
            rows = page.locator("h2#students + table tbody tr").count()
            assert rows == len(CLASS) + 1                            # three graded, one not collected
            page.screenshot(path=str(shots / "class_report.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.slow
def test_report_of_a_class_with_nothing_graded_yet(generated_course, tmp_path):
    page = class_report.build_report(generated_course, tmp_path)
    text = page.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 5
    assert "no collection report was given" in text and "no late submissions" in text


@pytest.mark.slow
def test_cli_commands(report, tmp_path, capsys):
    from autograder.cli import main

    root, _ = report
    collection = root.parent / "collection.csv"
    assert main(["report", "day76", "--course", str(root), "--collection-report", str(collection),
                 "--out", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "index.html").is_file() and (tmp_path / "report" / "per_question.csv").is_file()
    assert main(["feedback", "day76", "--course", str(root), "--student", "good",
                 "--summaries", str(tmp_path / "md")]) == 0
    assert [p.name for p in (tmp_path / "md").iterdir()] == ["good.md"]
    bad = tmp_path / "not-a-report.csv"
    bad.write_text("name\nx\n", encoding="utf-8")
    assert main(["report", "--course", str(root), "--collection-report", str(bad), "--out", str(tmp_path / "r2")]) == 1
    assert "not a collection report" in capsys.readouterr().err
