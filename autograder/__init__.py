"""An instructor's tool for an nbgrader course: collect, grade, give feedback, report.

Collects homework from GitHub links (`collect/`), grades it with nbgrader's own preprocessors in
parallel and sandboxed, deciding test cells in a clean process (`grading/`, `sandbox/`,
`verify/`), and turns results into feedback and a class report (`outcome.py`, `feedback/`,
`reports/`). It never names a course: it reads the course from its `nbgrader_config.py`
(`course.py`). Each concern lives in its own module; `cli.py` is a thin layer on top, and
`autograder --version` reports the installed distribution's version.
"""
