"""Wall time of each lesson notebook executed headless (nbclient), as a student's "Run All" takes
on this machine. Prints each notebook's total against the 60 s target, and the slowest cells.

The notebooks import their helper modules (course/day76_*.py) from the folder they sit in, so each
run happens in a scratch copy of course/, as a student's JupyterLab runs them from course/.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

COURSE = Path(__file__).resolve().parent.parent / "course"
LESSONS = ["Day76-Optimizer_example.ipynb", "Day76-Optimizer_advanced.ipynb"]
TARGET_S = 60.0   # issue 14: each lesson runs top to bottom in under a minute on 2 cores


def time_notebook(path: Path, timeout: int = 300) -> tuple[float, list[tuple[float, str]], list[str]]:
    """(total seconds with kernel start, [(seconds, label)] slowest first, error outputs)."""
    nb = nbformat.read(path, as_version=4)
    workdir = Path(tempfile.mkdtemp(prefix="day76-lesson-"))
    for helper in COURSE.glob("day76_*.py"):
        shutil.copy2(helper, workdir / helper.name)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}})
    timings = []
    started = time.perf_counter()
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                t = time.perf_counter()
                client.execute_cell(cell, index)
                if cell.cell_type == "code":
                    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                    timings.append((time.perf_counter() - t, f"cell {index}: {first[:60]}"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    total = time.perf_counter() - started
    errors = [f"cell {i}: {o.ename}: {o.evalue[:200]}" for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    return total, sorted(timings, reverse=True), errors


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    failed = False
    names = sys.argv[1:] or LESSONS
    for name in names:
        total, timings, errors = time_notebook(COURSE / name)
        failed |= bool(errors)
        load = os.getloadavg()[0]
        print(f"{name}: {total:.1f} s wall time ({total / TARGET_S:.2f} of the {TARGET_S:.0f} s target; kernel start "
              f"included; {os.cpu_count()} cores, load average {load:.1f} at the end)")
        for error in errors:
            print(f"    ERROR {error}")
        for seconds, label in timings[:5]:
            print(f"    {seconds:6.1f} s  {label}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
