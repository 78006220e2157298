"""`make demo`: the whole pipeline, offline, on a handful of example students.

    example notebooks --(git commits)--> local GitHub stand-in --(links.csv)--> collect
      --> grade (sandboxed, in parallel) --> feedback --> class report

Everything happens under `demo-out/` (a scratch copy of the course), never in `homework/`, so the
demo can be run again at will. The students' "GitHub" is `autograder.localgit.GitServer` on
loopback; git's own `url.<base>.insteadOf` points https://github.com/ at it, exactly as the tests do.
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import nbgrader_commands
from autograder.course import Course

from . import EXAMPLES, HOMEWORK, recipes

DEADLINE = "2026-11-30T23:59:00+08:00"
ON_TIME, LATE = "2026-11-29T20:00:00+08:00", "2026-12-01T09:30:00+08:00"


@dataclass(frozen=True)
class ExampleStudent:
    student_id: str
    name: str
    recipe: str | None        # example submission in day76/examples/, None = nothing pushed
    link_form: str            # how the student pastes the link
    committed: str = ON_TIME


CLASS = (
    ExampleStudent("s01", "王小明 (good)", "good", "blob"),
    ExampleStudent("s02", "李美玲 (partial)", "partial", "repo"),
    ExampleStudent("s03", "陳志豪 (late)", "good", "tree", committed=LATE),
    ExampleStudent("s04", "林怡君 (broken link)", None, "drive"),
    ExampleStudent("s05", "張家豪 (hostile)", "hostile", "gist"),
    ExampleStudent("s06", "黃淑芬 (blank)", "blank", "raw"),
)


def publish_class(server, course: Course, students=CLASS) -> list[dict]:
    """Commit each example student's notebook to the local 'GitHub'; returns roster rows with links."""
    rows = []
    name = course.notebook
    for st in students:
        folder = "Day_076"
        if st.recipe is None:
            link = "https://drive.google.com/file/d/1AbCdEf/view?usp=sharing"
        else:
            nb = recipes.build_submission(recipes.load_recipe(EXAMPLES / f"{st.recipe}.py"), course)
            text = nbformat.writes(nb)
            if st.link_form == "gist":
                gist_id = f"{int(st.student_id[1:]):032x}"
                server.gist(gist_id).write(name, text).commit("homework", date=st.committed)
                link = f"https://gist.github.com/{st.student_id}/{gist_id}"
            else:
                owner, repo = f"student-{st.student_id}", "ML100Days"
                server.repo(owner, repo).write(f"{folder}/{name}", text).commit(
                    "Day 76 homework", date=st.committed)
                link = {
                    "blob": f"https://github.com/{owner}/{repo}/blob/main/{folder}/{name}",
                    "repo": f"https://github.com/{owner}/{repo}",
                    "tree": f"https://github.com/{owner}/{repo}/tree/main/{folder}/",
                    "raw": f"https://raw.githubusercontent.com/{owner}/{repo}/main/{folder}/{name}",
                }[st.link_form]
        rows.append({"student_id": st.student_id, "name": st.name, "link": link})
    return rows


