"""The checks behind the hidden tests, on small models trained here (fast: no nbgrader)."""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from day76 import data  # noqa: E402
from day76.checks import accuracy, consistency, integrity, plots, tables  # noqa: E402

KEYS = ("accuracy", "val_accuracy", "loss", "val_loss")


def _build(optimizer):
    import keras

    model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def trained():
    """Two optimizers, 3 epochs each, batch size 64, as the notebook prescribes (seeded before each)."""
    import keras

    X_train, y_train = data.train_split()
    X_val, y_val = data.validation_split()
    models, histories = {}, {}
    for name, opt in (("Adam", keras.optimizers.Adam), ("RMSprop", keras.optimizers.RMSprop)):
        keras.utils.set_random_seed(data.SEED)
        models[name] = _build(opt(learning_rate=0.003))
        histories[name] = models[name].fit(X_train, y_train, validation_data=(X_val, y_val), epochs=3,
                                           batch_size=64, verbose=0)
    return models, histories


def _figure(histories, transform=lambda y: y, label="{name} {key}", title="t"):
    fig, axes = plt.subplots(1, 2)
    for name, h in histories.items():
        for key in KEYS:
            ax = axes[0] if "acc" in key else axes[1]
            ax.plot(range(1, 4), transform(np.asarray(h.history[key])), label=label.format(name=name, key=key))
    for ax in axes:
        ax.set(title=title, xlabel="epoch", ylabel="value")
        ax.legend()
    plt.close(fig)  # as Jupyter's inline backend does: the object must still be readable
    return fig


def test_genuine_histories_pass(trained):
    models, histories = trained
    consistency.assert_histories_match_models(models, histories, batch_sizes={"Adam": 64, "RMSprop": 64})
    consistency.assert_same_setup(models, histories)


def _fit(seed, X, y, batch_size=64, epochs=2):
    import keras

    keras.utils.set_random_seed(seed)
    model = _build(keras.optimizers.Adam(learning_rate=0.003))
    X_val, y_val = data.validation_split()
    return model, model.fit(X, y, validation_data=(X_val, y_val), epochs=epochs, batch_size=batch_size, verbose=0)


def test_replay_refuses_a_history_it_cannot_reproduce():
    """Genuine training, but not as prescribed (another seed), or on other data (the held-out
    images swapped in for as many training rows): the first epoch does not replay."""
    X, y = data.train_split()
    model, h = _fit(data.SEED + 1, X, y)
    with pytest.raises(AssertionError, match="could not be reproduced.*set_random_seed"):
        consistency.assert_history_matches_model(model, h, "Adam", batch_size=64)
    X_test, y_test = data.test_split()
    swapped_X = np.concatenate([X[:len(X) - len(X_test)], X_test])
    swapped_y = np.concatenate([y[:len(y) - len(y_test)], y_test])
    model, h = _fit(data.SEED, swapped_X, swapped_y)
    assert consistency.consistent_histories({"Adam": model}, {"Adam": h}, {"Adam": 64}) == {}
    with pytest.raises(AssertionError, match="could not be reproduced"):
        consistency.assert_history_matches_model(model, h, "Adam", batch_size=64)


def test_replay_finds_the_batch_size_from_the_steps_and_audits_the_weights():
    import keras

    X, y = data.train_split()
    model, h = _fit(data.SEED, X, y, batch_size=32)
    consistency.assert_histories_match_models({"Adam": model}, {"Adam": h})       # no batch size given
    swapped = keras.models.clone_model(model)
    swapped.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    swapped.set_weights([w * 1.0001 for w in model.get_weights()])
    swapped.optimizer.build(swapped.trainable_variables)
    swapped.optimizer.iterations.assign(model.optimizer.iterations)
    h.set_model(swapped)
    try:
        with pytest.raises(AssertionError):
            consistency.assert_histories_match_models({"Adam": swapped}, {"Adam": h}, batch_sizes={"Adam": 32})
    finally:
        h.set_model(model)


