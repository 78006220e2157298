"""The student's results tables must say what their histories say, at the precision they show.

A table rounded for display (`results_part1.round(2)`, `.round(4)`) is read as a person reads it:
a value shown with k decimals (k >= 2) is right when it is the history's value rounded to k
decimals (either way at an exact tie); a value at full precision must equal the history up to
float32 rounding. Numbers may be Python, numpy or pandas types. Every required row is checked
(all three optimizers; every batch size in BATCH_SIZES x every epoch count), and a table that
cannot be read gives a reason, never a crash.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .. import data
from .histories import KEYS, OPTIMIZERS, require_history, required_batch_sizes
from .integrity import assert_untampered
from .records import record

TOLERANCE = 1e-5          # full precision: float32 histories copied into float64 tables
MIN_DECIMALS = 2          # fewer decimals than this are not a report of the value
_MAX_SHOWN = 6            # more decimals than this: compared at full precision


def decimals_shown(value: float) -> int | None:
    """How many decimals a rounded value shows (0.96 -> 2, 0.9617 -> 4); None at full precision."""
    for k in range(0, _MAX_SHOWN + 1):
        if abs(value - round(value, k)) <= 1e-12 * max(1.0, abs(value)):
            return k
    return None


def matches(shown, recorded) -> bool:
    """Is `shown` (a table cell) the `recorded` history value at the precision it shows?"""
    try:
        v, h = float(shown), float(recorded)
    except (TypeError, ValueError):
        return False
    if not (math.isfinite(v) and math.isfinite(h)):
        return False
    if abs(v - h) <= TOLERANCE * max(1.0, abs(h)):
        return True
    k = decimals_shown(v)
    if k is None:
        return False
    k = max(k, MIN_DECIMALS)
    return abs(v - h) <= 0.5 * 10.0 ** -k + 1e-12


def _number(value) -> str:
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return repr(value)


def _require_frame(df, name: str, columns):
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise AssertionError(f"{name} must be a pandas DataFrame, not {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AssertionError(f"{name} is missing the column(s) {missing}.")
    return df


def _guarded(check, name: str):
    """Run `check`; an unexpected error becomes a reason for the student (a check never crashes)."""
    try:
        return check()
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(f"{name} could not be checked ({type(exc).__name__}: {exc}): build it with "
                             "pd.DataFrame from the histories, one row per result.") from None


def final_epoch_problem(df, histories: Mapping, name: str = "results_part1", required=OPTIMIZERS) -> str | None:
    """Why `df` is not the last epoch of each history (None when it is). Never raises."""
    try:
        assert_final_epoch_table(df, histories, name, required, _untampered=False)
    except AssertionError as exc:
        return str(exc)
    return None


def assert_final_epoch_table(df, histories: Mapping, name: str = "results_part1", required=OPTIMIZERS,
                             _untampered: bool = True) -> None:
    """One row per optimizer (the index, or an 'optimizer' column) holding the last epoch's values."""
    if _untampered:
        assert_untampered()

    def check():
        table = _require_frame(df, name, KEYS)
        if not isinstance(histories, Mapping) or not histories:
            raise AssertionError("there are no histories to compare the table with: run your training cell first.")
        if "optimizer" in table.columns:
            table = table.set_index("optimizer")
        for opt in (required if required is not None else list(histories)):
            if opt not in histories:
                raise AssertionError(f"there is no history for {opt!r} to compare {name} with: train every optimizer "
                                     "the assignment asks for.")
            metrics = require_history(histories[opt], f"histories[{opt!r}]")
            rows = table[table.index == opt]
            if len(rows) != 1:
                raise AssertionError(f"{name} should have exactly one row for {opt!r}; it has {len(rows)}.")
            row = rows.iloc[0]
            for key in KEYS:
                if not matches(row[key], metrics[key][-1]):
                    raise AssertionError(f"{name}.loc[{opt!r}, {key!r}] is {_number(row[key])} but the last epoch of "
                                         f"histories[{opt!r}] says {metrics[key][-1]!r}: read the table from the "
                                         "histories.")

    _guarded(check, name)


def assert_epoch_table(df, histories: Mapping, epoch_counts: Sequence[int], name: str = "results_part2",
                       batch_sizes=None) -> None:
    """One row per (batch size, epochs): the history after that many epochs, and the number of updates.
    Every batch size in `batch_sizes` (default: the histories') and every epoch count is required."""
    assert_untampered()
    rows_out = []

    def check():
        table = _require_frame(df, name, ("batch_size", "epochs", "updates") + KEYS)
        counts = [] if epoch_counts is None else [int(e) for e in np.asarray(epoch_counts).ravel()]
        if not isinstance(histories, Mapping) or not histories or not counts:
            raise AssertionError(f"there are no histories or epoch counts to compare {name} with: run your training "
                                 "cell first.")
        sizes = list(histories) if batch_sizes is None else required_batch_sizes(batch_sizes)
        for bs in sizes:
            if bs not in histories:
                raise AssertionError(f"histories_part2 has no {bs!r} to compare {name} with: train every batch size "
                                     "in BATCH_SIZES.")
            metrics = require_history(histories[bs], f"histories_part2[{bs!r}]")
            for e in counts:
                found = table[(table["batch_size"] == bs) & (table["epochs"] == e)]
                if len(found) != 1:
                    raise AssertionError(f"{name} should have exactly one row with batch_size={bs} and epochs={e}; "
                                         f"it has {len(found)}.")
                row = found.iloc[0]
                updates = e * data.steps_per_epoch(int(bs))
                if not matches(row["updates"], updates) or decimals_shown(float(row["updates"])) != 0:
                    raise AssertionError(f"{name}: batch size {bs} after {e} epochs makes {e} x ceil({data.n_train()}/{bs}) "
                                         f"= {updates} updates, the table says {row['updates']}.")
                if not 0 < e <= len(metrics["loss"]):
                    raise AssertionError(f"histories_part2[{bs}] has {len(metrics['loss'])} epochs, the table asks for {e}.")
                for key in KEYS:
                    if not matches(row[key], metrics[key][e - 1]):
                        raise AssertionError(f"{name} row (batch_size={bs}, epochs={e}) has {key}={_number(row[key])}, "
                                             f"but histories_part2[{bs}] says {metrics[key][e - 1]!r} after {e} epochs.")
                rows_out.append({"batch_size": int(bs), "epochs": e, "updates": updates,
                                 **{key: float(metrics[key][e - 1]) for key in KEYS}})

    _guarded(check, name)
    record("epoch_table", rows=rows_out)  # verified rows only: the class report's batch-size x epochs trend
