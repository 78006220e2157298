"""The class report: one self-contained HTML page (figures inlined as data URIs) plus the PNGs and CSVs beside it.

Data in: the course (gradebook, grading records, autograded notebooks) and, optionally, the
collection report, all read as outcomes by `autograder.outcome`. Data out:
`<out_dir>/index.html` (rendered from `autograder/templates/report.html.j2` with Jinja2),
`<out_dir>/*.png`, and the grade CSVs. The page opens from disk with no network and no scripts.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import markupsafe
import pandas as pd

from ..course import Course
from ..outcome import SubmissionOutcome, read_outcomes
from . import figures, grades
from .sections import Section, course_sections

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass
class ClassData:
    """Everything the page shows, as plain data (tests and other front ends can use it directly)."""
    title: str
    assignment: str
    outcomes: dict[str, SubmissionOutcome]
    parts: list[str]
    collection_given: bool = False
    extra: list[Section] = field(default_factory=list)     # the course's own sections

    @property
    def students(self) -> pd.DataFrame:
        return grades.students_table(self.outcomes, self.parts)

    @property
    def table(self) -> pd.DataFrame:
        return grades.question_table(self.outcomes)

    @property
    def questions(self) -> pd.DataFrame:
        return grades.question_summary(self.outcomes)


def class_data(course: Course, collection_report: Path | None = None, students=None) -> ClassData:
    outcomes = read_outcomes(course, collection_report, students)
    return ClassData(title=course.title, assignment=course.assignment, outcomes=outcomes, parts=list(course.parts),
                     collection_given=collection_report is not None, extra=course_sections(course, outcomes))


def collection_failures(data: ClassData) -> pd.DataFrame:
    """Every student collection could not take, including students whose earlier submission was graded."""
    rows = [{"student": o.student, "status": str(o.collected.status), "reason": o.collected.reason,
             "link": o.collected.link, "graded": "earlier submission" if o.has_scores else "nothing"}
            for o in data.outcomes.values() if o.collected is not None and not o.collected.status.ok]
    return pd.DataFrame(rows, columns=["student", "status", "reason", "link", "graded"])


def grading_problems(data: ClassData) -> pd.DataFrame:
    """Submissions the grader could not grade, or graded with reasons to read."""
    rows = [{"student": o.student, "status": grades.status_of(o), "reasons": "; ".join(o.reasons)}
            for o in data.outcomes.values() if o.status in ("grader_error", "not_gradable") or
            (o.has_scores and o.reasons)]
    return pd.DataFrame(rows, columns=["student", "status", "reasons"])


def generic_figures(data: ClassData) -> dict[str, object]:
    """{file stem: matplotlib Figure} of the generic sections, in page order."""
    students = data.students
    graded = students[students["status"].isin(["on time", "late"])]
    max_score = float(graded["of"].max()) if not graded.empty else 0.0
    return {
        "score_distribution": figures.score_distribution(graded["autograded"].astype(float), max_score),
        "test_pass_rates": figures.test_pass_rates(data.questions),
        "submission_status": figures.submission_status(students["status"]),
    }


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def html_table(df: pd.DataFrame, index: bool = False) -> str:
    """A DataFrame as an escaped HTML table ('' when empty: the template says why in words)."""
    if df is None or df.empty:
        return ""
    return df.to_html(index=index, na_rep="", float_format=lambda x: f"{x:g}", border=0, classes="data", escape=True)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["table"] = lambda df, index=False: markupsafe.Markup(html_table(df, index))
    return env


def render_html(data: ClassData, images: dict[str, bytes], generated: str | None = None) -> str:
    """The page, with every image inlined as a data URI."""
    students = data.students
    graded = students[students["status"].isin(["on time", "late"])]
    waiting = int((students["manual"] == grades.NOT_GRADED_YET).sum())
    cards = [("students", len(students)), ("graded", len(graded)),
             ("mean total so far" if waiting else "mean total",
              f"{graded['total'].mean():.1f} / {graded['total_of'].max():g}" if len(graded) else "–"),
             ("manual grading to do", waiting),
             ("late", int((students["status"] == "late").sum())),
             ("not graded", len(students) - len(graded))]
    questions = data.questions.assign(pass_rate=lambda d: (100 * d["pass_rate"]).round(0),
                                      mean_score=lambda d: d["mean_score"].round(2))
    uris = {stem: "data:image/png;base64," + base64.b64encode(png_bytes).decode("ascii")
            for stem, png_bytes in images.items()}
    late = students[students["status"] == "late"][["student", "hours_late", "late_penalty", "commit", "total", "reason"]]
    manual = students[students["manual"] != ""][["student", "manual", "manual_of", "comments"]]
    return _environment().get_template("report.html.j2").render(
        data=data, cards=cards, images=uris,
        generated=generated or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        questions=questions.rename(columns={"pass_rate": "pass rate (%)"}), late=late, manual=manual,
        failures=collection_failures(data), problems=grading_problems(data), students=students)


def build_report(course: Course, out_dir: Path | None = None, collection_report: Path | None = None,
                 with_grades: bool = True, students=None) -> Path:
    """Write index.html, the PNGs (and, by default, the grade CSVs) to `out_dir`
    (default `<course>/reports/<assignment>/`); returns the HTML path. `students`: fnmatch
    globs (default: the whole class; nbgrader's grades.csv is always the whole class)."""
    out_dir = Path(out_dir) if out_dir else course.root / "reports" / course.assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    data = class_data(course, collection_report, students)
    made = {**generic_figures(data), **{s.anchor: s.figure for s in data.extra if s.figure is not None}}
    images = {stem: png(fig) for stem, fig in made.items()}
    for stem, png_bytes in images.items():
        (out_dir / f"{stem}.png").write_bytes(png_bytes)
    if with_grades:
        grades.write_grades(course, out_dir, data.outcomes)
    page = out_dir / "index.html"
    page.write_text(render_html(data, images), encoding="utf-8")
    return page
