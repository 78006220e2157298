"""Per-student feedback HTML: nbgrader's own `generate_feedback`, without the hidden tests, readable offline.

nbgrader renders `autograded/<student>/<assignment>/*.ipynb` into
`feedback/<student>/<assignment>/*.html`. On the way (after nbgrader's `GetGrades`),
`HideHiddenTests` replaces hidden-test code by a note, `NotGradedYet` says so for an answer the
instructor has not graded yet (instead of 0 points), and `RenderMathOffline` turns formulas into
inline SVG; the `feedback_offline` template drops the CDN MathJax script. Each page is then
checked against the hidden lines *as nbgrader itself removed them*: every line of a test cell's
instructor source (from the gradebook) that nbgrader's release of that cell does not contain.
That check shares nothing with the hider's parsing, so a region the hider missed is still caught;
a page that shows such a line is deleted and reported, never handed out.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from pathlib import Path
from typing import Iterable

import nbformat

from ..course import Course
from ..gradebook import source_cells
from ..nbgrader_commands import run as run_nbgrader
from ..outcome import wanted

log = logging.getLogger(__name__)

PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.hide_hidden_tests.HideHiddenTests",
    "autograder.feedback.manual.NotGradedYet",
    "autograder.feedback.math.RenderMathOffline",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "feedback_offline"       # nbgrader's feedback template, minus the CDN MathJax
MIN_LEAK_CHARS = 12                 # shorter lines ("else:", "pass") say nothing about a hidden test

# nbconvert's classic template does not wrap outputs: a long failure message would run off the page
WRAP_CSS = "<style>div.output_error pre, div.output_stream pre { white-space: pre-wrap; word-break: break-word; }</style>"


class NothingGradedError(RuntimeError):
    """No autograded submission matches: there is nothing to give feedback on yet."""


class FeedbackLeakError(RuntimeError):
    """A feedback page still shows hidden-test code; the page was deleted."""


def _nbgrader_templates() -> str:
    import nbgrader

    return str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates")


def nbgrader_args(assignment: str, student: str | None = None) -> list[str]:
    """The `nbgrader generate_feedback` command line: our preprocessors and the offline template."""
    args = ["generate_feedback", assignment, "--force",
            "--GenerateFeedback.preprocessors=" + repr(PREPROCESSORS),
            f"--HTMLExporter.template_name={TEMPLATE}",
            # a list option is given once per item (a repr would be read as one string)
            f"--HTMLExporter.extra_template_basedirs={_nbgrader_templates()}",
            f"--HTMLExporter.extra_template_basedirs={TEMPLATES}"]
    if student:
        args.append(f"--student={student}")
    return args


def _lines(source: str) -> set[str]:
    return {line.strip() for line in (source or "").splitlines() if len(line.strip()) >= MIN_LEAK_CHARS}


def _released_lines(course: Course) -> dict[str, set[str]] | None:
    """{notebook name: every line students see in nbgrader's release of it}, or None without a release."""
    paths = sorted((course.root / "release" / course.assignment).glob("*.ipynb"))
    if not paths:
        return None
    return {path.stem: set().union(*(_lines(c.source) for c in nbformat.read(path, as_version=4).cells))
            for path in paths}


def _cleared_by_nbgrader(source: str, config) -> str:
    """What nbgrader's own ClearHiddenTests leaves of a cell (when there is no release to read)."""
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import ClearHiddenTests

    cell = new_code_cell(source)
    ClearHiddenTests(config=config)._remove_hidden_test_region(cell)
    return cell.source


def hidden_code_lines(course: Course) -> set[str]:
    """Every non-trivial line of the instructor's cells (as the gradebook recorded them) that
    nbgrader's release does not show students: the lines a feedback page must not contain."""
    released = _released_lines(course)
    hidden: set[str] = set()
    for notebook, cells in source_cells(course).items():
        for source in cells.values():
            if released is not None and notebook in released:
                hidden |= _lines(source) - released[notebook]
            else:
                hidden |= _lines(source) - _lines(_cleared_by_nbgrader(source, course.config))
    return hidden


def page_text(page: str) -> str:
    """What a reader sees in an HTML page (tags dropped, entities decoded), to search for leaks."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", page))


def leaked_lines(page: str, hidden: set[str]) -> list[str]:
    text = page_text(page)
    return sorted(line for line in hidden if line in text)


def feedback_pages(course: Course, students: Iterable[str] | None = None) -> dict[str, list[Path]]:
    """{student: [feedback HTML files]} as nbgrader laid them out (only students matching the globs)."""
    pages: dict[str, list[Path]] = {}
    for path in sorted((course.root / "feedback").glob(f"*/{course.assignment}/*.html")):
        who = path.parent.parent.name
        if wanted(who, students):
            pages.setdefault(who, []).append(path)
    return pages


def _wrap_long_messages(path: Path) -> None:
    page = path.read_text(encoding="utf-8")
    if WRAP_CSS not in page:
        path.write_text(page.replace("</head>", WRAP_CSS + "\n</head>", 1), encoding="utf-8")


def generate_feedback(course: Course, students: Iterable[str] | None = None) -> dict[str, list[Path]]:
    """Run nbgrader's feedback step without hidden tests; {student: [HTML pages]}.

    `students`: fnmatch globs (default: everyone autograded). Raises `NothingGradedError` when
    nothing matches, and `FeedbackLeakError` (after deleting the offending pages) if any page
    still shows a line of hidden-test code.
    """
    globs = list(students or [])
    graded = sorted(p.parent.parent.name for p in (course.root / "autograded").glob(f"*/{course.assignment}/*.ipynb")
                    if wanted(p.parent.parent.name, globs))
    if not graded:
        raise NothingGradedError(
            f"no autograded submissions of {course.assignment!r} in {course.root / 'autograded'}"
            f"{' for ' + ', '.join(map(repr, globs)) if globs else ''}: grade first "
            f"(`autograder grade {course.assignment}` or `nbgrader autograde {course.assignment}` in {course.root})")
    for glob in globs or [None]:
        log.info("nbgrader generate_feedback %s%s", course.assignment, f" --student={glob}" if glob else "")
        run_nbgrader(nbgrader_args(course.assignment, glob), course.root)
    hidden = hidden_code_lines(course)
    pages = feedback_pages(course, globs)
    leaks = {}
    for paths in pages.values():
        for path in paths:
            _wrap_long_messages(path)
            found = leaked_lines(path.read_text(encoding="utf-8"), hidden)
            if found:
                leaks[path] = found
                path.unlink()
    if leaks:
        detail = "; ".join(f"{p}: {lines[0]!r}" for p, lines in leaks.items())
        raise FeedbackLeakError(f"{len(leaks)} feedback page(s) showed hidden-test code and were deleted: {detail}")
    return {who: [p for p in paths if p.exists()] for who, paths in pages.items()}