def test_history_typed_in_by_hand_fails(trained):
    models, histories = trained
    typed = dict(histories, Adam={k: list(v) for k, v in histories["Adam"].history.items()})
    with pytest.raises(AssertionError, match="not the History object"):
        consistency.assert_histories_match_models(models, typed)


def test_edited_last_value_fails(trained):
    models, histories = trained
    faked = copy.copy(histories["Adam"])
    faked.history = {k: list(v) for k, v in histories["Adam"].history.items()}
    faked.history["val_loss"][-1] *= 0.5
    with pytest.raises(AssertionError, match="last validation loss"):
        consistency.assert_history_matches_model(models["Adam"], faked, "Adam")


def test_edited_middle_accuracy_is_not_a_whole_count(trained):
    models, histories = trained
    faked = copy.copy(histories["Adam"])
    faked.history = {k: list(v) for k, v in histories["Adam"].history.items()}
    faked.history["val_accuracy"][0] = 0.95  # 0.95 * 288 = 273.6 images
    with pytest.raises(AssertionError, match="whole number of correct images"):
        consistency.assert_history_matches_model(models["Adam"], faked, "Adam")


def test_history_of_another_model_fails(trained):
    models, histories = trained
    swapped = {"Adam": histories["RMSprop"], "RMSprop": histories["Adam"]}
    with pytest.raises(AssertionError, match="not the History of models"):
        consistency.assert_histories_match_models(models, swapped)


def test_wrong_batch_size_claim_fails(trained):
    models, histories = trained
    with pytest.raises(AssertionError, match="updates per epoch"):
        consistency.assert_histories_match_models(models, histories, batch_sizes={"Adam": 32, "RMSprop": 64})


def test_model_trained_again_after_its_history_fails():
    import keras

    X_train, y_train = data.train_split()
    keras.utils.set_random_seed(1)
    model = _build(keras.optimizers.Adam())
    h = model.fit(X_train, y_train, validation_data=data.validation_split(), epochs=1, batch_size=256, verbose=0)
    model.fit(X_train, y_train, epochs=1, batch_size=256, verbose=0)
    with pytest.raises(AssertionError, match="updated 10 times"):
        consistency.assert_history_matches_model(model, h, "Adam")


def test_tables(trained):
    _, histories = trained
    two = ("Adam", "RMSprop")
    df = pd.DataFrame({n: {k: h.history[k][-1] for k in KEYS} for n, h in histories.items()}).T
    tables.assert_final_epoch_table(df, histories, required=two)
    tables.assert_final_epoch_table(df.rename_axis("optimizer").reset_index(), histories, required=two)
    with pytest.raises(AssertionError, match="no history for 'SGD'"):   # the homework requires all three
        tables.assert_final_epoch_table(df, histories)
    df.loc["Adam", "val_accuracy"] = 0.99
    with pytest.raises(AssertionError, match=r"results_part1.loc\['Adam', 'val_accuracy'\]"):
        tables.assert_final_epoch_table(df, histories, required=two)


def test_epoch_table_checks_values_and_updates(trained):
    _, histories = trained
    by_bs = {64: histories["Adam"]}
    rows = [{"batch_size": 64, "epochs": e, "updates": e * 18, **{k: histories["Adam"].history[k][e - 1] for k in KEYS}}
            for e in (1, 3)]
    tables.assert_epoch_table(pd.DataFrame(rows), by_bs, [1, 3])
    rows[0]["updates"] = 64
    with pytest.raises(AssertionError, match="18 updates"):
        tables.assert_epoch_table(pd.DataFrame(rows), by_bs, [1, 3])


def test_plot_of_the_histories_passes_even_after_close(trained):
    _, histories = trained
    plots.assert_plots_histories(_figure(histories), histories, KEYS)
    plots.assert_plots_histories(_figure(histories), histories, KEYS, trusted=histories)


def test_plot_of_other_data_fails_with_a_hint(trained):
    _, histories = trained
    smoothed = _figure(histories, transform=lambda y: np.convolve(y, np.ones(2) / 2, mode="same"))
    with pytest.raises(AssertionError, match="do not show those values"):
        plots.assert_plots_histories(smoothed, histories, KEYS)


