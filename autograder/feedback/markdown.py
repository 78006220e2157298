"""A per-student Markdown summary to paste into a GitHub issue or comment on the student's repository.

It says, in this order: the score per part, what failed and why (the test's own message, and a
plain-words hint when the message is a bare Python error), the commit that was graded and
whether it was late. Anything a submission can influence (error messages, paths) goes inside
code spans or fenced blocks, so it cannot @-mention people or inject Markdown/HTML.
"""

from __future__ import annotations

import fnmatch
import math
import re
from pathlib import Path

from .. import course
from ..reports.collection import Collected, read_collection_report
from .outcomes import WRITTEN, CellOutcome, SubmissionOutcome, submission_outcomes

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


def submission_lines(outcome: SubmissionOutcome, collected: Collected | None) -> list[str]:
    """What was graded (commit, file) and whether it was late, from collection and nbgrader."""
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
    late = (collected is not None and collected.late) or outcome.seconds_late > 0
    if late:
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


def render_summary(outcome: SubmissionOutcome, collected: Collected | None = None,
                   title: str = "Day 76 優化器 homework") -> str:
    """The Markdown text for one student."""
    auto = [c for c in outcome.cells if c.score is not None]
    waiting = outcome.waiting
    auto_score = sum(c.score for c in auto) - outcome.late_penalty
    auto_max = sum(c.max_score for c in auto)
    out = [f"## {title} ({outcome.assignment}): feedback for {_code(outcome.student)}", ""]
    total = f"**Score: {_fmt(auto_score)} / {_fmt(auto_max)}** autograded"
    if waiting:
        total += f" (+ {_fmt(sum(c.max_score for c in waiting))} points of written answers, graded by the instructor later)"
    out += [total, "", "| part | score | tests passed |", "|---|---:|---:|"]
    for part, (score, top) in outcome.parts().items():
        cells = [c for c in outcome.cells if c.part == part]
        if all(c.score is None for c in cells):
            out.append(f"| {part} | to be graded (/ {_fmt(top)}) | – |")
        else:
            passed = sum(c.passed for c in cells if c.score is not None)
            out.append(f"| {part} | {_fmt(score)} / {_fmt(top)} | {passed} / {sum(c.score is not None for c in cells)} |")
    if outcome.late_penalty:
        out.append(f"| late penalty | −{_fmt(outcome.late_penalty)} | |")
    out += ["", "### Submission", *submission_lines(outcome, collected), ""]
    failed = [c for c in auto if not c.passed]
    if failed:
        out += ["### What to fix", ""]
        for cell in failed:
            out += _failure(cell)
        out.append("")
    else:
        out += ["### What to fix", "", "Nothing: every autograded test passed. 🎉", ""]
    passed = [c for c in auto if c.passed]
    if passed:
        out += ["### Passed", "", ", ".join(_code(c.grade_id) for c in passed), ""]
    return "\n".join(out).rstrip() + "\n"


def render_missing(collected: Collected, title: str = "Day 76 優化器 homework", assignment: str = course.ASSIGNMENT) -> str:
    """The summary for a student whose notebook could not be collected (so nothing was graded)."""
    return "\n".join([
        f"## {title} ({assignment}): feedback for {_code(collected.student_id)}", "",
        "**Not graded: your notebook could not be collected.**", "",
        f"- **Status:** {collected.status}",
        f"- **Why:** {_code(collected.reason or 'no reason recorded')}",
        f"- **Link we tried:** {_code(collected.link)}" if collected.link else "- **Link:** none given",
        "", "Fix the link or the repository and tell the instructor, so your work can be collected again.", ""])


def summaries_dir(course_root: Path, assignment: str = course.ASSIGNMENT) -> Path:
    return Path(course_root) / "summaries" / assignment


def write_summaries(course_root: Path = course.COURSE_ROOT, out_dir: Path | None = None,
                    assignment: str = course.ASSIGNMENT, collection_report: Path | None = None,
                    student: str | None = None) -> dict[str, Path]:
    """One `<student>.md` per autograded student (and per collection failure); {student: path}.

    `student`: only students matching this glob (nbgrader's `--student` style).

    Default folder: `<course_root>/summaries/<assignment>/` (not under feedback/, which nbgrader
    clears when it regenerates feedback).
    """
    out_dir = Path(out_dir) if out_dir else summaries_dir(course_root, assignment)
    out_dir.mkdir(parents=True, exist_ok=True)
    collection = read_collection_report(collection_report)
    written: dict[str, Path] = {}
    wanted = (lambda who: True) if student is None else (lambda who: fnmatch.fnmatchcase(who, student))
    for who, outcome in submission_outcomes(course_root, assignment).items():
        if wanted(who):
            path = out_dir / f"{who}.md"
            path.write_text(render_summary(outcome, collection.get(who)), encoding="utf-8")
            written[who] = path
    for who, entry in collection.items():
        if who and who not in written and wanted(who) and entry.failed and entry.status != "duplicate":
            path = out_dir / f"{who}.md"
            path.write_text(render_missing(entry, assignment=assignment), encoding="utf-8")
            written[who] = path
    return written
