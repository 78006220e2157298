"""A per-student Markdown summary to paste into a GitHub issue or comment on the student's repository.

It says, in this order: the score per part (autograded, manual, late penalty, total), what
failed and why (the test's own message, and a plain-words hint when the message is a bare
Python error), the instructor's comments on manually graded answers, the commit that was graded
and whether it was late. Every number comes from `autograder.outcome`. Anything a submission can
influence (error messages, paths, comments) goes inside code spans or fenced blocks, so it cannot
@-mention people or inject Markdown/HTML.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import Iterable

from ..course import Course
from ..outcome import CellOutcome, SubmissionOutcome, read_outcomes

log = logging.getLogger(__name__)

MAX_MESSAGE = 800

# hints for errors that are not a test's own AssertionError message
HINTS = {
    "NameError": "a variable the test needs is not defined. Run every cell from the top (Kernel > Restart & Run All) "
                 "and keep the variable names the notebook asks for.",
    "KeyError": "a dictionary or table is missing a key the test looks up: check the keys and column names the notebook asks for.",
    "AttributeError": "an object is not of the kind the test expects (for example a History, a keras Model or a Figure).",
    "TypeError": "a value has the wrong type for what the test does with it.",
    "ValueError": "a value has the right type but a shape or content the test cannot use.",
    "IndexError": "a list or array is shorter than the test expects.",
    "StopIteration": "the test ran out of data to check, usually because an earlier cell of this part did not produce it. "
                     "Fix the other failures of this part first.",
    "NotImplementedError": "a cell still has its `raise NotImplementedError()` stub: replace it with your code.",
    "CellTimeoutError": "the cell ran longer than the time limit; train fewer epochs or smaller models.",
    "TimeoutError": "the cell ran longer than the time limit; train fewer epochs or smaller models.",
    "DeadKernelError": "the notebook crashed (out of memory?) while running this cell.",
}
NOT_GRADED_YET = "not graded yet"


def _fmt(x: float) -> str:
    return f"{x:g}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _code(text: str) -> str:
    """`text` as an inline code span that survives backticks inside it."""
    text = " ".join(str(text).split()) or "(none)"
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(text: str) -> str:
    """`text` as a fenced block: nothing inside is Markdown, HTML or an @-mention."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return f"{fence}text\n{text}\n{fence}"


def explain(message: str) -> tuple[str, str]:
    """(plain-words hint or '', the message as the test gave it) for a failed cell's error."""
    if not message:
        return "the cell did not get its points (no error message was recorded).", ""
    ename, _, evalue = message.partition(": ")
    if ename == "AssertionError" and evalue:
        return "", evalue
    hint = HINTS.get(ename, "Python stopped with an error before the test could finish.")
    return hint, message


