"""The demo: the assignment built by nbgrader and the bundled example submissions graded by it.

Runs in a scratch copy of the course (never the real one), so it can be repeated safely.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from . import course, gradebook, nbgrader_cli, recipes

EXAMPLES = Path(__file__).parent / "examples" / course.ASSIGNMENT
PARTS = {
    "作業1": ("test_p1_public", "test_p1_accuracy", "test_p1_consistency", "test_p1_plot"),
    "作業2": ("test_p2_public", "test_p2_accuracy", "test_p2_consistency", "test_p2_plot"),
}


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


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Day 76 homework: autograded scores")
    for col in ("student", *PARTS, "autograded", "reflection"):
        table.add_column(col, justify="left" if col == "student" else "right")
    for r in rows:
        table.add_row(r["student"], *(f"{r[p]:g}" for p in PARTS), f"{r['autograded']:g} / {r['of']:g}", str(r["manual"]))
    Console().print(table)


def run_demo(out: Path) -> int:
    out = Path(out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    root = nbgrader_cli.copy_course(out / "course")
    started = time.monotonic()
    print(f"==> nbgrader generate_assignment {course.ASSIGNMENT}  (in {root})")
    nbgrader_cli.run(["generate_assignment", course.ASSIGNMENT, "--force"], root)
    for path in sorted(EXAMPLES.glob("*.py")):
        nb = recipes.build_submission(path.read_text(encoding="utf-8"), course_root=root)
        recipes.write_submission(nb, path.stem, course_root=root)
        print(f"    example submission: {path.stem}")
    print(f"==> nbgrader autograde {course.ASSIGNMENT}  (one student after another)")
    nbgrader_cli.run(["autograde", course.ASSIGNMENT, "--force"], root)
    print_table(grade_table(root))
    print(f"graded in {time.monotonic() - started:.0f} s; autograded notebooks in {root / 'autograded'}, "
          f"gradebook {root / 'gradebook.db'}")
    return 0
