"""Refuse to grade in a runtime that the submission has tampered with.

Hidden tests run in the student's kernel, after the student's code. A submission could replace
`numpy.allclose`, `builtins.len` or `keras.Model.evaluate` with something that always agrees. The
checks in this package rely on exactly such functions, so before they trust them they verify that
each one is still the function its library defines: a C builtin of the right name and module, or
Python code whose file lies inside the library's own package.
"""

from __future__ import annotations

import builtins
import os
import types

_BUILTINS = ("abs", "all", "any", "float", "getattr", "hasattr", "int", "isinstance", "issubclass",
             "len", "max", "min", "range", "round", "sorted", "str", "sum", "type", "zip")
_NUMPY = ("allclose", "isclose", "asarray", "array", "array_equal", "argmax", "mean", "round",
          "isfinite", "abs", "all", "any")
_KERAS_MODEL = ("evaluate", "predict", "fit", "get_weights", "count_params")


class TamperedRuntime(AssertionError):
    """The submission replaced a function the grader relies on."""


def _package_dir(module: types.ModuleType) -> str:
    return os.path.dirname(os.path.realpath(module.__file__))


def _python_code_in(func, package_dir: str) -> bool:
    code = getattr(getattr(func, "__func__", func), "__code__", None)
    return code is not None and os.path.realpath(code.co_filename).startswith(package_dir + os.sep)


def _is_real_builtin(name: str) -> bool:
    f = getattr(builtins, name, None)
    return (type(f) in (types.BuiltinFunctionType, type) and getattr(f, "__name__", None) == name
            and getattr(f, "__module__", "builtins") in ("builtins", None))


def _is_real_numpy(name: str, np, numpy_dir: str) -> bool:
    f = getattr(np, name, None)
    kind = type(f).__name__
    if kind == "_ArrayFunctionDispatcher":
        return f.__name__ == name and _python_code_in(getattr(f, "_implementation", None), numpy_dir)
    if isinstance(f, np.ufunc):
        return True
    if kind == "builtin_function_or_method":
        return f.__name__ == name and (f.__module__ or "").startswith("numpy")
    return _python_code_in(f, numpy_dir)


def tampered_functions() -> list[str]:
    """Names of the functions that are no longer their library's own (empty when all is well)."""
    import keras
    import numpy as np

    bad = [f"builtins.{n}" for n in _BUILTINS if not _is_real_builtin(n)]
    numpy_dir = _package_dir(np)
    bad += [f"numpy.{n}" for n in _NUMPY if not _is_real_numpy(n, np, numpy_dir)]
    keras_dir = _package_dir(keras)
    bad += [f"keras.Model.{n}" for n in _KERAS_MODEL if not _python_code_in(getattr(keras.Model, n, None), keras_dir)]
    return bad


def assert_untampered() -> None:
    try:
        bad = tampered_functions()
    except Exception as exc:  # so broken that even looking fails (e.g. builtins.isinstance replaced)
        raise TamperedRuntime(
            f"Your notebook changed Python or numpy so much that the grader cannot run ({exc!r}). "
            "Remove the code that reassigns built-in or library functions.") from None
    if bad:
        raise TamperedRuntime(
            "Your notebook replaced functions the grader relies on (" + ", ".join(bad) + "). "
            "Remove the code that reassigns them: hidden tests cannot be graded in a modified runtime.")
