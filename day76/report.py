"""The Day 76 sections of the class report: what the hidden tests measured, across the class.

Named in homework/nbgrader_config.py as `c.ClassReport.sections = "day76.report"`; the generic
report (`autograder report`) calls `sections(course, outcomes)`. Hidden tests display
`day76.checks.records` (test accuracy per optimizer and per batch size; the batch-size x epochs
table once it was verified); reading them back needs no re-training.
"""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
from matplotlib import colormaps

from autograder.reports.figures import new_figure, say_no_data
from autograder.reports.sections import Section

from .checks.records import read_records

OPTIMIZERS = ("SGD", "Adam", "RMSprop")
OPTIMIZER_CELL = "test_p1_accuracy"
BATCH_CELL = "test_p2_accuracy"
TABLE_CELL = "test_p2_consistency"
EPOCH_COLUMNS = ["batch_size", "epochs", "updates", "accuracy", "loss", "val_accuracy", "val_loss"]


def measurements(course, students) -> dict[str, pd.DataFrame]:
    """{"optimizer_accuracy": student, optimizer, test_accuracy;
        "batch_accuracy": student, batch_size, test_accuracy;
        "epoch_table": student + EPOCH_COLUMNS (only verified tables)} of the graded `students`."""
    opt, batch, table = [], [], []
    for student in sorted(students):
        try:
            nb = nbformat.read(course.autograded_notebook(student), as_version=4)
        except (OSError, ValueError):
            continue      # an unreadable graded notebook has no measurements; it is not an error here
        for rec in read_records(nb, "test_accuracy"):
            acc = rec.get("accuracy") or {}
            if rec.get("cell") == OPTIMIZER_CELL:
                opt += [{"student": student, "optimizer": k, "test_accuracy": float(v)} for k, v in acc.items()]
            elif rec.get("cell") == BATCH_CELL:
                batch += [{"student": student, "batch_size": int(k), "test_accuracy": float(v)} for k, v in acc.items()]
        for rec in read_records(nb, "epoch_table"):
            if rec.get("cell") == TABLE_CELL:
                table += [{"student": student, **{c: row.get(c) for c in EPOCH_COLUMNS}} for row in rec.get("rows", [])]
    return {
        "optimizer_accuracy": pd.DataFrame(opt, columns=["student", "optimizer", "test_accuracy"]),
        "batch_accuracy": pd.DataFrame(batch, columns=["student", "batch_size", "test_accuracy"]),
        "epoch_table": pd.DataFrame(table, columns=["student", *EPOCH_COLUMNS]),
    }


def optimizer_accuracy(data: pd.DataFrame):
    """Test accuracy of the class's models per optimizer (作業1): a box per optimizer plus every student."""
    fig, ax = new_figure(figsize=(7, 4))
    ax.set(title="Part 1 (HW1): test accuracy per optimizer across the class", xlabel="optimizer",
           ylabel="test accuracy (held-out split)")
    if data.empty:
        say_no_data(ax, "no measured models")
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


def batch_epochs_trend(table: pd.DataFrame, batch_accuracy: pd.DataFrame):
    """作業2 across the class: validation accuracy vs epochs per batch size (class mean, min-max band),
    and test accuracy vs batch size."""
    fig, (left, right) = new_figure(figsize=(11, 4), ncols=2)
    left.set(title="Part 2 (HW2): validation accuracy vs epochs (class mean)", xlabel="epochs",
             ylabel="validation accuracy")
    right.set(title="Part 2 (HW2): test accuracy vs batch size", xlabel="batch size",
              ylabel="test accuracy (held-out split)")
    if table.empty:
        say_no_data(left, "no verified batch-size x epochs tables")
    else:
        stats = table.groupby(["batch_size", "epochs"])["val_accuracy"].agg(["mean", "min", "max", "count"]).reset_index()
        cmap = colormaps["viridis"]
        sizes = sorted(stats["batch_size"].unique())
        for i, b in enumerate(sizes):
            s = stats[stats["batch_size"] == b].sort_values("epochs")
            color = cmap(i / max(len(sizes) - 1, 1))
            left.plot(s["epochs"], s["mean"], "o-", color=color, label=f"batch {b} (n={s['count'].max()})")
            left.fill_between(s["epochs"], s["min"], s["max"], color=color, alpha=0.15)
        left.legend(title="batch size", fontsize=8)
    if batch_accuracy.empty:
        say_no_data(right, "no measured models")
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


def sections(course, outcomes) -> list[Section]:
    """The report's 作業1 and 作業2 sections (autograder.reports.sections)."""
    graded = {s for s, o in outcomes.items() if o.status == "graded"}
    measured = measurements(course, graded)
    optim = measured["optimizer_accuracy"]
    optim_table = (optim.groupby("optimizer")["test_accuracy"].agg(["count", "mean", "min", "max"]).round(3)
                   .rename(columns={"count": "models"}) if not optim.empty else pd.DataFrame())
    trend = measured["epoch_table"]
    trend_table = (trend.pivot_table(index="batch_size", columns="epochs", values="val_accuracy", aggfunc="mean").round(3)
                   if not trend.empty else pd.DataFrame())
    return [
        Section("optimizer_accuracy", "作業1: test accuracy per optimizer", optimizer_accuracy(optim),
                alt="Test accuracy per optimizer across the class",
                caption="Test accuracy of each student's three 作業1 models, measured by the hidden test on the held-out split.",
                table=optim_table, empty="no 作業1 models were measured"),
        Section("batch_epochs_trend", "作業2: batch size × epochs",
                batch_epochs_trend(trend, measured["batch_accuracy"]),
                alt="Validation accuracy vs epochs per batch size, and test accuracy vs batch size",
                caption="作業2 with Adam: left, the class's verified tables (mean line, min-max band); "
                        "right, test accuracy per batch size.",
                intro="Mean validation accuracy of the class's verified tables (rows: batch size, columns: epochs):",
                table=trend_table, empty="no verified batch-size × epochs tables yet"),
    ]