def test_unlabelled_or_untitled_plots_fail(trained):
    _, histories = trained
    with pytest.raises(AssertionError, match="no line that a label, a legend entry or a panel title names"):
        plots.assert_plots_histories(_figure(histories, label="curve {key}"), histories, KEYS)
    with pytest.raises(AssertionError, match="needs a title"):
        plots.assert_plots_histories(_figure(histories, title=""), histories, KEYS)
    with pytest.raises(AssertionError, match="must be a matplotlib Figure"):
        plots.assert_plots_histories(plt.gca(), histories, KEYS)


def test_batch_size_labels_must_stand_alone():
    assert plots.names_series("batch 16", 16) and plots.names_series("bs=16, Adam", 16)
    assert not plots.names_series("batch 160", 16) and not plots.names_series("batch 116", 16)
    assert plots.names_series("adam validation", "Adam") and not plots.names_series("Nadam", "Adam")


def test_accuracy_thresholds(trained):
    models, _ = trained
    accuracy.assert_test_accuracy(models, {"Adam": 0.5})
    with pytest.raises(AssertionError, match=r"Adam: \d+\.\d% \(needs 101%\)"):
        accuracy.assert_test_accuracy(models, {"Adam": 1.01})
    assert accuracy.assert_best_test_accuracy(models, 0.5) is None  # nbgrader would read a value as partial credit


def test_accuracy_accepts_an_image_shaped_model():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    assert 0.0 <= accuracy.test_accuracy(model) <= 1.0


def test_monkeypatched_numpy_or_keras_is_refused(trained, monkeypatch):
    import keras

    models, histories = trained
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    with pytest.raises(integrity.TamperedRuntime, match="numpy.allclose"):
        consistency.assert_histories_match_models(models, histories)
    monkeypatch.undo()
    monkeypatch.setattr(keras.Model, "evaluate", lambda self, *a, **k: {"accuracy": 1.0, "loss": 0.0})
    with pytest.raises(integrity.TamperedRuntime, match="keras.Model.evaluate"):
        accuracy.assert_test_accuracy(models, {"Adam": 0.0})
    monkeypatch.undo()
    import builtins

    monkeypatch.setattr(builtins, "abs", lambda x: 0)
    with pytest.raises(integrity.TamperedRuntime):
        plots.assert_plots_histories(None, histories, KEYS)
    monkeypatch.undo()
    assert integrity.tampered_functions() == []


def test_measurements_are_recorded_in_the_notebook_for_reports():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from day76.checks import records

    cell = new_code_cell("", metadata={"nbgrader": {"grade_id": "test_p1_accuracy"}})
    cell.outputs = [new_output("stream", name="stdout", text="test accuracy: SGD: 86.1%"),
                    new_output("display_data", data={"text/plain": "", records.MIME:
                                                     {"kind": "test_accuracy", "accuracy": {"SGD": 0.861}}})]
    nb = nbformat.from_dict(new_notebook(cells=[cell]))
    assert records.read_records(nb, "test_accuracy") == [
        {"cell": "test_p1_accuracy", "kind": "test_accuracy", "accuracy": {"SGD": 0.861}}]
    assert records.read_records(nb, "epoch_table") == []
    assert records._plain({16: np.float32(0.5)}) == {"16": 0.5}


def test_empty_dictionaries_fail_with_a_message_instead_of_passing():
    for check, args in [(consistency.assert_histories_match_models, ({}, {})),
                        (consistency.assert_same_architecture, ({},)),
                        (accuracy.assert_test_accuracy, ({}, {})),
                        (tables.assert_epoch_table, (pd.DataFrame(columns=["batch_size", "epochs", "updates", *KEYS]), {}, [5])),
                        (plots.assert_plots_histories, (plt.figure(), {}, KEYS))]:
        with pytest.raises(AssertionError, match="run your training cell"):
            check(*args)


# --- figures read as a person reads them (issue 11) ---------------------------------------------

