"""Where a hidden test checks a plot: the figure shows every required series, as a person reads it.

Jupyter's inline backend closes every figure when its cell ends, so `plt.gcf()` finds nothing:
the homework keeps each figure in a `fig_...` variable, and these checks read it with
`autograder.verify.figures.read_figure`, the same reading for a live figure (plain nbgrader) and
for one redrawn from its exported data (`autograder grade`).

What counts (the notebook's instructions say the same to students):
- a curve is a visible line whose y-data equal the recorded history of its series (every epoch,
  or the values at the chosen epoch counts; the x-data may start at 0 or 1), or equal it at the
  precision the curve shows when it was drawn from a rounded table (k >= 2 decimals, as tables.py);
- its series (an optimizer, a batch size) is named by the line's label, by the legend entry drawn
  for it (`plt.legend(["SGD train", ...])` works), or by its panel's title when the title names
  exactly one series (a panel per optimizer titled "SGD", lines "train" / "validation");
- every required series counts (all three optimizers; every batch size in BATCH_SIZES, at least
  4), not only the ones the student supplied, and only histories that passed the consistency
  check (`consistency.consistent_histories`) can earn a curve: a figure of invented numbers earns
  nothing;
- every panel that holds a graded curve has a title and a legend (axis labels are recommended,
  not graded);
- with the clean verifier, a curve counts only if the image the notebook displayed shows it (the
  figure's data are exported by the student's kernel; `autograder.verify.figure_evidence` checks
  them against the displayed PNG): a line whose data the image does not show is refused, with why.
A check never crashes on a student's answer: anything unexpected becomes a reason (AssertionError).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from autograder.verify.figures import read_figure

from .histories import MIN_BATCH_SIZES, OPTIMIZERS, require_history, required_batch_sizes  # noqa: F401
from .integrity import assert_untampered

TOLERANCE = 1e-6
P1_KEYS = ("accuracy", "val_accuracy", "loss", "val_loss")
P2_KEYS = ("val_accuracy", "val_loss")
_PRETTY = {"accuracy": "training accuracy", "val_accuracy": "validation accuracy",
           "loss": "training loss", "val_loss": "validation loss"}


def names_series(text: str, name) -> bool:
    """Does `text` (a label, legend entry or title) name this series? Numbers must stand alone
    (batch 16 is not batch 160), names must be whole words (Adam is not Nadam)."""
    text, word = str(text), str(name)
    if isinstance(name, (int, np.integer)):
        return re.search(rf"(?<![\d.]){re.escape(word)}(?!\.?\d)", text) is not None
    return re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text, re.IGNORECASE) is not None


def series_of(line, panel, series: Sequence) -> list:
    """The series a reader would say `line` shows: those its label or legend entries name, else the
    one series its panel's title names (none when the title names several or none)."""
    own = [s for s in series if any(names_series(n, s) for n in line.names)]
    if own:
        return own
    titled = [s for s in series if names_series(panel.title, s)]
    return titled if len(titled) == 1 else []


def _decimals(y: np.ndarray) -> int | None:
    """The most decimals any value of `y` shows (a curve drawn from a rounded table); None at full precision."""
    return next((k for k in range(7) if np.all(np.abs(y - np.round(y, k)) <= 1e-12 * np.maximum(1, np.abs(y)))), None)


def _same(y: np.ndarray, expected: np.ndarray) -> bool:
    """y-data equal to the recorded values, or to them rounded to the k >= 2 decimals the curve shows."""
    if y.shape != expected.shape or not np.all(np.isfinite(y)):
        return False
    if np.all(np.abs(y - expected) <= TOLERANCE * np.maximum(1, np.abs(expected))):
        return True
    k = _decimals(y)
    return k is not None and bool(np.all(np.abs(y - expected) <= 0.5 * 10.0 ** -max(k, 2) + 1e-12))


def _panel_problem(panel, fig_name: str) -> str | None:
    missing = [what for what, ok in (("a title", panel.title.strip()), ("a legend", panel.has_legend)) if not ok]
    if missing:
        return f"the panel {panel.title or '(untitled)'!r} of {fig_name} needs " + " and ".join(missing) + "."
    return None


