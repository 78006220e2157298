"""The class report: one self-contained HTML page (figures inlined as data URIs) plus the PNGs beside it.

Data in: the course root (gradebook + autograded notebooks) and, optionally, the collection
report CSV. Data out: `<out_dir>/index.html`, `<out_dir>/*.png` and the grade CSVs. The page
opens from disk with no network and no scripts.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

NAN = float("nan")

from .. import course
from ..feedback.outcomes import PARTS, SubmissionOutcome, submission_outcomes
from . import figures, grades
from .collection import Collected, read_collection_report
from .measurements import measurements


@dataclass
class ClassData:
    """Everything the page shows, as plain data (tests and other front ends can use it directly)."""
    assignment: str
    outcomes: dict[str, SubmissionOutcome]
    collection: dict[str, Collected]
    table: pd.DataFrame                   # grades.question_table
    questions: pd.DataFrame               # grades.question_summary
    measured: dict[str, pd.DataFrame]     # measurements.measurements
    students: pd.DataFrame = field(default=None)   # one row per student (graded or not collected)


def _late(outcome: SubmissionOutcome, entry: Collected | None) -> bool:
    return outcome.seconds_late > 0 or (entry is not None and entry.late)


def student_rows(outcomes: dict[str, SubmissionOutcome], collection: dict[str, Collected]) -> pd.DataFrame:
    """The tidy students table: graded submissions and collection failures alike."""
    rows = []
    for student, o in sorted(outcomes.items()):
        entry = collection.get(student)
        auto = [c for c in o.cells if c.score is not None]
        waiting = o.waiting
        rows.append({
            "student": student,
            **{part: sum(c.score or 0 for c in o.cells if c.part == part) for part in PARTS},
            "autograded": sum(c.score for c in auto) - o.late_penalty,
            "of": sum(c.max_score for c in auto),
            "written": "to grade" if waiting else "",
            "status": "late" if _late(o, entry) else "on time",
            "hours_late": round(o.seconds_late / 3600, 1) if o.seconds_late else NAN,
            "late_penalty": o.late_penalty,
            "commit": entry.commit[:10] if entry else "",
            "failed_tests": ", ".join(c.grade_id for c in auto if not c.passed),
            "reason": entry.reason if entry and (entry.late or entry.kept_previous) else "",
        })
    for student, entry in sorted(collection.items()):
        if student in outcomes or entry.status == "duplicate" or not entry.failed:
            continue
        rows.append({"student": student, **{part: NAN for part in PARTS}, "autograded": NAN, "of": NAN,
                     "written": "", "status": entry.status, "hours_late": NAN, "late_penalty": NAN,
                     "commit": entry.commit[:10], "failed_tests": "", "reason": entry.reason})
    columns = ["student", *PARTS, "autograded", "of", "written", "status", "hours_late", "late_penalty",
               "commit", "failed_tests", "reason"]
    return pd.DataFrame(rows, columns=columns)


def collection_failures(data: ClassData) -> pd.DataFrame:
    """Every roster row collection could not take, including students whose earlier submission was graded."""
    rows = [{"student": e.student or e.student_id, "status": e.status, "reason": e.reason, "link": e.link,
             "graded": "earlier submission" if e.student in data.outcomes else "nothing"}
            for e in data.collection.values() if e.failed]
    return pd.DataFrame(rows, columns=["student", "status", "reason", "link", "graded"])


def class_data(course_root: Path = course.COURSE_ROOT, assignment: str = course.ASSIGNMENT,
               collection_report: Path | None = None) -> ClassData:
    outcomes = submission_outcomes(course_root, assignment)
    collection = read_collection_report(collection_report)
    return ClassData(assignment=assignment, outcomes=outcomes, collection=collection,
                     table=grades.question_table(outcomes), questions=grades.question_summary(outcomes),
                     measured=measurements(course_root, assignment, students=set(outcomes)),
                     students=student_rows(outcomes, collection))


def make_figures(data: ClassData) -> dict[str, object]:
    """{file stem: matplotlib Figure} in page order."""
    table = data.table
    max_score = float(table["autograded_max"].max()) if not table.empty else 0.0
    return {
        "score_distribution": figures.score_distribution(table["autograded"], max_score),
        "test_pass_rates": figures.test_pass_rates(data.questions),
        "optimizer_accuracy": figures.optimizer_accuracy(data.measured["optimizer_accuracy"]),
        "batch_epochs_trend": figures.batch_epochs_trend(data.measured["epoch_table"], data.measured["batch_accuracy"]),
        "submission_status": figures.submission_status(data.students["status"]),
    }


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _table(df: pd.DataFrame, empty: str, index: bool = False) -> str:
    if df.empty:
        return f"<p class='none'>{html.escape(empty)}</p>"
    return df.to_html(index=index, na_rep="", float_format=lambda x: f"{x:g}", border=0, classes="data", escape=True)


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.meta { color: #666; } .none { color: #666; font-style: italic; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em; min-width: 9em; }
.card b { display: block; font-size: 1.6em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
table.data { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0; }
table.data th { white-space: nowrap; }
table.data th, table.data td { border-bottom: 1px solid #e5e5e5; padding: 0.25em 0.6em; text-align: right; }
table.data th:first-child, table.data td:first-child { text-align: left; }
"""

