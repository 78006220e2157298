"""Hidden-test regions, by nbgrader's own rule, in one place.

nbgrader's `ClearHiddenTests` treats any line that *contains* the configured delimiter
(`ClearHiddenTests.begin_test_delimeter` / `end_test_delimeter`, "BEGIN HIDDEN TESTS" and
"END HIDDEN TESTS" by default) as a marker: `### BEGIN HIDDEN TESTS`, `## BEGIN HIDDEN TESTS`
and `# --- BEGIN HIDDEN TESTS ---` all count, and the marker lines go with the region. The
feedback hider and the outcome's test descriptions use `split_hidden`; the feedback leak check
deliberately does not (it diffs the gradebook's source against the release nbgrader produced).
"""

from __future__ import annotations

from dataclasses import dataclass

from traitlets.config import Config


@dataclass(frozen=True)
class Delimiters:
    begin: str = "BEGIN HIDDEN TESTS"
    end: str = "END HIDDEN TESTS"

    @classmethod
    def from_config(cls, config: Config | None) -> "Delimiters":
        """The delimiters the course configured for nbgrader (`c.ClearHiddenTests.*`)."""
        section = (config or Config()).get("ClearHiddenTests", {})
        return cls(begin=section.get("begin_test_delimeter", cls.begin),
                   end=section.get("end_test_delimeter", cls.end))


def split_hidden(source: str, delimiters: Delimiters = Delimiters()) -> list[tuple[bool, list[str]]]:
    """The cell's lines as runs of (hidden?, lines); marker lines belong to their hidden run.

    Like nbgrader, a region without an end marker runs to the end of the cell (nbgrader refuses
    to release such a cell; here the rest is simply treated as hidden, the safe side).
    """
    runs: list[tuple[bool, list[str]]] = []
    inside = False
    for line in (source or "").split("\n"):
        if delimiters.begin in line:
            inside = True
            hidden = True
        elif delimiters.end in line:           # nbgrader drops a stray end marker too
            inside, hidden = False, True
        else:
            hidden = inside
        if runs and runs[-1][0] == hidden:
            runs[-1][1].append(line)
        else:
            runs.append((hidden, [line]))
    return runs


def has_hidden_tests(source: str, delimiters: Delimiters = Delimiters()) -> bool:
    return any(hidden for hidden, _ in split_hidden(source, delimiters))


def without_hidden_tests(source: str, note: str, delimiters: Delimiters = Delimiters()) -> str:
    """The source with each hidden region replaced by `note` (once): what the student may read."""
    out: list[str] = []
    noted = False
    for hidden, lines in split_hidden(source, delimiters):
        if not hidden:
            out.extend(lines)
        elif not noted:
            if note:
                out.append(note)
            noted = True
    return "\n".join(out).rstrip("\n").rstrip()
