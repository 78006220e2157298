"""Checks that the homework's hidden tests call.

Every check raises `AssertionError` with a message written for the student (it ends up in their
feedback), and first makes sure the functions it relies on are still the real ones
(`integrity.assert_untampered`), so a submission that monkeypatches numpy, builtins or Keras
cannot make a check pass.

- `accuracy`    – the student's trained models on the held-out test split
- `consistency` – histories really belong to the models (updates, last validation metrics, counts)
- `tables`      – reported DataFrames equal the histories
- `plots`       – where a hidden test checks a plot: figure lines, labels, titles, y-data
"""