CAPTIONS = {
    "score_distribution": "Autograded points per student (written answers are graded by hand and not included).",
    "test_pass_rates": "Share of graded students with full points on each test cell; a low bar is a topic to revisit.",
    "optimizer_accuracy": "Test accuracy of each student's three 作業1 models, measured by the hidden test on the held-out split.",
    "batch_epochs_trend": "作業2 with Adam: left, the class's verified tables (mean line, min-max band); right, test accuracy per batch size.",
    "submission_status": "Collection report and nbgrader's submission times combined.",
}


def render_html(data: ClassData, images: dict[str, bytes], generated: str | None = None) -> str:
    """The page, with every image inlined as a data URI."""
    esc = html.escape
    generated = generated or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    s = data.students
    graded = s[s["autograded"].notna()]

    def figure(stem: str, alt: str) -> str:
        uri = "data:image/png;base64," + base64.b64encode(images[stem]).decode("ascii")
        return (f"<figure><img src='{uri}' alt='{esc(alt)}' id='fig-{stem}'>"
                f"<figcaption>{esc(CAPTIONS[stem])} (also <a href='{stem}.png'>{stem}.png</a>)</figcaption></figure>")

    cards = [("students", len(s)), ("graded", len(graded)),
             ("mean score", f"{graded['autograded'].mean():.1f} / {graded['of'].max():g}" if len(graded) else "–"),
             ("late", int((s["status"] == "late").sum())),
             ("not collected", int((~s["status"].isin(["on time", "late"])).sum()))]
    late = s[s["status"] == "late"][["student", "hours_late", "late_penalty", "commit", "autograded", "reason"]]
    failures = collection_failures(data)
    optim = data.measured["optimizer_accuracy"]
    optim_table = (optim.groupby("optimizer")["test_accuracy"].agg(["count", "mean", "min", "max"]).round(3)
                   .rename(columns={"count": "models"}) if not optim.empty else pd.DataFrame())
    trend = data.measured["epoch_table"]
    trend_table = (trend.pivot_table(index="batch_size", columns="epochs", values="val_accuracy", aggfunc="mean").round(3)
                   if not trend.empty else pd.DataFrame())
    questions = data.questions.assign(pass_rate=lambda d: (100 * d["pass_rate"]).round(0),
                                      mean_score=lambda d: d["mean_score"].round(2))
    parts = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>Class report: {esc(data.assignment)}</title><style>{CSS}</style></head><body>",
        f"<h1>Class report: Day 76 優化器 homework ({esc(data.assignment)})</h1>",
        f"<p class='meta'>Generated {esc(generated)} from nbgrader's gradebook and the autograded notebooks"
        f"{' and the collection report' if data.collection else ''}.</p>",
        "<div class='cards'>" + "".join(f"<div class='card'><b>{esc(str(v))}</b>{esc(k)}</div>" for k, v in cards) + "</div>",
        "<h2 id='scores'>Score distribution</h2>", figure("score_distribution", "Histogram of autograded scores"),
        "<h2 id='tests'>Pass rate of every test</h2>", figure("test_pass_rates", "Bar chart of each test's pass rate"),
        _table(questions.rename(columns={"pass_rate": "pass rate (%)"}), "no graded cells", index=True),
        "<h2 id='optimizers'>作業1: test accuracy per optimizer</h2>",
        figure("optimizer_accuracy", "Test accuracy per optimizer across the class"),
        _table(optim_table, "no 作業1 models were measured", index=True),
        "<h2 id='batch-epochs'>作業2: batch size × epochs</h2>",
        figure("batch_epochs_trend", "Validation accuracy vs epochs per batch size, and test accuracy vs batch size"),
        "<p>Mean validation accuracy of the class's verified tables (rows: batch size, columns: epochs):</p>",
        _table(trend_table, "no verified batch-size × epochs tables yet", index=True),
        "<h2 id='late'>Late submissions</h2>", figure("submission_status", "Submissions by status"),
        _table(late, "no late submissions"),
        "<h2 id='failures'>Collection failures</h2>",
        _table(failures, "no collection failures" if data.collection else "no collection report was given"),
        "<h2 id='students'>Students</h2>", _table(s, "no students"),
        "</body></html>",
    ]
    return "\n".join(parts)


def build_report(course_root: Path = course.COURSE_ROOT, out_dir: Path | None = None,
                 assignment: str = course.ASSIGNMENT, collection_report: Path | None = None,
                 with_grades: bool = True) -> Path:
    """Write index.html, the PNGs (and, by default, the grade CSVs) to `out_dir`
    (default `<course_root>/reports/<assignment>/`); returns the HTML path."""
    out_dir = Path(out_dir) if out_dir else Path(course_root) / "reports" / assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    data = class_data(course_root, assignment, collection_report)
    images = {stem: _png(fig) for stem, fig in make_figures(data).items()}
    for stem, png in images.items():
        (out_dir / f"{stem}.png").write_bytes(png)
    if with_grades:
        grades.write_grades(course_root, out_dir, assignment, outcomes=data.outcomes)
    data.students.to_csv(out_dir / "students.csv", index=False)
    page = out_dir / "index.html"
    page.write_text(render_html(data, images), encoding="utf-8")
    return page
