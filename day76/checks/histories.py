"""What a Keras `History` must look like before any other check reads it."""

from __future__ import annotations

KEYS = ("accuracy", "loss", "val_accuracy", "val_loss")


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
