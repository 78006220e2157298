"""Do the student's histories describe what their models really did?

Facts that tie a `History` to the model it trained, none of which can be typed in:
1. the optimizer's update counter equals epochs x steps per epoch recorded by fit() (and, when we
   know the batch size, steps per epoch equals ceil(N_train / batch size));
2. every accuracy in the history is a whole number of correct images divided by the split's size;
3. the last epoch's validation accuracy and loss equal the model's own on the validation split
   (labels given in the form the model's loss expects: integers, or one-hot);
4. replay (replay.py): a fresh copy of the architecture, seeded as the notebook prescribes, trained
   for one epoch on X_train with that batch size, gives exactly the history's first epoch; and for
   one model per part, chosen by the instructor's secret, the whole training run gives exactly the
   student's trained weights.
A history hand-made from numbers, edited, copied between models, or earned by training on other
data (the held-out images, say) fails 3 or 4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .. import data
from . import replay
from .histories import KEYS, epochs_of, require_history
from .integrity import assert_untampered
from .shapes import as_model_input, labels_for, quiet_tensorflow

LOSS_TOLERANCE = 1e-4   # evaluate() and fit()'s validation pass sum the same numbers in another order
COUNT_TOLERANCE = 1e-3  # accuracy * N is an integer up to float32 rounding (~1e-4 at N = 1149)


def _validation_metrics(model) -> dict:
    import keras

    X_val, y_val = data.validation_split()
    with quiet_tensorflow():
        result = keras.Model.evaluate(model, as_model_input(model, X_val), labels_for(model, y_val), batch_size=256,
                                      verbose=0, return_dict=True)
    return {k: float(v) for k, v in result.items()}


def _assert_whole_counts(series, n: int, where: str) -> None:
    counts = np.asarray(series, dtype=float) * n
    off = np.abs(counts - np.round(counts))
    if np.any(off > COUNT_TOLERANCE):
        epoch = int(np.argmax(off)) + 1
        raise AssertionError(
            f"{where} at epoch {epoch} is {series[epoch - 1]!r}, which is not a whole number of correct images out of "
            f"{n}: that value did not come from training.")


def _batch_size_candidates(steps, declared: int | None) -> list[int]:
    """Batch sizes that make `steps` updates per epoch, the declared one first, then round ones."""
    n = data.n_train()
    if not isinstance(steps, (int, np.integer)) or steps <= 0:
        return []
    fits = [b for b in range(1, n + 1) if math.ceil(n / b) == steps]
    ranked = sorted(fits, key=lambda b: (b != declared, b & (b - 1) != 0, b % 8 != 0, b))
    return ranked[:3]


def assert_history_matches_model(model, h, name: str, batch_size: int | None = None,
                                 declared_batch_size: int | None = None, where: str | None = None) -> None:
    where = where or f"histories[{name!r}]"
    metrics = require_history(h, where)
    if getattr(h, "model", None) is not model:
        raise AssertionError(f"{where} is not the History of models[{name!r}]: keep the object returned by the fit() "
                             "call that trained that very model.")
    epochs = epochs_of(h)
    steps = (getattr(h, "params", None) or {}).get("steps")
    if batch_size is not None:
        expected = data.steps_per_epoch(batch_size)
        if steps != expected:
            raise AssertionError(f"{where} made {steps} updates per epoch, but batch size {batch_size} on "
                                 f"{data.n_train()} training images makes {expected}: train on X_train with "
                                 f"batch_size={batch_size}.")
    updates = int(np.asarray(model.optimizer.iterations))
    if steps is None or updates != epochs * steps:
        raise AssertionError(f"models[{name!r}] was updated {updates} times, but {where} accounts for "
                             f"{epochs} epochs x {steps} steps: keep the History of the single fit() call that trained "
                             "the model (do not train it again afterwards or edit the history).")
    _assert_whole_counts(metrics["accuracy"], data.n_train(), f"{where}.history['accuracy']")
    _assert_whole_counts(metrics["val_accuracy"], len(data.validation_split()[1]), f"{where}.history['val_accuracy']")
    actual = _validation_metrics(model)
    if abs(actual["accuracy"] - metrics["val_accuracy"][-1]) > 1e-6:
        raise AssertionError(f"{where} says the last validation accuracy is {metrics['val_accuracy'][-1]:.4f}, but "
                             f"models[{name!r}] scores {actual['accuracy']:.4f} on (X_val, y_val).")
    if not math.isclose(actual["loss"], metrics["val_loss"][-1], rel_tol=LOSS_TOLERANCE, abs_tol=LOSS_TOLERANCE):
        raise AssertionError(f"{where} says the last validation loss is {metrics['val_loss'][-1]:.5f}, but "
                             f"models[{name!r}] has {actual['loss']:.5f} on (X_val, y_val).")
    candidates = [batch_size] if batch_size is not None else _batch_size_candidates(steps, declared_batch_size)
    same, tried = replay.first_epoch_matches(model, metrics, candidates)
    if not same:
        raise AssertionError(
            f"{where} could not be reproduced: a fresh copy of models[{name!r}] seeded with "
            f"keras.utils.set_random_seed(SEED) and trained one epoch on X_train ({tried}) does not give your first "
            f"epoch (loss {metrics['loss'][0]:.5f}, accuracy {metrics['accuracy'][0]:.4f}). Call "
            "keras.utils.set_random_seed(SEED) right before building each model, train it once on (X_train, y_train), "
            "and keep the History that fit() returned.")


def require_some(models: Mapping, what: str = "models") -> None:
    """An empty dictionary would pass every per-model check without checking anything."""
    if not models:
        raise AssertionError(f"there are no trained {what} to check: run your training cell and store each model "
                             "and its History in the dictionaries the notebook asks for.")


def _failure(exc: Exception, where: str) -> str:
    if isinstance(exc, AssertionError):
        return str(exc)
    return f"{where} could not be checked ({type(exc).__name__}: {exc})"


def consistent_histories(models: Mapping, histories: Mapping, batch_sizes: Mapping | None = None,
                         declared_batch_size: int | None = None) -> dict:
    """The histories that provably belong to their model (every check above passes); never raises."""
    ok = {}
    for name, h in (histories.items() if isinstance(histories, Mapping) else []):
        try:
            if name not in models:
                continue
            bs = None if batch_sizes is None else batch_sizes.get(name)
            assert_history_matches_model(models[name], h, name, batch_size=bs, declared_batch_size=declared_batch_size)
            ok[name] = h
        except Exception:
            continue
    return ok


def assert_histories_match_models(models: Mapping, histories: Mapping, batch_sizes: Mapping | None = None,
                                  required=None, declared_batch_size: int | None = None, epochs=None) -> None:
    """Every required model's History is its own, and one model (chosen by the secret) replays in full."""
    assert_untampered()
    require_some(models)
    if set(models) != set(histories):
        raise AssertionError(f"models and histories must have the same keys: {sorted(map(str, models))} vs "
                             f"{sorted(map(str, histories))}.")
    missing = [r for r in (required or []) if r not in models]
    if missing:
        raise AssertionError(f"there is no trained model for {', '.join(map(str, missing))}: the assignment asks for "
                             "every one of them.")
    for name in models:
        bs = None if batch_sizes is None else batch_sizes[name]
        try:
            assert_history_matches_model(models[name], histories[name], name, batch_size=bs,
                                         declared_batch_size=declared_batch_size)
        except Exception as exc:                # a check never crashes on a student's answer
            raise AssertionError(_failure(exc, f"histories[{name!r}]")) from None
    assert_audit(models, histories, batch_sizes, declared_batch_size)


