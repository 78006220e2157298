"""The digits data and its fixed split, exactly as the homework's read-only setup cell makes it.

The homework notebook is self-contained (students run it without this package), so its setup
cell repeats this code; `tests/test_homework_data.py` proves the two agree. Hidden tests use
`test_split()`, the 20% the notebook never loads.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SEED = 76
NUM_CLASSES = 10


@lru_cache(maxsize=None)
def _splits(seed: int = SEED) -> dict[str, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X_all = (digits.data / 16.0).astype("float32")
    y_all = digits.target.astype("int64")
    X_rest, X_test, y_rest, y_test = train_test_split(
        X_all, y_all, test_size=0.2, stratify=y_all, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=0.2, stratify=y_rest, random_state=seed)
    arrays = dict(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, X_test=X_test, y_test=y_test)
    for a in arrays.values():
        a.setflags(write=False)  # shared by every check: nobody may change them in place
    return arrays


def train_split() -> tuple[np.ndarray, np.ndarray]:
    s = _splits()
    return s["X_train"], s["y_train"]


def validation_split() -> tuple[np.ndarray, np.ndarray]:
    s = _splits()
    return s["X_val"], s["y_val"]


def test_split() -> tuple[np.ndarray, np.ndarray]:
    """The held-out 20%: only the grader's hidden tests look at it."""
    s = _splits()
    return s["X_test"], s["y_test"]


def n_train() -> int:
    return len(_splits()["y_train"])


def steps_per_epoch(batch_size: int) -> int:
    """Parameter updates in one epoch of `fit` on the training split."""
    return math.ceil(n_train() / int(batch_size))
