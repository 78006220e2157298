"""The clean verifier's pieces without nbgrader: export in one process, rebuild in another form.

What a kernel exports must come back as the same kind of object with the same data (so one check
gives one verdict in both graders), and nothing the student wrote may run on the way back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder.verify import snapshot  # noqa: E402
from autograder.verify.cells import has_hidden_tests, referenced_names  # noqa: E402
from autograder.verify.figures import read_figure  # noqa: E402
from autograder.verify.rehydrate import Rebuilder, Unavailable  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    X = np.random.default_rng(0).normal(size=(40, 4)).astype("float32")
    y = np.arange(40) % 3
    history = model.fit(X, y, epochs=3, batch_size=8, verbose=0)
    return model, history, X


def _roundtrip(tmp_path, namespace: dict, names=None):
    dest, models = tmp_path / "export", tmp_path / "models"
    assert snapshot.export(list(names or namespace), namespace, str(dest), str(models)) == "ok"
    return Rebuilder(str(dest), str(models)).namespace()


def test_models_and_histories_come_back_tied_together(tmp_path, trained):
    import keras

    model, history, X = trained
    ns = _roundtrip(tmp_path, {"models": {"Adam": model}, "histories": {"Adam": history}, "EPOCHS": 3})
    rebuilt, h = ns["models"]["Adam"], ns["histories"]["Adam"]
    assert isinstance(rebuilt, keras.Model) and isinstance(h, keras.callbacks.History)
    assert h.model is rebuilt                                  # the same object, as in the kernel
    assert h.history == {k: [float(v) for v in vals] for k, vals in history.history.items()}
    assert h.params["steps"] == history.params["steps"]
    assert int(rebuilt.optimizer.iterations) == int(model.optimizer.iterations) == 15
    np.testing.assert_array_equal(rebuilt.predict(X, verbose=0), model.predict(X, verbose=0))
    assert ns["EPOCHS"] == 3 and type(ns["EPOCHS"]) is int


def test_keys_keep_their_types_and_numpy_values_survive(tmp_path):
    ns = _roundtrip(tmp_path, {"d": {16: np.int64(3), "SGD": 0.1, (1, 2): [1.5, None]},
                               "a": np.arange(4, dtype="int32"), "f": np.float32(0.25)})
    assert list(ns["d"]) == [16, "SGD", (1, 2)]
    assert isinstance(ns["d"][16], np.int64) and ns["d"][(1, 2)] == [1.5, None]
    assert ns["a"].dtype == np.int32 and ns["a"].tolist() == [0, 1, 2, 3]
    assert isinstance(ns["f"], np.float32) and ns["f"] == np.float32(0.25)


def test_tables_keep_index_columns_and_dtypes(tmp_path):
    import pandas as pd

    df = pd.DataFrame({"batch_size": [16, 32], "val_accuracy": [0.9375, 0.96875]})
    indexed = pd.DataFrame({"accuracy": [0.5, 0.75]}, index=pd.Index(["SGD", "Adam"], name="optimizer"))
    ns = _roundtrip(tmp_path, {"df": df, "indexed": indexed})
    pd.testing.assert_frame_equal(ns["df"], df)
    pd.testing.assert_frame_equal(ns["indexed"], indexed)


def test_figures_are_redrawn_as_a_reader_sees_them(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    left.plot([1, 2, 3], [0.1, 0.5, 0.9])
    left.plot([1, 2, 3], [0.2, 0.4, 0.8], "--")
    left.legend(["Train", "Validation"])                       # texts only: lines keep _child labels
    left.set(title="SGD: accuracy", xlabel="epoch", ylabel="accuracy")
    right.plot([0, 1, 2], [2.0, 1.0, 0.5], label="batch 32")
    right.set_title("loss")
    fig.legend(loc="lower center")
    ns = _roundtrip(tmp_path, {"fig": fig})
    plt.close(fig)

    def view(f):
        return [(p.title, p.xlabel, p.ylabel, p.has_legend,
                 [(l.names, list(np.asarray(l.line.get_xydata()).ravel())) for l in p.lines]) for p in read_figure(f)]

    assert view(ns["fig"]) == view(fig)
    left_names = [names for names, _ in view(fig)[0][4]]
    assert "Train" in left_names[0] and left_names[1] == ["Validation"]   # legend texts name the lines


def test_patched_ydata_does_not_change_what_is_exported(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    snapshot.load_ipython_extension(None)                      # as at kernel start
    fig, ax = plt.subplots()
    ax.plot([1, 2], [0.0, 0.0], label="flat")
    original = Line2D.get_ydata, Line2D.get_xydata
    try:
        Line2D.get_ydata = lambda self, orig=True: np.array([0.5, 0.9])
        Line2D.get_xydata = lambda self: np.array([[1, 0.5], [2, 0.9]])
        ns = _roundtrip(tmp_path, {"fig": fig})
    finally:
        Line2D.get_ydata, Line2D.get_xydata = original
        plt.close(fig)
    assert ns["fig"].axes[0].get_lines()[0].get_ydata().tolist() == [0.0, 0.0]


def test_student_code_never_comes_back(tmp_path, trained):
    import keras

    model, _, _ = trained
    lam = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Lambda(lambda x: x * 2)])

    def build_model(opt):
        raise SystemExit("student code ran")

    ns = _roundtrip(tmp_path, {"lam": lam, "build_model": build_model, "gen": (i for i in range(3))})
    assert isinstance(ns["lam"], Unavailable)
    with pytest.raises(AssertionError, match="safe mode"):
        ns["lam"].predict
    assert callable(ns["build_model"])
    with pytest.raises(AssertionError, match="does not run your function"):
        ns["build_model"](None)
    assert isinstance(ns["gen"], Unavailable)


def test_a_test_cell_reads_the_names_it_mentions():
    source = ('for var in ("models", "fig_x"):\n    assert var in globals()\n'
              "from day76.checks import plots\nplots.check(fig_x, histories, len(models))\n")
    names = referenced_names(source)
    assert {"models", "fig_x", "histories", "plots"} <= set(names)
    assert "len" not in names and "var" in names
    assert has_hidden_tests("x = 1\n## BEGIN HIDDEN TESTS\ny = 2")            # nbgrader's substring rule
    assert not has_hidden_tests("x = 1")


def test_run_tests_decides_cells_in_a_fresh_python(tmp_path, trained):
    """The verifier as a process: outputs as a kernel would record them, errors as error outputs."""
    model, history, _ = trained
    job = tmp_path / "job"
    job.mkdir()
    assert snapshot.export(["models", "histories"], {"models": {"A": model}, "histories": {"A": history}},
                           str(job / "exports" / "t1"), str(job / "models")) == "ok"
    tests = [{"grade_id": "t1", "source": "print(len(models))\nassert histories['A'].model is models['A']\n1.5",
              "export": "exports/t1"},
             {"grade_id": "t2", "source": "assert models['A'] is None, 'not None'", "export": "exports/t1"},
             {"grade_id": "t4", "source": "from IPython.display import display\ndisplay({'text/plain': '', 'x/y': 1}, raw=True)",
              "export": "exports/t1"},
             {"grade_id": "t3", "source": "x = 1", "export": "exports/missing"}]
    (job / "tests.json").write_text(json.dumps(tests))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-I", "-m", "autograder.verify.run_tests", str(job)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((job / "results.json").read_text())
    assert results["t1"]["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "1\n"},
        {"output_type": "execute_result", "execution_count": None, "metadata": {}, "data": {"text/plain": "1.5"}}]
    assert results["t2"]["outputs"][-1]["ename"] == "AssertionError" and results["t2"]["outputs"][-1]["evalue"] == "not None"
    assert results["t3"]["status"] == "missing" and results["t3"]["outputs"][0]["output_type"] == "error"
    assert results["t4"]["outputs"] == [{"output_type": "display_data", "data": {"text/plain": "", "x/y": 1}, "metadata": {}}]
