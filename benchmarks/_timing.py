"""Execute a notebook headless (nbclient) cell by cell and time it, kernel start included."""

from __future__ import annotations

import tempfile
import time
from typing import Callable

from nbclient import NotebookClient


def run_timed(nb, label: Callable[[int, object], str], timeout: int = 900,
              allow_errors: bool = False) -> tuple[float, list[tuple[float, str]], int]:
    """(total seconds, [(seconds, label)] slowest first, number of error outputs); runs in a scratch folder."""
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": tempfile.mkdtemp(prefix="day76-bench-")}})
    timings = []
    started = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, index)
            if cell.cell_type == "code":
                timings.append((time.perf_counter() - t, label(index, cell)))
    total = time.perf_counter() - started
    errors = sum(o.output_type == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    return total, sorted(timings, reverse=True), errors