def _audit_batch_size(h, name, batch_sizes: Mapping | None, declared_batch_size: int | None):
    if batch_sizes is not None and name in batch_sizes:
        return batch_sizes[name]
    steps = (getattr(h, "params", None) or {}).get("steps")
    return (_batch_size_candidates(steps, declared_batch_size) or [declared_batch_size])[0]


def assert_audit(models: Mapping, histories: Mapping, batch_sizes: Mapping | None = None,
                 declared_batch_size: int | None = None) -> None:
    """The full replay of one model of the part, chosen by the instructor's secret: retrained exactly
    as the notebook prescribes, it must end with the student's weights (cached: once per part)."""
    names = sorted((n for n in models if n in histories), key=str)
    if not names:
        return
    salt = "".join(replay.weights_digest(models[n])[:16] for n in names)
    audited = replay.audit_choice(names, salt)
    h = histories[audited]
    bs = _audit_batch_size(h, audited, batch_sizes, declared_batch_size)
    try:
        same = bs is None or replay.final_weights_match(models[audited], bs, epochs_of(h))
    except Exception as exc:
        raise AssertionError(_failure(exc, f"models[{audited!r}]")) from None
    if not same:
        raise AssertionError(
            f"models[{audited!r}] is not the model its History trained: retraining a fresh copy exactly as the notebook "
            f"prescribes (seeded, {epochs_of(h)} epochs, batch size {bs}) gives different weights. Keep each model as "
            "fit() left it.")


