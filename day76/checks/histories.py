"""What a Keras `History` must look like before any other check reads it, and which series the
assignment requires (every check covers these, not only what a student happened to supply)."""

from __future__ import annotations

KEYS = ("accuracy", "loss", "val_accuracy", "val_loss")
OPTIMIZERS = ("SGD", "Adam", "RMSprop")          # 作業1: every one of them
MIN_BATCH_SIZES = 4                              # 作業2: every batch size in BATCH_SIZES, at least this many


def required_batch_sizes(batch_sizes) -> list:
    """The different batch sizes of BATCH_SIZES (Python ints, in order), or a reason for the student.
    Lists, tuples and numpy arrays of whole numbers are all accepted."""
    import numpy as np

    try:
        sizes = list(dict.fromkeys(np.asarray(batch_sizes).ravel().tolist()))
    except Exception:
        sizes = None
    if sizes is None or not all(isinstance(b, int) and not isinstance(b, bool) for b in sizes):
        raise AssertionError(f"BATCH_SIZES must be a list of whole numbers, not {batch_sizes!r}.")
    if len(sizes) < MIN_BATCH_SIZES:
        raise AssertionError(f"作業2 asks for at least {MIN_BATCH_SIZES} different batch sizes; BATCH_SIZES has "
                             f"{len(sizes)} ({sizes}).")
    return sizes


def require_history(h, where: str):
    """Return the metrics dict of a real `History`, or fail with a message naming `where`."""
    import keras

    if not isinstance(h, keras.callbacks.History):
        raise AssertionError(
            f"{where} is a {type(h).__name__}, not the History object that model.fit(...) returned. "
            "Keep the object fit() gives you: numbers typed in or copied from elsewhere cannot be checked.")
    metrics = getattr(h, "history", None)
    if not isinstance(metrics, dict):
        raise AssertionError(f"{where}.history is missing or not a dict.")
    for key in KEYS:
        if key not in metrics:
            raise AssertionError(f"{where}.history has no {key!r}: compile with metrics=['accuracy'] and "
                                 "fit with validation_data=(X_val, y_val).")
    lengths = {key: len(metrics[key]) for key in KEYS}
    if len(set(lengths.values())) != 1 or lengths["loss"] == 0:
        raise AssertionError(f"{where}.history has series of different or zero lengths: {lengths}.")
    return metrics


def epochs_of(h) -> int:
    return len(h.history["loss"])
