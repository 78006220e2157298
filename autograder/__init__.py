"""The instructor's tool for the Day 76 optimizers homework.

Collects homework from GitHub links, grades it with nbgrader's own preprocessors (in parallel,
sandboxed), provides the checks that the homework's hidden tests call, and turns results into
feedback and a class report. Each concern lives in its own module; `cli.py` is a thin layer on top.
"""

__version__ = "0.1.0"
