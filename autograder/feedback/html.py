"""Per-student feedback HTML: nbgrader's own `generate_feedback`, with the hidden tests taken out.

nbgrader renders `autograded/<student>/<assignment>/*.ipynb` into
`feedback/<student>/<assignment>/*.html`; `HideHiddenTests` runs on the way (after nbgrader's
`GetGrades`), so the page keeps every test's score, description and failure message but none
of the hidden code. Each page is then checked: a page that still contains a line of hidden code
is deleted and reported, never handed out.
"""

from __future__ import annotations

import fnmatch
import html as html_lib
import re
from pathlib import Path

from .. import course, nbgrader_cli
from .hide_hidden_tests import BEGIN, END

PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.hide_hidden_tests.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]


# nbconvert's classic template does not wrap outputs: a long failure message would run off the page
WRAP_CSS = "<style>div.output_error pre, div.output_stream pre { white-space: pre-wrap; word-break: break-word; }</style>"


def wrap_long_messages(path: Path) -> None:
    page = path.read_text(encoding="utf-8")
    if WRAP_CSS not in page:
        path.write_text(page.replace("</head>", WRAP_CSS + "\n</head>", 1), encoding="utf-8")


class NothingGradedError(RuntimeError):
    """No autograded submission matches: there is nothing to give feedback on yet."""


class FeedbackLeakError(RuntimeError):
    """A feedback page still shows hidden-test code; the page was deleted."""


def nbgrader_args(assignment: str = course.ASSIGNMENT, student: str | None = None) -> list[str]:
    """The `nbgrader generate_feedback` command line, our preprocessor included."""
    args = ["generate_feedback", assignment, "--force",
            "--GenerateFeedback.preprocessors=" + repr(PREPROCESSORS)]
    if student:
        args.append(f"--student={student}")
    return args


def hidden_code_lines(course_root: Path, assignment: str = course.ASSIGNMENT, min_chars: int = 12) -> set[str]:
    """Every non-trivial line inside a hidden-test region of the assignment (from the gradebook)."""
    from nbgrader.api import Gradebook

    from ..gradebook import db_url

    lines: set[str] = set()
    with Gradebook(db_url(course_root)) as gb:
        for notebook in gb.find_assignment(assignment).notebooks:
            for cell in notebook.source_cells:
                inside = False
                for line in (cell.source or "").splitlines():
                    text = line.strip()
                    if text == BEGIN:
                        inside = True
                    elif text == END:
                        inside = False
                    elif inside and len(text) >= min_chars:
                        lines.add(text)
    return lines


def page_text(page: str) -> str:
    """What a reader sees in an HTML page (tags dropped, entities decoded), to search for leaks."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", page))


def leaked_lines(page: str, hidden: set[str]) -> list[str]:
    text = page_text(page)
    return sorted(line for line in hidden if line in text)


def feedback_pages(course_root: Path, assignment: str = course.ASSIGNMENT,
                   student: str | None = None) -> dict[str, list[Path]]:
    """{student: [feedback HTML files]} as nbgrader laid them out (only students matching the glob)."""
    pages: dict[str, list[Path]] = {}
    for path in sorted((Path(course_root) / "feedback").glob(f"*/{assignment}/*.html")):
        who = path.parent.parent.name
        if student is None or fnmatch.fnmatchcase(who, student):
            pages.setdefault(who, []).append(path)
    return pages


def generate_feedback(course_root: Path = course.COURSE_ROOT, assignment: str = course.ASSIGNMENT,
                      student: str | None = None) -> dict[str, list[Path]]:
    """Run nbgrader's feedback step without hidden tests; {student: [HTML pages]}.

    `student` is nbgrader's glob (default: everyone autograded). Raises `FeedbackLeakError`
    (after deleting the offending pages) if any page still shows a line of hidden-test code.
    """
    course_root = Path(course_root)
    graded = [p for p in (course_root / "autograded").glob(f"*/{assignment}")
              if student is None or fnmatch.fnmatchcase(p.parent.name, student)]
    if not graded:
        raise NothingGradedError(f"no autograded submissions of {assignment!r} in {course_root / 'autograded'}"
                                 f"{' for ' + repr(student) if student else ''}: run `nbgrader autograde {assignment}` "
                                 f"(or `autograder grade`) first")
    nbgrader_cli.run(nbgrader_args(assignment, student), course_root)
    hidden = hidden_code_lines(course_root, assignment)
    pages = feedback_pages(course_root, assignment, student)
    leaks = {}
    for who, paths in pages.items():
        for path in paths:
            wrap_long_messages(path)
            found = leaked_lines(path.read_text(encoding="utf-8"), hidden)
            if found:
                leaks[path] = found
                path.unlink()
    if leaks:
        detail = "; ".join(f"{p}: {lines[0]!r}" for p, lines in leaks.items())
        raise FeedbackLeakError(f"{len(leaks)} feedback page(s) showed hidden-test code and were deleted: {detail}")
    return pages
