"""The notebook's read-only setup cell makes exactly the split the grader's checks use."""

import nbformat
import numpy as np

from course_support import COURSE
from day76 import data


def test_setup_cell_split_equals_autograder_data():
    nb = nbformat.read(COURSE.release_notebook(), as_version=4)
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    assert setup.metadata["nbgrader"]["locked"], "the setup cell must be read-only"
    namespace: dict = {}
    exec(compile(setup.source, "setup-cell", "exec"), namespace)
    for name, (X, y) in {"train": data.train_split(), "val": data.validation_split()}.items():
        np.testing.assert_array_equal(namespace[f"X_{name}"], X)
        np.testing.assert_array_equal(namespace[f"y_{name}"], y)
    X_test, _ = data.test_split()
    assert len(X_test) == 360 and len(namespace["X_train"]) == 1149 and len(namespace["X_val"]) == 288
    _, y_test = data.test_split()
    all_counts = np.bincount(np.concatenate([namespace["y_train"], namespace["y_val"], y_test]))
    for split in (namespace["y_train"], namespace["y_val"], y_test):  # stratified: each class keeps its share
        expected = all_counts * len(split) / all_counts.sum()
        assert np.all(np.abs(np.bincount(split, minlength=10) - expected) <= 1.0)
    assert "X_test" not in namespace and "_X_test_heldout" not in namespace, "the notebook must not load the test split"
