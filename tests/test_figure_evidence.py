"""A figure's exported data count only where the image the notebook displayed shows them.

The figures are drawn here in the styles real students use (tests/fixtures/styles), rendered as the
grading kernel's inline backend renders them (whole canvas; or cropped to the tight bounding box,
the inline default), exported by the kernel-side exporter and checked against the image. The
flat-lines attack (tests/fixtures/integrity/d_flat_lines_exporter.py: the figure shows zeros, the
patched exporter claims the histories) and forged limits must not pass.
"""

from __future__ import annotations

import base64
import io
import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

from autograder.verify import figure_evidence as fe  # noqa: E402
from autograder.verify import snapshot  # noqa: E402
from autograder.verify.clean_run import displayed_images  # noqa: E402
from autograder.verify.figures import read_figure  # noqa: E402
from autograder.verify.rehydrate import Rebuilder  # noqa: E402

OPTIMIZERS = ("SGD", "Adam", "RMSprop")


def _history(seed: int, n: int = 8) -> dict:
    rng = np.random.default_rng(seed)
    acc = np.sort(rng.uniform(0.3, 0.95, n))
    loss = np.sort(rng.uniform(0.2, 2.0, n))[::-1]
    return {"accuracy": list(acc), "val_accuracy": list(acc - 0.03), "loss": list(loss), "val_loss": list(loss + 0.1)}


H = {name: _history(i) for i, name in enumerate(OPTIMIZERS)}


def labelled_lines():
    fig, (acc, loss) = plt.subplots(1, 2, figsize=(12, 4))
    for name, h in H.items():
        acc.plot(h["accuracy"], label=f"{name} train")
        acc.plot(h["val_accuracy"], label=f"{name} validation")
        loss.plot(h["loss"], label=f"{name} train")
        loss.plot(h["val_loss"], label=f"{name} validation")
    acc.legend()
    loss.legend()
    return fig


def keras_tutorial_legend():          # plt.sca panels, legend texts only
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for i, (name, h) in enumerate(H.items()):
        for row, key in enumerate(("accuracy", "loss")):
            plt.sca(axes[row, i])
            plt.plot(h[key])
            plt.plot(h["val_" + key])
            plt.title(f"{name} model {key}")
            plt.legend(["Train", "Validation"], loc="upper left")
    return fig


def panel_titles_markers():           # "o-" / "s--", sharex, tight_layout
    fig, axes = plt.subplots(2, 3, figsize=(14, 7), sharex=True)
    for col, (name, h) in enumerate(H.items()):
        for row, key in enumerate(("accuracy", "loss")):
            ax = axes[row, col]
            ax.plot(np.arange(1, 9), h[key], "o-", label="train")
            ax.plot(np.arange(1, 9), h["val_" + key], "s--", label="validation")
            ax.set_title(f"{name}: {key}")
            ax.legend()
    fig.tight_layout()
    return fig


def chollet_markers():                # "bo" markers and a "b" line of the same colour
    fig, axes = plt.subplots(3, 2, figsize=(12, 11))
    for row, (name, h) in enumerate(H.items()):
        for col, key in enumerate(("accuracy", "loss")):
            axes[row, col].plot(range(1, 9), h[key], "bo", label="Training")
            axes[row, col].plot(range(1, 9), h["val_" + key], "b", label="Validation")
            axes[row, col].legend()
    fig.tight_layout()
    return fig


def pandas_history():
    import pandas as pd

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, (name, d) in zip(axes, H.items()):
        pd.DataFrame(d).plot(ax=ax, grid=True, title=name)
    return fig


def axvlines_and_fixed_limits():      # epoch markers (axes-fraction lines) and ylim(0, 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    for e in (5, 10):
        ax.axvline(e, color="lightgrey", linestyle=":")
    for name, h in H.items():
        ax.plot(range(1, 9), h["val_accuracy"], label=name)
    ax.set_ylim(0, 1)
    ax.legend()
    return fig


STYLES = [labelled_lines, keras_tutorial_legend, panel_titles_markers, chollet_markers, pandas_history,
          axvlines_and_fixed_limits]


def _png(fig, *, tight: bool = False, dpi: float | None = None) -> bytes:
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format="png", bbox_inches="tight" if tight else None, dpi=dpi or fig.dpi,
                            facecolor="white")
    return buf.getvalue()


def _export(fig, tmp_path) -> dict:
    dest = tmp_path / "export"
    assert snapshot.export(["fig"], {"fig": fig}, str(dest), str(tmp_path / "models")) == "ok"
    manifest = json.loads((dest / snapshot.MANIFEST).read_text())
    return next(v for v in manifest["objects"].values() if v["kind"] == "figure")


def _data_lines(entry) -> list:
    return [(a, i) for a, spec in enumerate(entry["axes"]) for i, line in enumerate(spec["lines"]) if line["data_coords"]]


@pytest.fixture(autouse=True)
def _originals():
    snapshot.load_ipython_extension(None)          # as at kernel start
    saved = dict(snapshot._ORIGINAL)
    yield
    snapshot._ORIGINAL.clear()
    snapshot._ORIGINAL.update(saved)
    plt.close("all")


