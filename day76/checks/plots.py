"""Where a hidden test checks a plot.

Jupyter's inline backend closes every figure when its cell ends, so `plt.gcf()` finds nothing:
the homework keeps each figure in a `fig_...` variable, and these checks read its Axes. A curve
counts when a labelled line names its series (an optimizer, a batch size) and its y-data equal
the recorded history (every epoch, or the values at the chosen epoch counts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from .histories import require_history
from .integrity import assert_untampered

TOLERANCE = 1e-6
_PRETTY = {"accuracy": "training accuracy", "val_accuracy": "validation accuracy",
           "loss": "training loss", "val_loss": "validation loss"}


def labelled_lines(fig) -> list[tuple[object, object, str, np.ndarray]]:
    """(axes, line, label, y-data) for every line a legend would show."""
    out = []
    for ax in fig.axes:
        for line in ax.get_lines():
            label = str(line.get_label())
            if not label or label.startswith("_"):
                continue
            try:
                y = np.asarray(line.get_ydata(), dtype=float)
            except (TypeError, ValueError):
                continue
            out.append((ax, line, label, y))
    return out


def names_series(label: str, name) -> bool:
    """Does a legend label name this series? Numbers must stand alone (batch 16 is not batch 160)."""
    text = str(name)
    if isinstance(name, (int, np.integer)):
        return re.search(rf"(?<!\d){re.escape(text)}(?!\d)", label) is not None
    return re.search(rf"(?<![A-Za-z]){re.escape(text)}(?![A-Za-z])", label, re.IGNORECASE) is not None


def _same(y: np.ndarray, expected: np.ndarray) -> bool:
    return y.shape == expected.shape and bool(np.all(np.abs(y - expected) <= TOLERANCE * np.maximum(1, np.abs(expected))))


def _assert_axes_readable(ax) -> None:
    title = ax.get_title() or ax.get_title("left") or ax.get_title("right")
    missing = [what for what, text in (("a title", title), ("an x-axis label", ax.get_xlabel()),
                                       ("a y-axis label", ax.get_ylabel())) if not text.strip()]
    if ax.get_legend() is None and not ax.figure.legends:
        missing.append("a legend")
    if missing:
        raise AssertionError(f"the panel {title or '(untitled)'!r} needs " + ", ".join(missing) + ".")


def assert_plots_histories(fig, histories: Mapping, keys: Sequence[str], at_epochs: Sequence[int] | None = None,
                           fig_name: str | None = None) -> None:
    """For every series in `histories` and every key, one distinct labelled line shows it."""
    import matplotlib.figure

    assert_untampered()
    fig_name = fig_name or "the figure"
    if not isinstance(fig, matplotlib.figure.Figure):
        raise AssertionError(f"{fig_name} must be a matplotlib Figure (from plt.subplots), not {type(fig).__name__}.")
    if not histories:
        raise AssertionError(f"there are no histories to compare {fig_name} with: run your training cell first.")
    lines = labelled_lines(fig)
    if not lines:
        raise AssertionError(f"{fig_name} has no labelled lines: pass label=... to every plot() call.")
    used: set[int] = set()
    used_axes = []
    for name, h in histories.items():
        metrics = require_history(h, f"the history of {name!r}")
        for key in keys:
            full = np.asarray(metrics[key], dtype=float)
            candidates = [full]
            if at_epochs:
                candidates.append(np.asarray([metrics[key][e - 1] for e in at_epochs if 0 < e <= len(full)]))
            labelled = [(i, ax, label, y) for i, (ax, _, label, y) in enumerate(lines) if names_series(label, name)]
            match = next(((i, ax) for i, ax, _, y in labelled if i not in used and any(_same(y, c) for c in candidates)),
                         None)
            if match is None:
                hint = ("no line's label names it" if not labelled else
                        "the lines labelled " + ", ".join(repr(lbl) for _, _, lbl, _ in labelled[:4]) +
                        " do not show those values")
                raise AssertionError(f"{fig_name} should show the {_PRETTY.get(key, key)} of {name} "
                                     f"(history[{key!r}]) as a labelled line, but {hint}.")
            used.add(match[0])
            if match[1] not in used_axes:
                used_axes.append(match[1])
    for ax in used_axes:
        _assert_axes_readable(ax)
