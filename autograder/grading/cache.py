"""Finished results on disk, keyed by the job's content hash: resume and incremental regrades.

A result is saved (atomically) the moment it arrives, before it is recorded in the gradebook, so
a run killed half-way loses at most the jobs that were still running. Same key = same submission,
same tests, same config and limits, so its result can be reused without executing anything.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from .jobs import GradingResult


class ResultCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str, student: str | None = None) -> GradingResult | None:
        path = self._path(key)
        try:
            with open(path, "rb") as f:
                result = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError):
            return None
        if not isinstance(result, GradingResult) or result.key != key:
            return None
        return result if student is None or result.student == student else None

    def put(self, result: GradingResult) -> None:
        path = self._path(result.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(result, f)
        os.replace(tmp, path)
