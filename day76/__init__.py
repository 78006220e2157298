"""The Day 76 優化器 (optimizers) course content: everything that is about *this* course.

The grading machinery (`autograder`) is generic; it learns about this course from
`homework/nbgrader_config.py` (`c.Course.*`). What lives here:

- `data`        the digits split of the homework's setup cell, and the grader's secret test set
- `checks/`     what each graded cell of the homework checks (where a hidden test checks a plot:
                `checks/plots.py`), written once for both graders
- `verify`      the hooks `autograder grade` uses to decide test cells in a clean process
- `recipes`     builds example/fixture submissions from the release + a short recipe
- `examples/`   example submissions (good, partial, blank, hostile)
- `thresholds`  where the hidden tests' accuracy thresholds come from (`python -m day76.thresholds`)
- `demo`        `make demo`: the whole pipeline on example students (`python -m day76.demo`)
"""

from pathlib import Path

# The course folder this content belongs to, in a checkout of this repository.
HOMEWORK = Path(__file__).resolve().parent.parent / "homework"
EXAMPLES = Path(__file__).resolve().parent / "examples"
