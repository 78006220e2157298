"""The repository's own course, loaded the way the commands load it (for tests)."""

from autograder.course import Course
from day76 import EXAMPLES, HOMEWORK  # noqa: F401  (re-exported)

COURSE = Course.load(HOMEWORK)
