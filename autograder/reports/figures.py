"""The class report's figures: each function takes tidy data and returns a matplotlib Figure.

Every figure has a title, axis labels and (where there is more than one series) a legend. With
no data a figure says so in words instead of failing, so a report of an early or broken class
still renders.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

OPTIMIZERS = ("SGD", "Adam", "RMSprop")


def _empty(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no data yet: {what}", ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def score_distribution(scores: pd.Series, max_score: float) -> plt.Figure:
    """Histogram of autograded totals (one bar per point)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.set(title="Autograded score distribution", xlabel=f"autograded score (out of {max_score:g})",
           ylabel="students")
    if scores.empty:
        _empty(ax, "no graded submissions")
        return fig
    bins = np.arange(0, max_score + 2) - 0.5
    ax.hist(scores, bins=bins, color="#4C72B0", edgecolor="white", label=f"{len(scores)} students")
    ax.axvline(scores.mean(), color="#C44E52", linestyle="--", label=f"mean {scores.mean():.1f}")
    ax.set_xlim(-0.5, max_score + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    fig.tight_layout()
    return fig


def test_pass_rates(summary: pd.DataFrame) -> plt.Figure:
    """Horizontal bars: the share of students with full points on each autograded test."""
    rates = summary[summary["kind"].isin(["public test", "hidden test"])]
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(rates), 2) + 1.4))
    ax.set(title="Pass rate of every test (full points)", xlabel="students who passed (%)",
           ylabel="test cell")
    if rates.empty or rates["pass_rate"].isna().all():
        _empty(ax, "no autograded tests")
        return fig
    colors = {"public test": "#55A868", "hidden test": "#4C72B0"}
    y = np.arange(len(rates))[::-1]
    for kind, color in colors.items():
        mask = (rates["kind"] == kind).to_numpy()
        ax.barh(y[mask], 100 * rates["pass_rate"].to_numpy()[mask], color=color, label=kind)
    for yi, rate in zip(y, rates["pass_rate"].fillna(0)):
        ax.text(100 * rate + 1, yi, f"{100 * rate:.0f}%", va="center", fontsize=8)
    ax.set_yticks(y, rates.index)
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20))
    ax.set_title("Pass rate of every test (full points)", pad=22)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def optimizer_accuracy(data: pd.DataFrame) -> plt.Figure:
    """Test accuracy of the class's models per optimizer (作業1): a box per optimizer plus every student."""
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.set(title="Part 1 (HW1): test accuracy per optimizer across the class", xlabel="optimizer",
           ylabel="test accuracy (held-out split)")
    if data.empty:
        _empty(ax, "no measured models")
        return fig
    names = [o for o in OPTIMIZERS if o in set(data["optimizer"])] + sorted(set(data["optimizer"]) - set(OPTIMIZERS))
    values = [data.loc[data["optimizer"] == n, "test_accuracy"].to_numpy() for n in names]
    ax.boxplot(values, tick_labels=names, widths=0.5)
    rng = np.random.default_rng(0)
    for i, v in enumerate(values, 1):
        ax.scatter(i + rng.uniform(-0.12, 0.12, len(v)), v, s=18, alpha=0.7, color="#4C72B0",
                   label="one student's model" if i == 1 else None)
    means = [v.mean() for v in values]
    ax.plot(range(1, len(names) + 1), means, "D", color="#C44E52", label="class mean")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def batch_epochs_trend(table: pd.DataFrame, batch_accuracy: pd.DataFrame) -> plt.Figure:
    """作業2 across the class: validation accuracy vs epochs per batch size (class mean, min-max band),
    and test accuracy vs batch size."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.set(title="Part 2 (HW2): validation accuracy vs epochs (class mean)", xlabel="epochs",
             ylabel="validation accuracy")
    right.set(title="Part 2 (HW2): test accuracy vs batch size", xlabel="batch size",
              ylabel="test accuracy (held-out split)")
    if table.empty:
        _empty(left, "no verified batch-size x epochs tables")
    else:
        stats = table.groupby(["batch_size", "epochs"])["val_accuracy"].agg(["mean", "min", "max", "count"]).reset_index()
        cmap = plt.get_cmap("viridis")
        sizes = sorted(stats["batch_size"].unique())
        for i, b in enumerate(sizes):
            s = stats[stats["batch_size"] == b].sort_values("epochs")
            color = cmap(i / max(len(sizes) - 1, 1))
            left.plot(s["epochs"], s["mean"], "o-", color=color, label=f"batch {b} (n={s['count'].max()})")
            left.fill_between(s["epochs"], s["min"], s["max"], color=color, alpha=0.15)
        left.legend(title="batch size", fontsize=8)
    if batch_accuracy.empty:
        _empty(right, "no measured models")
    else:
        stats = batch_accuracy.groupby("batch_size")["test_accuracy"].agg(["mean", "min", "max"]).reset_index()
        right.scatter(batch_accuracy["batch_size"], batch_accuracy["test_accuracy"], s=14, alpha=0.5,
                      color="#4C72B0", label="one student's model")
        right.plot(stats["batch_size"], stats["mean"], "D-", color="#C44E52", label="class mean")
        right.set_xscale("log", base=2)
        right.set_xticks(stats["batch_size"], [str(b) for b in stats["batch_size"]])
        right.legend(loc="lower left")
    fig.tight_layout()
    return fig


def submission_status(statuses: pd.Series) -> plt.Figure:
    """How the class's submissions arrived: on time, late, or not collected (by reason)."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.set(title="Submissions: on time, late, and collection failures", xlabel="students",
           ylabel="status")
    if statuses.empty:
        _empty(ax, "no submissions")
        return fig
    counts = statuses.value_counts()
    order = [s for s in ("on time", "late") if s in counts.index] + sorted(set(counts.index) - {"on time", "late"})
    counts = counts[order]
    colors = ["#55A868" if s == "on time" else "#DD8452" if s == "late" else "#C44E52" for s in order]
    y = np.arange(len(order))[::-1]
    bars = ax.barh(y, counts.to_numpy(), color=colors)
    ax.bar_label(bars, padding=2)
    ax.set_yticks(y, order)
    ax.xaxis.get_major_locator().set_params(integer=True)
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color="#55A868", label="graded, on time"), Patch(color="#DD8452", label="graded, late"),
                       Patch(color="#C44E52", label="not collected")], loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