@pytest.fixture(scope="module")
def three(trained):
    """The fixture's two optimizers plus SGD: what 作業1 requires."""
    import keras

    models, histories = dict(trained[0]), dict(trained[1])
    keras.utils.set_random_seed(data.SEED)
    models["SGD"] = _build(keras.optimizers.SGD(learning_rate=0.05))
    histories["SGD"] = models["SGD"].fit(*data.train_split(), validation_data=data.validation_split(), epochs=3,
                                         batch_size=64, verbose=0)
    return models, {n: histories[n] for n in plots.OPTIMIZERS}


def _panel_per_optimizer(histories, legend=True, title="{name}: {what}"):
    """The original ML100Days style: plt.legend(['train', 'validation']) on a panel per optimizer and metric."""
    fig, axes = plt.subplots(2, 3)
    for col, (name, h) in enumerate(histories.items()):
        for row, what in enumerate(("accuracy", "loss")):
            ax = axes[row, col]
            ax.plot(h.history[what])
            ax.plot(h.history["val_" + what])
            ax.set_title(title.format(name=name, what=what))
            if legend:
                ax.legend(["train", "validation"], loc="best")
    plt.close(fig)
    return fig


def _legend_list_per_metric(histories):
    """One panel per metric, ax.legend([...names...]) naming each optimizer; x from 1; a marker line first."""
    fig, axes = plt.subplots(1, 4)
    for ax, key in zip(axes, KEYS):
        ax.axvline(2, color="grey", lw=0.5)
        for name, h in histories.items():
            ax.plot(range(1, len(h.history[key]) + 1), h.history[key])
        ax.set_title(key)
        ax.legend(["epoch 2", *histories])
    plt.close(fig)
    return fig


def _pandas_panels(histories):
    fig, axes = plt.subplots(1, 3)
    for ax, (name, h) in zip(axes, histories.items()):
        pd.DataFrame(h.history).plot(ax=ax, title=f"{name} optimizer")
    plt.close(fig)
    return fig


def _figure_legend(histories):
    """A panel per metric, one colour per optimizer, one legend for the whole figure (fig.legend)."""
    fig, axes = plt.subplots(2, 2)
    for ax, key in zip(axes.ravel(), KEYS):
        for colour, h in zip(("tab:blue", "tab:orange", "tab:green"), histories.values()):
            ax.plot(h.history[key], color=colour)
        ax.set_title(key)
    fig.legend(list(histories), loc="lower center", ncol=3)
    plt.close(fig)
    return fig


def _rounded_table_curves(histories):
    """Curves drawn from a table rounded for display (.round(3)): the values at the precision shown."""
    fig, axes = plt.subplots(1, 2)
    for name, h in histories.items():
        table = pd.DataFrame(h.history).round(3)
        for key in KEYS:
            axes[0 if "acc" in key else 1].plot(table.index + 1, table[key], label=f"{name} {key}")
    for ax in axes:
        ax.set_title("rounded")
        ax.legend()
    plt.close(fig)
    return fig


def _rebuilt(fig, tmp_path):
    """The figure as `autograder grade`'s clean process sees it: exported, then redrawn."""
    from autograder.verify import rehydrate, snapshot

    folder = tmp_path / f"export-{id(fig)}"
    assert snapshot.export(["fig"], {"fig": fig}, str(folder), str(tmp_path / "models")) == "ok"
    return rehydrate.Rebuilder(str(folder), str(tmp_path / "models")).namespace()["fig"]


def _public_helper():
    """The early-warning code of the homework's public tests (the same in both cells)."""
    import matplotlib.figure
    import nbformat

    from course_support import COURSE

    nb = nbformat.read(COURSE.source_notebook(), as_version=4)
    sources = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in ("test_p1_public", "test_p2_public")]
    helpers = [s[s.index("# --- Early warnings"):s.index("# --- end of early warnings")] for s in sources]
    assert len(helpers) == 2 and helpers[0] == helpers[1], "the two public tests must carry the same early-warning code"
    namespace = {"np": np, "matplotlib": matplotlib}
    exec(helpers[0], namespace)
    return namespace


def _verdict(check, *args, **kwargs):
    try:
        check(*args, **kwargs)
    except AssertionError as exc:
        return str(exc)
    return None


