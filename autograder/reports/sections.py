"""Course-specific sections of the class report, supplied by the course itself.

The report's generic part (scores, tests, lateness, collection) knows nothing about what a
course's hidden tests measure. A course that wants more (for example the class's accuracy per
optimizer) names a module in its nbgrader_config.py:

    c.ClassReport.sections = "mycourse.report"

That module defines `sections(course, outcomes) -> list[Section]`; each section is a heading, an
optional figure with its caption, and an optional table, rendered in that order after the
generic sections.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import pandas as pd
from traitlets import Unicode
from traitlets.config import Configurable

from ..course import Course


class ClassReport(Configurable):
    """`c.ClassReport.*` in nbgrader_config.py."""

    sections = Unicode("", help="Module whose sections(course, outcomes) adds course-specific sections "
                                "to the class report (empty: none).").tag(config=True)


class SectionsError(RuntimeError):
    """The configured sections module cannot be imported or does not define sections()."""


@dataclass
class Section:
    anchor: str                      # HTML id, also the PNG's file stem
    title: str
    figure: object = None            # a matplotlib Figure, or None
    alt: str = ""                    # the figure's alt text
    caption: str = ""
    intro: str = ""                  # a sentence above the table
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    table_index: bool = True
    empty: str = "no data yet"       # shown instead of an empty table


def course_sections(course: Course, outcomes) -> list[Section]:
    name = ClassReport(config=course.config).sections
    if not name:
        return []
    try:
        module = importlib.import_module(name)
        make = module.sections
    except (ImportError, AttributeError) as exc:
        raise SectionsError(f"c.ClassReport.sections = {name!r} in {course.root / 'nbgrader_config.py'}: "
                            f"cannot use it ({exc}); fix the name or remove the line") from exc
    return list(make(course, outcomes))
