"""An IPython extension loaded into every sandboxed kernel: a cap on what one cell may print.

ipykernel buffers `print` output and may send a whole loop's worth as one message, so a cell that
prints a gigabyte would make the grading process receive and decode a gigabyte. Counting inside
the kernel stops it at the source: once a cell has printed more than the cap, further writes to
stdout/stderr raise OutputLimitError in the student's code, which nbgrader records as that cell's
error (`CappedExecute` in the grader remains as a second line of defence).
"""

from __future__ import annotations

import os

CAP_VAR = "AUTOGRADER_OUTPUT_CAP"


class OutputLimitError(RuntimeError):
    """This cell printed more than the grader keeps."""


def load_ipython_extension(ip) -> None:
    from ipykernel.iostream import OutStream

    cap = int(os.environ.get(CAP_VAR, "0") or 0)
    if cap <= 0 or getattr(OutStream, "_autograder_capped", False):
        return
    printed = [0]
    original_write = OutStream.write

    def write(self, string):
        printed[0] += len(string)
        if printed[0] > cap:
            raise OutputLimitError(f"output cut off: this cell printed more than {cap >> 20} MiB")
        return original_write(self, string)

    def reset(*args, **kwargs):
        printed[0] = 0

    OutStream.write = write
    OutStream._autograder_capped = True
    ip.events.register("pre_run_cell", reset)