STYLES = {
    "labels": lambda h: _figure(h),
    "panel per optimizer, legend list": _panel_per_optimizer,
    "legend list per metric, x from 1": _legend_list_per_metric,
    "pandas, title names optimizer": _pandas_panels,
    "figure legend for every panel": _figure_legend,
    "curves from a rounded table": _rounded_table_curves,
    "no legend": lambda h: _panel_per_optimizer(h, legend=False),
    "title names no optimizer": lambda h: _panel_per_optimizer(h, title="{what}"),
    "smoothed": lambda h: _figure(h, transform=lambda y: np.convolve(y, np.ones(2) / 2, mode="same")),
}
PASSING = {"labels", "curves from a rounded table", "figure legend for every panel", "panel per optimizer, legend list", "legend list per metric, x from 1", "pandas, title names optimizer"}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_figure_styles_same_verdict_live_rebuilt_and_public(three, style, tmp_path):
    _, histories = three
    fig = STYLES[style](histories)
    live = _verdict(plots.assert_plots_histories, fig, histories, KEYS, fig_name="fig_optimizers",
                    required=plots.OPTIMIZERS)
    assert (live is None) == (style in PASSING), live
    assert _verdict(plots.assert_plots_histories, _rebuilt(fig, tmp_path), histories, KEYS, fig_name="fig_optimizers",
                    required=plots.OPTIMIZERS) == live
    public = _public_helper()["_figure_problem"](fig, histories, plots.OPTIMIZERS, KEYS, None, "fig_optimizers",
                                                 "histories")
    assert public == live


def test_figure_reasons_name_what_is_wrong(three):
    _, histories = three
    with pytest.raises(AssertionError, match="needs a legend"):
        plots.assert_plots_histories(STYLES["no legend"](histories), histories, KEYS, required=plots.OPTIMIZERS)
    with pytest.raises(AssertionError, match="no line that a label, a legend entry or a panel title names"):
        plots.assert_plots_histories(STYLES["title names no optimizer"](histories), histories, KEYS,
                                     required=plots.OPTIMIZERS)


def test_every_required_series_is_checked_not_only_the_supplied_ones(three):
    _, histories = three
    only_sgd = {"SGD": histories["SGD"]}
    with pytest.raises(AssertionError, match="histories has no 'Adam'"):
        plots.assert_plots_histories(_figure(only_sgd), only_sgd, KEYS, required=plots.OPTIMIZERS)


def test_only_consistent_histories_earn_curves(three):
    models, histories = three
    fig = _figure(histories)
    plots.assert_optimizers_figure(fig, models, histories)
    invented = dict(histories)
    fake = copy.copy(histories["Adam"])
    fake.history = {k: [min(1.0, v + 0.01) for v in series] for k, series in histories["Adam"].history.items()}
    invented["Adam"] = fake
    with pytest.raises(AssertionError, match="did not pass the consistency check"):
        plots.assert_optimizers_figure(_figure(invented), models, invented)


def test_batch_size_figure_with_numpy_counts_and_values_at_epochs(trained):
    _, histories = trained
    h = histories["Adam"]
    by_bs = {np.int64(b): h for b in (16, 32, 64, 128)}   # the same History: values only (no consistency here)
    fig, (left, right) = plt.subplots(1, 2)
    for b in by_bs:
        left.plot(np.array([1, 3]), [h.history["val_accuracy"][0], h.history["val_accuracy"][2]], label=f"bs={b}")
        right.plot(h.history["val_loss"], label=f"bs={b}")
    for ax in (left, right):
        ax.set_title("Adam")
        ax.legend()
    plt.close(fig)
    plots.assert_plots_histories(fig, by_bs, plots.P2_KEYS, at_epochs=np.array([1, 3]), required=list(by_bs),
                                 history_name="histories_part2")
    with pytest.raises(AssertionError, match="at least 4 different batch sizes"):
        plots.required_batch_sizes(np.array([16, 32, 64]))
    assert plots.required_batch_sizes(np.array([16, 32, 64, 128])) == [16, 32, 64, 128]