def write_roster(rows: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["student_id", "name", "link"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def grade_table(course: Course) -> list[dict]:
    """One row per graded student: points per part, autograded total, the reflection (from outcomes)."""
    from autograder.outcome import read_outcomes

    rows = []
    for student, outcome in sorted(read_outcomes(course).items()):
        if outcome.status not in ("graded", "not_gradable"):
            continue
        parts = outcome.parts()
        row = {"student": student, **{p: parts[p].score for p in course.parts if p in parts}}
        row["autograded"], row["of"] = outcome.autograded, outcome.autograded_max
        row["manual"] = "to grade" if outcome.manual is None else outcome.manual
        rows.append(row)
    return rows


def print_table(course: Course, rows: list[dict], collection: dict[str, str] | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{course.title}: autograded scores")
    columns = ["student", *course.parts, "autograded", "reflection"] + (["collected"] if collection else [])
    for col in columns:
        table.add_column(col, justify="left" if col in ("student", "collected") else "right")
    graded = {r["student"] for r in rows}
    for r in rows:
        extra = [collection.get(r["student"], "")] if collection else []
        table.add_row(r["student"], *(f"{r.get(p, 0):g}" for p in course.parts), f"{r['autograded']:g} / {r['of']:g}",
                      str(r["manual"]), *extra)
    for student, status in sorted((collection or {}).items()):
        if student not in graded:
            table.add_row(student, *["-"] * (len(course.parts) + 2), status)
    Console().print(table)


def run_demo(out: Path, workers: int = 2, sandbox: bool = True, students=CLASS) -> int:
    import secrets

    from autograder.collect import collect_class, deadline_zone, print_report, write_report
    from autograder.feedback.html import generate_feedback
    from autograder.feedback.markdown import write_summaries
    from autograder.grading.coordinator import grade_assignment
    from autograder.grading.runners import LocalRunner
    from autograder.grading.settings import GradeSettings
    from autograder.localgit import GitServer
    from autograder.reports.class_report import build_report

    out = Path(out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    root = nbgrader_commands.copy_course(out / "course", HOMEWORK)
    course = Course.load(root)
    started = time.monotonic()
    print(f"==> nbgrader generate_assignment {course.assignment}  (scratch course {root})")
    nbgrader_commands.run(["generate_assignment", course.assignment, "--force"], root)
    # a due date in the gradebook lets nbgrader compute lateness from each timestamp.txt
    nbgrader_commands.set_due_date(root, course.assignment, DEADLINE)

    with GitServer(out / "github") as server:
        roster = write_roster(publish_class(server, course, students), out / "links.csv")
        print(f"==> {len(students)} example students pushed their homework to a local GitHub stand-in; links in {roster}")
        print(f"==> collecting (deadline {DEADLINE})")
        results = collect_class(roster, root, course.assignment, course.notebook, deadline=DEADLINE,
                                zone=deadline_zone(course.config).tz, git_config=server.git_config(),
                                release=course.release_notebook(), progress=False)
    report_csv = write_report(results, root / "collected" / course.assignment / "report.csv")
    print_report(results)

    # the secret test set's key: an instructor keeps one in the grading shell; the demo makes one
    settings = GradeSettings(config=course.config)
    secret_env = {name: secrets.token_hex(16) for name in settings.secret_env}
    print(f"==> grading with {workers} workers, {'each kernel in a bubblewrap sandbox' if sandbox else 'NO sandbox'}, "
          "test cells decided in a clean process")
    summary = grade_assignment(root, course.assignment, runner=LocalRunner(workers), sandbox=sandbox,
                               secret_env=secret_env, progress=False)
    for student, result in sorted(summary.results.items()):
        if result.reasons or result.grader_error:
            print(f"    {student}: " + "; ".join(result.reasons + ([result.grader_error] if result.grader_error else [])))

    print("==> feedback (hidden tests' code removed), Markdown summaries, grades and the class report")
    pages = generate_feedback(course)
    summaries = write_summaries(course, collection_report=report_csv)
    page = build_report(course, collection_report=report_csv)

    statuses = {r.student_id: str(r.status) for r in results}
    print_table(course, grade_table(course), statuses)
    print(f"done in {time.monotonic() - started:.0f} s")
    print(f"  class report:         {page}")
    print(f"  grades:               {page.parent / 'grades.csv'}, {page.parent / 'per_question.csv'}")
    print(f"  feedback (HTML):      {root / 'feedback'}  ({sum(len(v) for v in pages.values())} pages)")
    print(f"  summaries (Markdown): {next(iter(summaries.values())).parent if summaries else '-'}")
    print(f"  collection report:    {report_csv}")
    print(f"  course (gradebook):   {root}")
    return 1 if summary.grader_errors else 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m day76.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("demo-out"), help="where the scratch course goes (default: demo-out/)")
    args = parser.parse_args(argv)
    return run_demo(args.out)


if __name__ == "__main__":
    raise SystemExit(main())
