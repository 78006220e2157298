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

from . import course, gradebook, nbgrader_commands, recipes

EXAMPLES = Path(__file__).parent / "examples" / course.ASSIGNMENT
PARTS = course.PARTS
DEADLINE = "2026-11-30T23:59:00+08:00"
ON_TIME, LATE = "2026-11-29T20:00:00+08:00", "2026-12-01T09:30:00+08:00"


@dataclass(frozen=True)
class ExampleStudent:
    student_id: str
    name: str
    recipe: str | None        # example submission in examples/day76/, None = nothing pushed
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


def publish_class(server, students=CLASS, course_root: Path = course.COURSE_ROOT) -> list[dict]:
    """Commit each example student's notebook to the local 'GitHub'; returns roster rows with links."""
    rows = []
    for st in students:
        folder = "Day_076"
        if st.recipe is None:
            link = "https://drive.google.com/file/d/1AbCdEf/view?usp=sharing"
        else:
            nb = recipes.build_submission((EXAMPLES / f"{st.recipe}.py").read_text(encoding="utf-8"),
                                          course_root=course_root)
            text = nbformat.writes(nb)
            if st.link_form == "gist":
                gist_id = f"{int(st.student_id[1:]):032x}"
                server.gist(gist_id).write(course.NOTEBOOK, text).commit("homework", date=st.committed)
                link = f"https://gist.github.com/{st.student_id}/{gist_id}"
            else:
                owner, repo = f"student-{st.student_id}", "ML100Days"
                server.repo(owner, repo).write(f"{folder}/{course.NOTEBOOK}", text).commit(
                    "Day 76 homework", date=st.committed)
                link = {
                    "blob": f"https://github.com/{owner}/{repo}/blob/main/{folder}/{course.NOTEBOOK}",
                    "repo": f"https://github.com/{owner}/{repo}",
                    "tree": f"https://github.com/{owner}/{repo}/tree/main/{folder}/",
                    "raw": f"https://raw.githubusercontent.com/{owner}/{repo}/main/{folder}/{course.NOTEBOOK}",
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


def part_scores(cells: dict[str, float | None], maxima: dict[str, float]) -> dict[str, tuple[float, float]]:
    """{part: (score, max)} for the autograded parts, from a student's cell scores."""
    return {part: (sum(cells.get(c) or 0.0 for c in ids), sum(maxima[c] for c in ids)) for part, ids in PARTS.items()}


def grade_table(course_root: Path) -> list[dict]:
    cells_by_student = gradebook.cell_scores(course_root)
    maxima = gradebook.max_scores(course_root)
    rows = []
    for student, cells in sorted(cells_by_student.items()):
        parts = part_scores(cells, maxima)
        row = {"student": student, **{p: s for p, (s, _) in parts.items()}}
        row["autograded"] = sum(s for s, _ in parts.values())
        row["of"] = sum(m for _, m in parts.values())
        row["manual"] = "to grade" if cells.get("reflection") is None else cells["reflection"]
        rows.append(row)
    return rows


def print_table(rows: list[dict], collection: dict[str, str] | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Day 76 homework: autograded scores")
    columns = ["student", *PARTS, "autograded", "reflection"] + (["collected"] if collection else [])
    for col in columns:
        table.add_column(col, justify="left" if col in ("student", "collected") else "right")
    graded = {r["student"] for r in rows}
    for r in rows:
        extra = [collection.get(r["student"], "")] if collection else []
        table.add_row(r["student"], *(f"{r[p]:g}" for p in PARTS), f"{r['autograded']:g} / {r['of']:g}",
                      str(r["manual"]), *extra)
    for student, status in sorted((collection or {}).items()):
        if student not in graded:
            table.add_row(student, "-", "-", "-", "-", status)
    Console().print(table)


def run_demo(out: Path, workers: int = 2, sandbox: bool = True, students=CLASS) -> int:
    from .collect import collect_class, print_report, write_report
    from .feedback.html import generate_feedback
    from .feedback.markdown import write_summaries
    from .grading.coordinator import grade_assignment
    from .grading.runners import LocalRunner
    from .localgit import GitServer
    from .reports.class_report import build_report

    out = Path(out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    root = nbgrader_commands.copy_course(out / "course")
    started = time.monotonic()
    print(f"==> nbgrader generate_assignment {course.ASSIGNMENT}  (scratch course {root})")
    nbgrader_commands.run(["generate_assignment", course.ASSIGNMENT, "--force"], root)
    # a due date in the gradebook lets nbgrader compute lateness from each timestamp.txt
    nbgrader_commands.run(["db", "assignment", "add", course.ASSIGNMENT, f"--duedate={DEADLINE}"], root)

    with GitServer(out / "github") as server:
        roster = write_roster(publish_class(server, students, course_root=root), out / "links.csv")
        print(f"==> {len(students)} example students pushed their homework to a local GitHub stand-in; links in {roster}")
        print(f"==> collecting (deadline {DEADLINE})")
        results = collect_class(roster, root, deadline=DEADLINE, git_config=server.git_config(), progress=False)
    report_csv = write_report(results, root / "collected" / course.ASSIGNMENT / "report.csv")
    print_report(results)

    print(f"==> grading with {workers} workers, {'each kernel in a bubblewrap sandbox' if sandbox else 'NO sandbox'}")
    summary = grade_assignment(root, course.ASSIGNMENT, runner=LocalRunner(workers), sandbox=sandbox)
    for student, result in sorted(summary.results.items()):
        if result.reasons:
            print(f"    {student}: " + "; ".join(result.reasons))

    print("==> feedback (hidden tests' code removed), Markdown summaries, grades and the class report")
    pages = generate_feedback(root)
    summaries = write_summaries(root, collection_report=report_csv)
    page = build_report(root, collection_report=report_csv)

    statuses = {r.student_id: str(r.status) for r in results}
    print_table(grade_table(root), statuses)
    print(f"done in {time.monotonic() - started:.0f} s")
    print(f"  class report:         {page}")
    print(f"  grades:               {page.parent / 'grades.csv'}, {page.parent / 'per_question.csv'}")
    print(f"  feedback (HTML):      {root / 'feedback'}  ({sum(len(v) for v in pages.values())} pages)")
    print(f"  summaries (Markdown): {next(iter(summaries.values())).parent if summaries else '-'}")
    print(f"  collection report:    {report_csv}")
    print(f"  course (gradebook):   {root}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m day76.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("demo-out"), help="where the scratch course goes (default: demo-out/)")
    args = parser.parse_args(argv)
    return run_demo(args.out)


if __name__ == "__main__":
    raise SystemExit(main())
