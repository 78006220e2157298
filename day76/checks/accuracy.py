"""Accuracy of the student's trained models on the held-out test split."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import data
from .integrity import assert_untampered
from .records import record
from .shapes import as_model_input, quiet_tensorflow


def test_accuracy(model) -> float:
    """Fraction of the grader's 360 test images (data.grader_test_split) the model classifies correctly."""
    import keras

    X, y = data.grader_test_split()
    # keras.Model.predict itself, not an override a submission may have put on its model class
    with quiet_tensorflow():
        probs = np.asarray(keras.Model.predict(model, as_model_input(model, X), batch_size=512, verbose=0))
    if probs.ndim != 2 or probs.shape != (len(y), data.NUM_CLASSES):
        raise AssertionError(
            f"the model should output {data.NUM_CLASSES} class scores per image; it returned shape {probs.shape}.")
    return float(np.mean(np.argmax(probs, axis=1) == y))


def _measure(model, name) -> float:
    """test_accuracy, with any failure turned into a reason that names the model."""
    try:
        return test_accuracy(model)
    except AssertionError as exc:
        raise AssertionError(f"models[{name!r}]: {exc}") from None
    except Exception as exc:                  # a check never crashes on a student's answer
        raise AssertionError(f"models[{name!r}] could not be evaluated on the test images "
                             f"({type(exc).__name__}: {str(exc)[:200]}).") from None


# Hidden tests end with these calls, and nbgrader reads a test cell's last value as partial credit:
# so the assert_* functions print what they measured and return None.


def _require_trained(models: Mapping, names, histories, batch_sizes, declared_batch_size, epochs) -> None:
    """Accuracy is credited only to models that provably learned as the notebook prescribes
    (consistency.trained_as_prescribed): a model built by hand from the public digits scores well
    on any test set but learned nothing."""
    from .consistency import trained_as_prescribed

    problems = trained_as_prescribed({n: models[n] for n in names if n in models}, histories, batch_sizes,
                                     declared_batch_size, epochs)
    if problems:
        name, why = next(iter(problems.items()))
        raise AssertionError(f"the test accuracy of models[{name!r}] cannot be credited: {why}. "
                             "Train each model with fit() as the notebook says, seeded with "
                             "keras.utils.set_random_seed(SEED) right before building it, and keep it as fit() left it.")


def assert_test_accuracy(models: Mapping, thresholds: Mapping, histories: Mapping | None = None,
                         batch_sizes: Mapping | None = None, declared_batch_size: int | None = None,
                         epochs: int | None = None) -> None:
    """Every model named in `thresholds` reaches its threshold (and, given `histories`, provably
    learned by training as prescribed)."""
    assert_untampered()
    if not thresholds:
        raise AssertionError("there are no trained models to evaluate: run your training cell first.")
    measured, short = {}, []
    for name, threshold in thresholds.items():
        if name not in models:
            raise AssertionError(f"no trained model for {name!r}: keep it in the dictionary the notebook asks for.")
        measured[name] = acc = _measure(models[name], name)
        if not acc >= threshold:
            short.append(f"{name}: {acc:.1%} (needs {threshold:.0%})")
    print("test accuracy: " + ", ".join(f"{k}: {v:.1%}" for k, v in measured.items()))
    record("test_accuracy", accuracy=measured)
    if short:
        raise AssertionError("test accuracy below the threshold for " + "; ".join(short) +
                             ". Train longer, check the learning rate, or compare with your validation curves.")
    if histories is not None:
        _require_trained(models, list(thresholds), histories, batch_sizes, declared_batch_size, epochs)


def assert_best_test_accuracy(models: Mapping, threshold: float) -> None:
    assert_untampered()
    if not models:
        raise AssertionError("no trained models to evaluate.")
    measured = {name: _measure(m, name) for name, m in models.items()}
    best_name = max(measured, key=measured.get)
    if not measured[best_name] >= threshold:
        raise AssertionError(f"the best model ({best_name}) reaches {measured[best_name]:.1%} test accuracy; "
                             f"at least one should reach {threshold:.0%}.")
    print(f"best test accuracy: {best_name}: {measured[best_name]:.1%}")