def trained_as_prescribed(models: Mapping, histories: Mapping | None, batch_sizes: Mapping | None = None,
                          declared_batch_size: int | None = None, epochs: int | None = None) -> dict[object, str]:
    """{name: why not} for the models whose training cannot be verified; empty when all can.

    A model counts as trained when its History is provably its own (every check above, the
    first-epoch replay included) or, failing that, when retraining a fresh copy as the notebook
    prescribes ends with exactly its weights (a real model whose numbers were reported wrongly).
    Then the part's audit must pass: a model swapped after training is not the one that learned."""
    histories = histories if isinstance(histories, Mapping) else {}
    trusted = consistent_histories(models, histories, batch_sizes, declared_batch_size)
    problems: dict[object, str] = {}
    for name, model in models.items():
        if name in trusted:
            continue
        h = histories.get(name)
        n_epochs = epochs_of(h) if h is not None and _is_history(h) else epochs
        bs = batch_sizes.get(name) if batch_sizes is not None else declared_batch_size
        try:
            if bs and n_epochs and replay.final_weights_match(model, bs, n_epochs):
                continue
        except Exception:
            pass
        problems[name] = ("its training cannot be verified: neither its History nor a seeded retraining "
                          f"({n_epochs} epochs, batch size {bs}) reproduces it")
    if not problems:
        try:
            assert_audit(models, {n: h for n, h in histories.items() if n in trusted}, batch_sizes, declared_batch_size)
        except AssertionError as exc:
            problems = {name: str(exc) for name in models}
    return problems


def _is_history(h) -> bool:
    try:
        require_history(h, "history")
        return True
    except Exception:
        return False


def _architecture(model) -> list[tuple]:
    return [(type(layer).__name__, tuple(tuple(w.shape) for w in layer.weights)) for layer in model.layers]


def assert_same_architecture(models: Mapping) -> None:
    assert_untampered()
    require_some(models)
    archs = {name: _architecture(m) for name, m in models.items()}
    first_name, first = next(iter(archs.items()))
    for name, arch in archs.items():
        if arch != first:
            raise AssertionError(f"models[{name!r}] and models[{first_name!r}] have different architectures; build "
                                 "every model with the same build_model().")


def assert_same_setup(models: Mapping, histories: Mapping) -> None:
    """A fair comparison: same architecture, same number of epochs, same batches per epoch."""
    assert_same_architecture(models)
    setups = {name: (epochs_of(h), (h.params or {}).get("steps")) for name, h in histories.items()}
    if len(set(setups.values())) != 1:
        detail = ", ".join(f"{n}: {e} epochs x {s} steps" for n, (e, s) in setups.items())
        raise AssertionError(f"the optimizers were not trained under identical settings ({detail}).")
    for name, m in models.items():
        if type(m.optimizer).__name__.lower() != str(name).lower():
            raise AssertionError(f"models[{name!r}] was trained with {type(m.optimizer).__name__}.")


__all__ = ["KEYS", "assert_histories_match_models", "assert_history_matches_model", "assert_same_architecture",
           "assert_same_setup"]