def _check(fig, histories: Mapping, keys: Sequence[str], required: Sequence, at_epochs: Sequence[int] | None,
           fig_name: str, history_name: str, trusted: Mapping | None) -> None:
    import matplotlib.figure

    if not isinstance(fig, matplotlib.figure.Figure):
        detail = f" ({fig!r})" if type(fig).__name__ == "Unavailable" else ""
        raise AssertionError(f"{fig_name} must be a matplotlib Figure (from plt.subplots), not "
                             f"{type(fig).__name__}{detail}.")
    if not isinstance(histories, Mapping) or not histories or not required:
        raise AssertionError(f"there are no histories to compare {fig_name} with: run your training cell first.")
    panels = read_figure(fig)
    lines = [(panel, view) for panel in panels for view in panel.shown_lines if view.y is not None]
    attributed = [(panel, view, series_of(view, panel, required)) for panel, view in lines]
    if not any(names for _, _, names in attributed):
        raise AssertionError(f"{fig_name} has no line that a label, a legend entry or a panel title names: pass "
                             "label=... to every plot() call and call legend(), or title each panel with its series.")
    used: set[int] = set()
    used_panels: list = []
    for name in required:
        if name not in histories:
            raise AssertionError(f"{fig_name} should show the curves of {name}, but {history_name} has no {name!r}: "
                                 "train and keep every one the assignment asks for.")
        metrics = require_history(histories[name], f"{history_name}[{name!r}]")
        if trusted is not None and name not in trusted:
            raise AssertionError(f"the curves of {name} in {fig_name} cannot count: {history_name}[{name!r}] did not "
                                 "pass the consistency check (see that test's message); only the histories of your "
                                 "trained models are graded.")
        for key in keys:
            full = np.asarray(metrics[key], dtype=float)
            candidates = [full]
            if at_epochs:
                candidates.append(np.asarray([full[e - 1] for e in at_epochs if 0 < e <= len(full)]))
            named = [(i, panel, view) for i, (panel, view, names) in enumerate(attributed) if name in names]
            match = next(((i, panel) for i, panel, view in named
                          if i not in used and not view.unseen and any(_same(view.y, c) for c in candidates)), None)
            refused = [view for i, panel, view in named
                       if i not in used and view.unseen and any(_same(view.y, c) for c in candidates)]
            if match is None and refused:
                raise AssertionError(f"{fig_name} as your notebook shows it does not match the figure's data: "
                                     f"{refused[0].unseen}. Only curves the notebook's image shows count: plot "
                                     "the histories and show the figure with plt.show() in the plot cell.")
            if match is None:
                shown = [n for _, _, view in named[:4] for n in (view.names or ["(unnamed)"])[:1]]
                hint = (f"no line is named {name}" if not named else
                        "the lines named " + ", ".join(repr(n) for n in shown) + " do not show those values")
                raise AssertionError(f"{fig_name} should show the {_PRETTY.get(key, key)} of {name} "
                                     f"({history_name}[{name!r}].history[{key!r}]) as a line named by its label, its "
                                     f"legend entry or its panel's title, but {hint}.")
            used.add(match[0])
            if all(match[1] is not p for p in used_panels):
                used_panels.append(match[1])
    for panel in used_panels:
        problem = _panel_problem(panel, fig_name)
        if problem:
            raise AssertionError(problem)


def assert_plots_histories(fig, histories: Mapping, keys: Sequence[str], at_epochs: Sequence[int] | None = None,
                           fig_name: str | None = None, required: Sequence | None = None,
                           trusted: Mapping | None = None, history_name: str = "histories") -> None:
    """For every required series and every key, one distinct named line of `fig` shows it.

    `required` defaults to the series in `histories`; `trusted` (when given) is the subset of
    histories that passed the consistency check: a series outside it earns nothing."""
    assert_untampered()
    fig_name = fig_name or "the figure"
    try:
        required = list(histories) if required is None and isinstance(histories, Mapping) else list(required or [])
        epochs = None
        if at_epochs is not None:
            epochs = [int(e) for e in np.asarray(at_epochs).ravel()]
        _check(fig, histories, keys, required, epochs, fig_name, history_name, trusted)
    except AssertionError:
        raise
    except Exception as exc:    # a check never crashes on a student's answer
        raise AssertionError(f"{fig_name} could not be checked ({type(exc).__name__}: {exc}); "
                             "draw it with plt.subplots() and plot the numbers from the histories.") from None


def _trusted(models, histories, batch_sizes=None) -> dict:
    from .consistency import consistent_histories

    try:
        return consistent_histories(models, histories, batch_sizes=batch_sizes)
    except Exception:           # the contract says it never raises; if it does, nothing is trusted
        return {}


def assert_optimizers_figure(fig, models: Mapping, histories: Mapping, fig_name: str = "fig_optimizers") -> None:
    """作業1: training and validation accuracy and loss of SGD, Adam and RMSprop."""
    assert_untampered()
    trusted = _trusted(models, histories) if isinstance(models, Mapping) and isinstance(histories, Mapping) else {}
    assert_plots_histories(fig, histories, P1_KEYS, fig_name=fig_name, required=OPTIMIZERS, trusted=trusted)


def assert_batch_size_figure(fig, models: Mapping, histories: Mapping, batch_sizes, epoch_counts,
                             fig_name: str = "fig_batch_size") -> None:
    """作業2: validation accuracy and loss of every batch size in BATCH_SIZES (whole histories, or the
    values at EPOCH_COUNTS)."""
    assert_untampered()
    required = required_batch_sizes(batch_sizes)
    trusted = {}
    if isinstance(models, Mapping) and isinstance(histories, Mapping):
        trusted = _trusted(models, histories, batch_sizes={b: b for b in histories if isinstance(b, (int, np.integer))})
    assert_plots_histories(fig, histories, P2_KEYS, at_epochs=epoch_counts, fig_name=fig_name, required=required,
                           trusted=trusted, history_name="histories_part2")
