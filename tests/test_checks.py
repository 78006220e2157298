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
    df = pd.DataFrame({n: {k: h.history[k][-1] for k in KEYS} for n, h in histories.items()}).T
    tables.assert_final_epoch_table(df, histories)
    tables.assert_final_epoch_table(df.rename_axis("optimizer").reset_index(), histories)
    df.loc["Adam", "val_accuracy"] = 0.99
    with pytest.raises(AssertionError, match=r"results_part1.loc\['Adam', 'val_accuracy'\]"):
        tables.assert_final_epoch_table(df, histories)


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


def test_plot_of_other_data_fails_with_a_hint(trained):
    _, histories = trained
    smoothed = _figure(histories, transform=lambda y: np.convolve(y, np.ones(2) / 2, mode="same"))
    with pytest.raises(AssertionError, match="do not show those values"):
        plots.assert_plots_histories(smoothed, histories, KEYS)


def test_unlabelled_or_untitled_plots_fail(trained):
    _, histories = trained
    with pytest.raises(AssertionError, match="no line's label names it"):
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
