"""What travels to a worker and back: plain data, so it pickles for a process pool or Dask.

A job carries everything a worker needs — the submission's files, the assignment definition as
a private gradebook, the course's nbgrader config text, the non-notebook source files — so a
worker on another machine needs the same software but no shared filesystem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sandbox.limits import Limits


@dataclass
class GradingJob:
    student: str
    assignment: str
    key: str                                  # content hash: same key, same result
    submission: dict[str, bytes]              # files under submitted/<student>/<assignment>/
    source_files: dict[str, bytes]            # non-notebook files of source/<assignment>/
    gradebook: bytes                          # sqlite: the assignment definition, no students
    config: str                               # the course's nbgrader_config.py
    sandbox: bool = True
    limits: Limits = field(default_factory=Limits)
    extra_config: str = ""                    # e.g. an Execute.timeout override
    rejected: str = ""                        # why the submission was not even sent to grading
    verify: bool = True                       # decide test cells in a clean process (verify/)
    secret_env: dict[str, str] = field(default_factory=dict)   # for the verifier only, never the kernel


@dataclass
class GradingResult:
    student: str
    assignment: str
    key: str
    ok: bool                                  # nbgrader produced the autograded notebook(s)
    files: dict[str, bytes] = field(default_factory=dict)   # autograded/<student>/<assignment>/
    reasons: list[str] = field(default_factory=list)        # why it was cut off, if it was
    seconds: float = 0.0
    log_tail: str = ""
    worker: str = ""
    grader_error: str = ""                    # the grader itself failed: record no score, retry later
    verified: str = ""                        # "clean-process" or "kernel": who decided the test cells

    @property
    def notebooks(self) -> dict[str, bytes]:
        return {k: v for k, v in self.files.items() if k.endswith(".ipynb") and "/" not in k}
