"""Wall time of the homework's solution notebook executed headless (nbclient), as a student's
"Restart and Run All" would take on this machine. Prints the total and the slowest cells."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import recipes  # noqa: E402


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    nb = recipes.build_submission("# base: solution\n")
    timings = []
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": tempfile.mkdtemp(prefix="day76-bench-")}})
    started = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, index)
            if cell.cell_type == "code":
                timings.append((time.perf_counter() - t, cell.metadata.get("nbgrader", {}).get("grade_id", index)))
    total = time.perf_counter() - started
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    print(f"homework solution notebook: {total:.1f} s wall time for {len(timings)} code cells "
          f"(kernel start included; target < 45 s){' -- ERRORS: %d' % len(errors) if errors else ''}")
    for seconds, name in sorted(timings, reverse=True)[:5]:
        print(f"    {seconds:6.1f} s  {name}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
