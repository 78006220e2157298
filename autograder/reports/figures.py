"""The class report's figures: each function takes tidy data and returns a matplotlib Figure.

Figures are made with `matplotlib.figure.Figure`, not pyplot: no backend is chosen and no global
state changes, so importing or calling this never affects a notebook or another program that
imports the autograder (pyplot's figure manager is not involved; `Figure.savefig` renders with
Agg on its own). Every figure has a title, axis labels and (where there is more than one series)
a legend. With no data a figure says so in words instead of failing, so a report of an early or
broken class still renders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch


def new_figure(figsize=(7, 4), ncols: int = 1):
    """(Figure, axes) without pyplot."""
    fig = Figure(figsize=figsize)
    axes = fig.subplots(1, ncols)
    return fig, axes


def say_no_data(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no data yet: {what}", ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def score_distribution(scores: pd.Series, max_score: float, what: str = "autograded score") -> Figure:
    """Histogram of the students' scores (one bar per point)."""
    fig, ax = new_figure(figsize=(7, 4))
    ax.set(title=f"Distribution of the {what}s", xlabel=f"{what} (out of {max_score:g})",
           ylabel="students")
    if scores.empty:
        say_no_data(ax, "no graded submissions")
        return fig
    bins = np.arange(0, max_score + 2) - 0.5
    ax.hist(scores, bins=bins, color="#4C72B0", edgecolor="white", label=f"{len(scores)} students")
    ax.axvline(scores.mean(), color="#C44E52", linestyle="--", label=f"mean {scores.mean():.1f}")
    ax.set_xlim(-0.5, max_score + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    fig.tight_layout()
    return fig


def test_pass_rates(summary: pd.DataFrame) -> Figure:
    """Horizontal bars: the share of students with full points on each autograded test."""
    rates = summary[summary["kind"].isin(["public test", "hidden test"])]
    fig, ax = new_figure(figsize=(7, 0.45 * max(len(rates), 2) + 1.4))
    ax.set(title="Pass rate of every test (full points)", xlabel="students who passed (%)",
           ylabel="test cell")
    if rates.empty or rates["pass_rate"].isna().all():
        say_no_data(ax, "no autograded tests")
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


def submission_status(statuses: pd.Series) -> Figure:
    """How the class's submissions arrived: on time, late, or not graded (by reason)."""
    fig, ax = new_figure(figsize=(7, 3.5))
    ax.set(title="Submissions: on time, late, and collection failures", xlabel="students",
           ylabel="status")
    if statuses.empty:
        say_no_data(ax, "no submissions")
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
    ax.legend(handles=[Patch(color="#55A868", label="graded, on time"), Patch(color="#DD8452", label="graded, late"),
                       Patch(color="#C44E52", label="not graded (collection or grading failed)")], loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
