"""The student's results tables must say what their histories say."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .. import data
from .histories import KEYS, require_history
from .integrity import assert_untampered
from .records import record

TOLERANCE = 1e-5


def _close(a, b) -> bool:
    return bool(np.isfinite(a)) and abs(float(a) - float(b)) <= TOLERANCE * max(1.0, abs(float(b)))


def _require_frame(df, name: str, columns):
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise AssertionError(f"{name} must be a pandas DataFrame, not {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AssertionError(f"{name} is missing the column(s) {missing}.")
    return df


def assert_final_epoch_table(df, histories: Mapping, name: str = "results_part1") -> None:
    """One row per optimizer (the index, or an 'optimizer' column) holding the last epoch's values."""
    assert_untampered()
    _require_frame(df, name, KEYS)
    if not histories:
        raise AssertionError("there are no histories to compare the table with: run your training cell first.")
    if "optimizer" in df.columns:
        df = df.set_index("optimizer")
    for opt, h in histories.items():
        metrics = require_history(h, f"histories[{opt!r}]")
        if opt not in df.index:
            raise AssertionError(f"{name} has no row for {opt!r}.")
        row = df.loc[opt]
        for key in KEYS:
            if not _close(row[key], metrics[key][-1]):
                raise AssertionError(f"{name}.loc[{opt!r}, {key!r}] is {row[key]!r} but the last epoch of "
                                     f"histories[{opt!r}] says {metrics[key][-1]!r}: read the table from the histories.")


def assert_epoch_table(df, histories: Mapping, epoch_counts: Sequence[int], name: str = "results_part2") -> None:
    """One row per (batch size, epochs): the history after that many epochs, and the number of updates."""
    assert_untampered()
    _require_frame(df, name, ("batch_size", "epochs", "updates") + KEYS)
    if not histories or not len(epoch_counts):
        raise AssertionError(f"there are no histories or epoch counts to compare {name} with: run your training cell first.")
    rows = []
    for bs, h in histories.items():
        metrics = require_history(h, f"histories_part2[{bs!r}]")
        for e in epoch_counts:
            matches = df[(df["batch_size"] == bs) & (df["epochs"] == e)]
            if len(matches) != 1:
                raise AssertionError(f"{name} should have exactly one row with batch_size={bs} and epochs={e}; "
                                     f"it has {len(matches)}.")
            row = matches.iloc[0]
            updates = e * data.steps_per_epoch(bs)
            if int(row["updates"]) != updates:
                raise AssertionError(f"{name}: batch size {bs} after {e} epochs makes {e} x ceil({data.n_train()}/{bs}) "
                                     f"= {updates} updates, the table says {row['updates']}.")
            if e > len(metrics["loss"]):
                raise AssertionError(f"histories_part2[{bs}] has only {len(metrics['loss'])} epochs, the table asks for {e}.")
            for key in KEYS:
                if not _close(row[key], metrics[key][e - 1]):
                    raise AssertionError(f"{name} row (batch_size={bs}, epochs={e}) has {key}={row[key]!r}, but "
                                         f"histories_part2[{bs}] says {metrics[key][e - 1]!r} after {e} epochs.")
            rows.append({"batch_size": bs, "epochs": e, "updates": updates,
                         **{key: float(metrics[key][e - 1]) for key in KEYS}})
    record("epoch_table", rows=rows)  # verified rows only: the class report's batch-size x epochs trend