@pytest.mark.parametrize("style", STYLES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shown", ["canvas", "canvas-retina", "tight"])
def test_honest_figures_are_seen_in_their_image(tmp_path, style, shown):
    fig = style()
    png = _png(fig, tight=shown == "tight", dpi=2 * fig.dpi if shown == "canvas-retina" else None)
    entry = _export(fig, tmp_path)
    evidence = fe.check_figure(entry, [png])
    assert not evidence.problem
    unseen_data_lines = {k: why for k, why in evidence.unseen.items() if k in _data_lines(entry)}
    assert unseen_data_lines == {}


def _flat_lines():
    fig, (acc, loss) = plt.subplots(1, 2, figsize=(12, 4.5))
    claimed = {}
    for name, h in H.items():
        for ax, key in ((acc, "accuracy"), (acc, "val_accuracy"), (loss, "loss"), (loss, "val_loss")):
            (line,) = ax.plot(range(1, 9), [0.0] * 8, label=f"{name} {key}")
            claimed[line] = h[key]
    acc.legend()
    loss.legend()
    return fig, claimed


def _patch_exporter(claimed) -> None:
    """d_flat_lines_exporter: the exporter's own get_xydata replaced with one that claims the histories."""
    real = snapshot._ORIGINAL["xy"]
    snapshot._ORIGINAL["xy"] = lambda line: (np.column_stack([line.get_xdata(), claimed[line]])
                                             if line in claimed else real(line))


@pytest.mark.parametrize("tight", [False, True])
def test_flat_lines_with_a_forged_export_are_not_seen(tmp_path, tight):
    fig, claimed = _flat_lines()
    png = _png(fig, tight=tight)
    _patch_exporter(claimed)
    entry = _export(fig, tmp_path)
    assert entry["axes"][0]["lines"][0]["xy"][-1][1] != "0.0"        # the export does claim the history
    evidence = fe.check_figure(entry, [png])
    assert set(evidence.unseen) == set(_data_lines(entry))


@pytest.mark.parametrize("limit", [1e6, 30.0, 3.0])
def test_forged_limits_that_squeeze_the_curves_onto_the_flat_row_are_not_seen(tmp_path, limit):
    fig, claimed = _flat_lines()
    png = _png(fig)
    _patch_exporter(claimed)
    for ax in fig.axes:                       # after the image: the export claims limits it never showed
        ax.set_ylim(-limit, limit)
    entry = _export(fig, tmp_path)
    evidence = fe.check_figure(entry, [png])
    assert set(evidence.unseen) == set(_data_lines(entry))
    if limit > 10:
        assert "squeeze" in " ".join(evidence.unseen.values())


def test_another_figures_image_is_not_evidence(tmp_path):
    shown = labelled_lines()
    png = _png(shown)
    other, (acc, loss) = plt.subplots(1, 2, figsize=(12, 4))
    for name, h in H.items():
        acc.plot([1 - v for v in h["accuracy"]], label=name)          # other curves, same panels
        loss.plot([v * 0.5 for v in h["loss"]], label=name)
    evidence = fe.check_figure(_export(other, tmp_path), [png])
    assert len(evidence.unseen) >= 5


def test_a_figure_never_displayed_gives_a_clear_reason(tmp_path):
    entry = _export(labelled_lines(), tmp_path)
    evidence = fe.check_figure(entry, [])
    assert "did not display it" in evidence.problem
    assert set(evidence.unseen) == set((a, i) for a, spec in enumerate(entry["axes"]) for i in range(len(spec["lines"])))


def test_the_best_of_several_images_counts(tmp_path):
    fig = labelled_lines()
    png = _png(fig)
    other = _png(pandas_history())
    evidence = fe.check_figure(_export(fig, tmp_path), [other, png])
    assert evidence.image == 1 and not evidence.unseen


def _notebook_with(png: bytes):
    nb = nbformat.v4.new_notebook()
    plot = nbformat.v4.new_code_cell("plt.show()")
    plot.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode(),
                                                                  "text/plain": "<Figure>"})]
    test = nbformat.v4.new_code_cell("assert_plot(fig)")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_plot", "points": 2,
                                 "locked": True, "schema_version": 3}
    early = nbformat.v4.new_code_cell("pass")
    early.metadata["nbgrader"] = dict(test.metadata["nbgrader"], grade_id="test_early")
    nb.cells = [early, plot, test]
    return nb


def test_the_worker_hands_each_test_the_images_shown_before_it(tmp_path):
    png = _png(labelled_lines())
    images = displayed_images(_notebook_with(png), tmp_path / "job")
    assert images["test_early"] == []
    (name,) = images["test_plot"]
    assert (tmp_path / "job" / name).read_bytes() == png


def test_rebuilt_lines_carry_the_reason_and_the_plot_checks_refuse_them(tmp_path, monkeypatch):
    from day76.checks import plots

    monkeypatch.setattr(plots, "require_history", lambda h, where: h.history)   # plain stand-in histories

    fig, claimed = _flat_lines()
    png = _png(fig)
    _patch_exporter(claimed)
    dest = tmp_path / "export"
    assert snapshot.export(["fig"], {"fig": fig}, str(dest), str(tmp_path / "models")) == "ok"
    image = tmp_path / "shown.png"
    image.write_bytes(png)

    class History:
        def __init__(self, h):
            self.history = h

    histories = {name: History(h) for name, h in H.items()}
    unchecked = Rebuilder(str(dest), str(tmp_path / "models")).namespace()["fig"]
    assert all(not v.unseen for p in read_figure(unchecked) for v in p.lines)
    rebuilt = Rebuilder(str(dest), str(tmp_path / "models"), [str(image)]).namespace()["fig"]
    views = [v for p in read_figure(rebuilt) for v in p.lines]
    assert views and all(v.unseen for v in views)
    rebuilt.axes[0].set_title("accuracy")
    rebuilt.axes[1].set_title("loss")
    with pytest.raises(AssertionError, match="fig_optimizers as your notebook shows it does not match the figure's data"):
        plots.assert_plots_histories(rebuilt, histories, ("accuracy", "val_accuracy", "loss", "val_loss"),
                               fig_name="fig_optimizers")