def _trim(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def _failure(cell: CellOutcome) -> list[str]:
    title = f"- **{cell.part} · {cell.kind} {_code(cell.grade_id)}**: {_fmt(cell.score or 0)} / {_fmt(cell.max_score)}"
    lines = [title]
    if cell.description:
        what = re.sub(r"^(Hidden|Public) test for \S+ \([^)]*\):\s*", "", cell.description)
        lines.append(f"  - What it checks: {what}")
    hint, message = explain(cell.message)
    if hint:
        lines.append(f"  - Why: {hint}")
    if message:
        lines.append("  - The test said:")
        lines.extend("    " + line for line in _fenced(_trim(message)).splitlines())
    return lines


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"



def submission_lines(outcome: SubmissionOutcome) -> list[str]:
    """What was graded (commit, file) and whether it was late, from collection and nbgrader."""
    collected = outcome.collected
    lines = []
    if collected and collected.commit:
        where = f" of {_code(collected.path)}" if collected.path else ""
        when = f", committed {collected.commit_time.replace('T', ' ')[:16]} UTC" if collected.commit_time else ""
        lines.append(f"- **Commit graded:** {_code(collected.commit[:12])}{where}{when}")
        if collected.kept_previous:
            lines.append(f"- The latest collection failed ({_code(collected.reason)}); the earlier submission above was graded.")
    elif collected:
        lines.append(f"- **Collection:** {collected.status}: {_code(collected.reason)}")
    else:
        lines.append("- **Commit graded:** not recorded (no collection report was given).")
    if outcome.late:
        detail = []
        if outcome.seconds_late > 0:
            detail.append(f"{_duration(outcome.seconds_late)} after the deadline")
        if outcome.late_penalty:
            detail.append(f"late penalty {_fmt(outcome.late_penalty)} point(s)")
        if collected is not None and collected.late and collected.reason:
            detail.append(collected.reason)
        lines.append("- **Late:** yes" + (f" ({'; '.join(detail)})" if detail else ""))
    else:
        lines.append("- **Late:** no" + ("" if outcome.timestamp or collected else " (no submission time was recorded)"))
    if outcome.timestamp:
        lines.append(f"- Submission time recorded by nbgrader: {outcome.timestamp} UTC")
    return lines


def _score_lines(outcome: SubmissionOutcome) -> list[str]:
    manual = outcome.manual
    lines = [f"- Autograded tests: **{_fmt(outcome.autograded)} / {_fmt(outcome.autograded_max)}**"]
    if outcome.manual_cells:
        lines.append(f"- Graded by the instructor: **{_fmt(manual)} / {_fmt(outcome.manual_max)}**" if manual is not None
                     else f"- Graded by the instructor: {NOT_GRADED_YET} (/ {_fmt(outcome.manual_max)})")
    if outcome.late_penalty:
        lines.append(f"- Late penalty: **−{_fmt(outcome.late_penalty)}**")
    total = f"- **Total: {_fmt(outcome.score)} / {_fmt(outcome.max_score)}**"
    if outcome.waiting:
        total += f" so far ({_fmt(sum(c.max_score for c in outcome.waiting))} points are {NOT_GRADED_YET})"
    return lines + [total]


def _part_table(outcome: SubmissionOutcome) -> list[str]:
    out = ["| part | score | tests passed |", "|---|---:|---:|"]
    for part, total in outcome.parts().items():
        cells = [c for c in outcome.cells if c.part == part]
        tests = [c for c in cells if not c.manual]
        passed = f"{sum(c.passed for c in tests)} / {len(tests)}" if tests else "–"
        if not total.graded:
            graded = sum(c.max_score for c in cells if c.graded)
            shown = f"{_fmt(total.score)} / {_fmt(graded)} ({NOT_GRADED_YET}: {_fmt(total.max_score - graded)})" \
                if graded else f"{NOT_GRADED_YET} (/ {_fmt(total.max_score)})"
        else:
            shown = f"{_fmt(total.score)} / {_fmt(total.max_score)}"
        manual = " (graded by the instructor)" if cells and all(c.manual for c in cells) and total.graded else ""
        out.append(f"| {part} | {shown}{manual} | {passed} |")
    return out


def _manual_lines(outcome: SubmissionOutcome) -> list[str]:
    out = []
    for cell in outcome.manual_cells:
        score = f"{_fmt(cell.score)} / {_fmt(cell.max_score)}" if cell.graded else f"{NOT_GRADED_YET} (/ {_fmt(cell.max_score)})"
        out.append(f"- **{cell.kind} {_code(cell.grade_id)}**: {score}")
        if cell.comment:
            out.append("  - Instructor's comment:")
            out.extend("    " + line for line in _fenced(_trim(cell.comment)).splitlines())
    return out


def render_summary(outcome: SubmissionOutcome, title: str = "") -> str:
    """The Markdown text for one student."""
    title = title or outcome.assignment
    out = [f"## {title} ({outcome.assignment}): feedback for {_code(outcome.student)}", ""]
    if not outcome.has_scores:
        return _render_ungraded(outcome, out)
    if outcome.status == "not_gradable":
        out += ["**Your notebook could not be graded to the end**, so the tests it did not reach score 0:", ""]
        out += [f"- {_code(reason)}" for reason in outcome.reasons or ["no reason recorded"]] + [""]
    out += _score_lines(outcome) + [""] + _part_table(outcome)
    out += ["", "### Submission", *submission_lines(outcome), ""]
    failed = outcome.failed
    out += ["### What to fix", ""]
    if failed:
        for cell in failed:
            out += _failure(cell)
    else:
        out.append("Nothing: every autograded test passed. 🎉")
    out.append("")
    if outcome.manual_cells:
        out += ["### Graded by the instructor", "", *_manual_lines(outcome), ""]
    passed = [c for c in outcome.autograded_cells if c.passed]
    if passed:
        out += ["### Passed", "", ", ".join(_code(c.grade_id) for c in passed), ""]
    return "\n".join(out).rstrip() + "\n"


def _render_ungraded(outcome: SubmissionOutcome, out: list[str]) -> str:
    """Summaries for a submission that has no grade: why, and what happens next."""
    collected = outcome.collected
    if outcome.status == "grader_error":
        out += ["**Not graded yet: the grader failed on your submission. This is not your fault and "
                "costs you no points; the instructor will grade it again.**", ""]
    elif outcome.status == "not_collected":
        out += ["**Not graded: your notebook could not be collected.**", ""]
    else:
        out += ["**Collected, not graded yet.**", ""]
    if collected is not None:
        out.append(f"- **Status:** {collected.status}")
        out.append(f"- **Link we tried:** {_code(collected.link)}" if collected.link else "- **Link:** none given")
    for reason in outcome.reasons or ([] if outcome.status == "not_graded" else ["no reason recorded"]):
        out.append(f"- **Why:** {_code(reason)}")
    if outcome.status == "not_collected":
        out += ["", "Fix the link or the notebook and tell the instructor, so your work can be collected again."]
    return "\n".join(out).rstrip() + "\n"


def summaries_dir(course: Course) -> Path:
    """`<course>/summaries/<assignment>/` (not under feedback/, which nbgrader clears when it
    regenerates feedback)."""
    return course.root / "summaries" / course.assignment


def write_summaries(course: Course, out_dir: Path | None = None, collection_report: Path | None = None,
                    students: Iterable[str] | None = None,
                    outcomes: dict[str, SubmissionOutcome] | None = None) -> dict[str, Path]:
    """One `<student>.md` per student of the assignment (graded, failed to grade, or not collected);
    {student: path}. `students`: fnmatch globs (default: everyone)."""
    out_dir = Path(out_dir) if out_dir else summaries_dir(course)
    out_dir.mkdir(parents=True, exist_ok=True)
    if outcomes is None:
        outcomes = read_outcomes(course, collection_report, students)
    written: dict[str, Path] = {}
    for who, outcome in outcomes.items():
        path = out_dir / f"{who}.md"
        path.write_text(render_summary(outcome, course.title), encoding="utf-8")
        written[who] = path
    log.info("wrote %d Markdown summaries in %s", len(written), out_dir)
    return written
