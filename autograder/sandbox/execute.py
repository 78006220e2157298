"""nbgrader's Execute preprocessor with a cap on how much output a notebook may produce.

nbgrader's LimitOutput trims lines only after execution, so a submission that prints a gigabyte
first makes the grader hold a gigabyte in memory. This subclass counts each cell's output bytes
as they arrive; past the cap it keeps nothing more of that cell, interrupts it once, leaves a
visible note in the cell, and records the cut-off for the grading report. Other cells start
afresh, so a chatty cell never costs the tests that follow it. Everything else — timeouts,
scoring, IgnorePattern, LimitOutput — is nbgrader's own code, so honest notebooks grade exactly as
with plain nbgrader.
"""

from __future__ import annotations

import asyncio
import json
import os

import nbformat
from nbgrader.preprocessors import Execute
from traitlets import Integer

EVENTS_VAR = "AUTOGRADER_EVENTS"      # a JSON-lines file the worker reads back
SANDBOX_VAR = "AUTOGRADER_SANDBOX"    # set by the worker: see kernel.py


def record_event(kind: str, **details) -> None:
    path = os.environ.get(EVENTS_VAR)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"kind": kind, **details}) + "\n")


def _size(msg: dict) -> int:
    content = msg.get("content", {})
    if "text" in content:
        return len(content["text"])
    return len(json.dumps(content.get("data", content), default=str))


class CappedExecute(Execute):
    max_output_bytes = Integer(
        20 * 1024 * 1024, help="Output bytes kept per cell before cutting off (-1: no cap)."
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute passes AsyncKernelManager as a keyword, which would beat config;
        # the grading worker asks for the sandbox through the environment instead.
        if os.environ.get(SANDBOX_VAR):
            from .kernel import SandboxedKernelManager
            kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._output_seen: dict[int, int] = {}
        self._cut_cells: set[int] = set()
        return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):
        if self.max_output_bytes < 0:
            return super().output(outs, msg, display_id, cell_index)
        seen = self._output_seen[cell_index] = self._output_seen.get(cell_index, 0) + _size(msg)
        if seen <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if cell_index not in self._cut_cells:
            self._cut_cells.add(cell_index)
            mib = self.max_output_bytes / 2 ** 20
            note = nbformat.v4.new_output(
                "stream", name="stdout",
                text=f"\n[autograder] output cut off: this cell printed more than {mib:.0f} MiB; "
                     "the cell was interrupted.\n")
            outs.append(note)
            record_event("output_cap", cell_index=cell_index, limit_bytes=self.max_output_bytes)
            # the kernel may have queued far more than the cap: let the client drain it (and
            # drop it) instead of failing the whole notebook on nbgrader's 4 s iopub timeout
            self.raise_on_iopub_timeout = False
            self.iopub_timeout = max(self.iopub_timeout, 60)
            if self.km is not None:
                asyncio.ensure_future(self.km.interrupt_kernel())
        return None
