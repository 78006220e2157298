"""nbgrader's Execute preprocessor with a cap on output and IPython restored before every test.

nbgrader's LimitOutput trims lines only after execution, so a submission that prints a gigabyte
first makes the grader hold a gigabyte in memory. This subclass counts each cell's output bytes
as they arrive; past the cap it keeps nothing more of that cell, interrupts it once, leaves a
visible note in the cell, and records the cut-off for the grading report. Other cells start
afresh, so a chatty cell never costs the tests that follow it. Everything else — timeouts,
scoring, IgnorePattern, LimitOutput — is nbgrader's own code, so honest notebooks grade exactly as
with plain nbgrader.

In the sandbox, before each test cell (a graded cell that is not a solution), it also asks the
kernel to put back how IPython runs code (`shell_guard.py`) and records anything the submission
had changed, so an input transformer that deletes `assert` lines cannot pass the tests. The
request is silent (no execution count, no history, no output): honest notebooks see nothing.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import time
from queue import Empty

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbgrader.preprocessors import Execute
from traitlets import Integer

from ..hidden_tests import Delimiters, has_hidden_tests
from ..verify.cells import is_test_cell, referenced_names
from .shell_guard import EXPRESSION as RESTORE_SHELL

EVENTS_VAR = "AUTOGRADER_EVENTS"      # a JSON-lines file the worker reads back
SANDBOX_VAR = "AUTOGRADER_SANDBOX"    # set by the worker: see kernel.py
VERIFY_VAR = "AUTOGRADER_VERIFY"      # set by the worker: {"exports": dir, "models": dir} in the kernel's view
GUARD_SECONDS = 30                    # the shell check before a test cell answers within this
EXPORT_SECONDS = 300                  # saving a test cell's variables answers within this
EXPORT_CALL = ("__import__('autograder.verify.snapshot', fromlist=['export']).export("
               "{names!r}, get_ipython().user_ns, {dest!r}, {models!r})")


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
        self._guard_shell = bool(os.environ.get(SANDBOX_VAR))   # the kernel has shell_guard loaded
        self._verify = json.loads(os.environ[VERIFY_VAR]) if os.environ.get(VERIFY_VAR) else None
        self._delimiters = Delimiters.from_config(self.config)
        return super().preprocess(nb, resources, km)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if self._guard_shell and is_test_cell(cell):
            await self._restore_shell(cell.metadata["nbgrader"].get("grade_id") or f"cell {cell_index}")
        if self._verify is not None and is_test_cell(cell):
            # the clean verifier decides this cell: the kernel only exports what the cell reads
            grade_id = cell.metadata["nbgrader"].get("grade_id") or f"cell-{cell_index}"
            await self._export(grade_id, referenced_names(cell.source))
            if has_hidden_tests(cell.source, self._delimiters):
                cell.outputs, cell.execution_count = [], None    # hidden code never runs in the kernel
                return cell
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    # nbclient binds the sync name to its own coroutine; nbconvert's preprocess_cell calls this one
    execute_cell = run_sync(async_execute_cell)

    async def _silent(self, expression: str, seconds: float) -> dict | None:
        """Evaluate one expression in the kernel outside the notebook (no transformers, no
        history, no output); its user_expressions result, or None when the kernel said nothing."""
        msg_id = self.kc.execute("", silent=True, store_history=False,
                                 user_expressions={"value": expression})
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
            except Empty:
                if not await ensure_async(self.kc.is_alive()):
                    return None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        return None

    async def _export(self, grade_id: str, names: list[str]) -> None:
        dest = os.path.join(self._verify["exports"], grade_id)
        reply = await self._silent(EXPORT_CALL.format(names=names, dest=dest, models=self._verify["models"]),
                                   EXPORT_SECONDS)
        value = (reply or {}).get("user_expressions", {}).get("value", {})
        text = value.get("data", {}).get("text/plain", "") if value.get("status") == "ok" else \
            f"{value.get('ename', 'no answer')}: {value.get('evalue', '')}"
        if text != "'ok'":
            record_event("export_problem", cell=grade_id, problem=str(text)[:500])

    async def _restore_shell(self, cell: str) -> None:
        """Have the kernel put back IPython's code-running machinery before a test cell; record
        what had been changed, or that the kernel would not say."""
        reply = await self._silent(RESTORE_SHELL, GUARD_SECONDS)
        if reply is None and not await ensure_async(self.kc.is_alive()):
            return                        # the test cell meets the dead kernel as it would anyway
        result = (reply or {}).get("user_expressions", {}).get("value", {})
        if result.get("status") != "ok":
            if reply is None:
                problem = f"no answer within {GUARD_SECONDS} s"
            elif "ename" in result or reply.get("status") != "ok":
                where = result if "ename" in result else reply
                problem = f"{where.get('ename', 'error')}: {where.get('evalue', '')}"
            else:
                problem = "the kernel did not evaluate the check"
            record_event("shell_unchecked", cell=cell, problem=problem[:200])
            return
        try:
            changed = ast.literal_eval(result["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError):
            changed = ["(an answer that is not a list)"]
        if changed:
            record_event("shell_restored", cell=cell, changed=[str(c) for c in changed][:20])

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
