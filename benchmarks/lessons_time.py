"""Wall time of each lesson notebook executed headless (nbclient), as a student's "Run All" takes
on this machine. Prints each notebook's total, its share of a 3-minute budget, and the slowest cells."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from _timing import run_timed

COURSE = Path(__file__).resolve().parent.parent / "course"
LESSONS = ["Day76-Optimizer_example.ipynb", "Day76-Optimizer_advanced.ipynb"]
BUDGET_S = 180.0   # "runs top to bottom in a few minutes"


def time_notebook(path: Path) -> tuple[float, list[tuple[float, str]], int]:
    def label(index, cell):
        first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        return f"cell {index}: {first_line[:60]}"

    return run_timed(nbformat.read(path, as_version=4), label, allow_errors=True)


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    failed = False
    totals = {}
    for name in LESSONS:
        total, timings, errors = time_notebook(COURSE / name)
        totals[name] = total
        failed |= errors > 0
        print(f"{name}: {total:.1f} s wall time ({total / BUDGET_S:.2f} of a {BUDGET_S:.0f} s budget; kernel start included)"
              f"{' -- ERRORS: %d' % errors if errors else ''}")
        for seconds, label in timings[:3]:
            print(f"    {seconds:6.1f} s  {label}")
    names = list(totals)
    print(f"advanced / example time ratio: {totals[names[1]] / totals[names[0]]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
