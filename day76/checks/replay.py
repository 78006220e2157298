"""Replay: train a fresh copy of the student's model the way the notebook prescribes, and compare.

The notebook asks for `keras.utils.set_random_seed(SEED)` right before building each model, then
`fit(X_train, y_train, batch_size=..., epochs=...)`. Under that seed a fresh model built from the
same architecture starts from the same weights and sees the same batches, so its first epoch
gives bit-for-bit the loss and accuracy the student's History recorded. A History that was typed
in, edited, copied from another run or made by training on other data does not. The full replay
(every epoch, then the final weights compared) proves the trained model itself; it costs a whole
training run, so the grader audits one model per part, chosen by the instructor's secret.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

from .. import data
from .shapes import as_model_input, labels_for, quiet_tensorflow

TOLERANCE = 1e-6
_cache: dict[tuple, dict] = {}


def _fingerprint(model) -> str:
    h = hashlib.sha256()
    for w in model.weights:
        h.update(np.asarray(w.numpy() if hasattr(w, "numpy") else w).tobytes())
    try:
        h.update(json.dumps(model.get_config(), sort_keys=True, default=str).encode())
        h.update(json.dumps(model.optimizer.get_config(), sort_keys=True, default=str).encode())
    except Exception:
        pass
    return h.hexdigest()


def weights_digest(model) -> str:
    h = hashlib.sha256()
    for w in model.weights:
        h.update(np.asarray(w.numpy() if hasattr(w, "numpy") else w).tobytes())
    return h.hexdigest()


def fresh_copy(model):
    """The student's architecture and optimizer settings, freshly initialised under SEED."""
    import keras
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(data.SEED)
    fresh = type(model).from_config(model.get_config())
    optimizer = keras.optimizers.get({"class_name": type(model.optimizer).__name__,
                                      "config": model.optimizer.get_config()})
    fresh.compile(optimizer=optimizer, loss=model.loss, metrics=["accuracy"])
    return fresh


def _train(model, batch_size: int, epochs: int, shuffle: bool):
    X, y = data.train_split()
    fresh = fresh_copy(model)
    with quiet_tensorflow():
        h = fresh.fit(as_model_input(model, X), labels_for(model, y), batch_size=int(batch_size),
                      epochs=int(epochs), shuffle=shuffle, verbose=0)
    return fresh, h.history


def _close(a, b) -> bool:
    return a is not None and b is not None and math.isfinite(float(a)) and \
        abs(float(a) - float(b)) <= TOLERANCE * max(1.0, abs(float(b)))


def first_epoch_matches(model, history: dict, batch_sizes: list[int]) -> tuple[bool, str]:
    """Does one of `batch_sizes` (with shuffling, or without) reproduce epoch 1 of `history`?"""
    want_loss = history.get("loss", [None])[0]
    want_acc = history.get("accuracy", [None])[0]
    tried = []
    for batch_size in batch_sizes:
        for shuffle in (True, False):
            key = (_fingerprint(model), int(batch_size), shuffle, "first")
            if key not in _cache:
                _, got = _train(model, batch_size, 1, shuffle)
                _cache[key] = {k: v[0] for k, v in got.items()}
            got = _cache[key]
            if _close(got.get("loss"), want_loss) and _close(got.get("accuracy"), want_acc):
                return True, ""
            tried.append(f"batch size {batch_size}{'' if shuffle else ' without shuffling'}: "
                         f"loss {got.get('loss', float('nan')):.5f}, accuracy {got.get('accuracy', float('nan')):.4f}")
    return False, "; ".join(tried[:2])


def final_weights_match(model, batch_size: int, epochs: int) -> bool:
    """The full replay: does training a fresh copy for `epochs` give exactly the student's weights?"""
    key = (_fingerprint(model), int(batch_size), int(epochs), "full")
    if key not in _cache:
        fresh, _ = _train(model, batch_size, epochs, True)
        same = len(fresh.weights) == len(model.weights) and all(
            np.asarray(a).shape == np.asarray(b).shape and np.allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-6)
            for a, b in zip(fresh.weights, model.weights))
        _cache[key] = {"same": same}
    return _cache[key]["same"]


def audit_choice(names: list, salt: str) -> object | None:
    """Which model of a part gets the full replay: unpredictable without the instructor's secret."""
    if not names:
        return None
    secret = data.test_secret() or ""
    ranked = sorted(names, key=lambda n: hashlib.sha256(f"{secret}\0{salt}\0{n}".encode()).hexdigest())
    return ranked[0]