def test_a_figure_check_never_crashes(three):
    _, histories = three
    fig, ax = plt.subplots()
    ax.plot(["a", "b", "c"], [1, 2, 3], label="SGD")
    ax.set_title("SGD")
    ax.legend()
    plt.close(fig)
    broken = dict(histories, SGD=copy.copy(histories["SGD"]))
    broken["SGD"].history = dict(histories["SGD"].history, accuracy=["x", "y", "z"])
    for args in [(fig, histories), (fig, broken), (fig, {"SGD": None, "Adam": 3, "RMSprop": "x"}), (fig, [1, 2])]:
        with pytest.raises(AssertionError):
            plots.assert_plots_histories(*args, KEYS, required=plots.OPTIMIZERS)


def test_legend_entries_follow_matplotlib_pairing():
    from autograder.verify.figures import read_figure

    fig, ax = plt.subplots()
    ax.axvline(3, color="grey")
    ax.plot([1, 2, 3])
    ax.plot([3, 2, 1])
    ax.legend(["marker", "train"])     # matplotlib pairs texts with artists in drawing order
    plt.close(fig)
    (panel,) = read_figure(fig)
    assert [v.names for v in panel.lines] == [["marker"], ["train"], []]


def test_tables_rounded_for_display_are_read_at_their_precision(three):
    _, histories = three
    df = pd.DataFrame({n: {k: h.history[k][-1] for k in KEYS} for n, h in histories.items()}).T
    for shown in (df.round(2), df.round(4), df.astype("float32"), df.rename_axis("optimizer").reset_index().round(3)):
        tables.assert_final_epoch_table(shown, histories)
    off = df.round(2)
    off.loc["SGD", "loss"] += 0.01
    with pytest.raises(AssertionError, match=r"results_part1.loc\['SGD', 'loss'\]"):
        tables.assert_final_epoch_table(off, histories)
    with pytest.raises(AssertionError, match="results_part1.loc"):
        tables.assert_final_epoch_table(df.round(1), histories)   # one decimal is not a report of the value
    text = df.astype(object)
    text.loc["SGD", "loss"] = "about 2"
    with pytest.raises(AssertionError, match="results_part1.loc"):
        tables.assert_final_epoch_table(text, histories)
    assert tables.matches(np.float32(0.9617), 0.96170001) and tables.matches(0.96, 0.9617) and not tables.matches(0.97, 0.9617)


def test_epoch_table_requires_every_batch_size_and_never_crashes(trained):
    _, histories = trained
    h = histories["Adam"]
    rows = [{"batch_size": 64, "epochs": e, "updates": e * 18, **{k: round(h.history[k][e - 1], 3) for k in KEYS}}
            for e in (1, 3)]
    tables.assert_epoch_table(pd.DataFrame(rows), {64: h}, np.array([1, 3]))
    with pytest.raises(AssertionError, match="histories_part2 has no 32"):
        tables.assert_epoch_table(pd.DataFrame(rows), {64: h}, [1, 3], batch_sizes=np.array([64, 32, 16, 8]))
    with pytest.raises(AssertionError, match="at least 4 different batch sizes"):
        tables.assert_epoch_table(pd.DataFrame(rows), {64: h}, [1, 3], batch_sizes=[64])
    with pytest.raises(AssertionError, match="could not be checked|updates"):
        tables.assert_epoch_table(pd.DataFrame(rows).assign(updates=["many", "more"]), {64: h}, [1, 3])


def test_numpy_floats_in_a_history_survive_the_export(tmp_path):
    """np.float64 is a subclass of float: a hand-made History of numpy numbers must come back as numbers."""
    import keras

    from autograder.verify import rehydrate, snapshot

    h = keras.callbacks.History()
    h.history = {k: list(np.linspace(0.5, 0.9, 3)) for k in KEYS}
    assert snapshot.export(["h"], {"h": h}, str(tmp_path / "x"), str(tmp_path / "m")) == "ok"
    back = rehydrate.Rebuilder(str(tmp_path / "x"), str(tmp_path / "m")).namespace()["h"]
    assert isinstance(back, keras.callbacks.History)
    assert back.history["loss"] == [float(v) for v in h.history["loss"]]
