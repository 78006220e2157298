"""Collection defaults as nbgrader configures things: traitlets options in the course's nbgrader_config.py.

    c.Collect.jobs = 8                       # repositories fetched at once
    c.Collect.timeout = 120                  # seconds per student, all git steps together
    c.Collect.max_size = "20M"               # largest notebook accepted
    c.Collect.max_repo_size = "200M"         # largest partial clone (history and trees)
    c.Collect.deadline = "2026-11-30 23:59"  # the last commit at or before it is graded
    c.Collect.timezone = ""                  # zone of a deadline written without one
    c.Collect.keep_late = False              # keep late work that was not taken beside the graded one

Command-line flags override these. A deadline written without a zone is read in the course's time
zone: `c.Collect.timezone` when set, else nbgrader's own `c.Exchange.timezone` (the zone nbgrader
records submission timestamps in; its default is UTC). `deadline_zone()` says which was used, so
the run can tell the instructor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo

from traitlets import Bool, Float, Int, Unicode, Union
from traitlets.config import Config, Configurable

MiB = 2 ** 20
NBGRADER_TIMEZONE = "UTC"     # the default of nbgrader's Exchange.timezone (a test checks it still is)
_UNITS = {"": 1, "k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30}


def parse_size(text: str | int) -> int:
    """`20M`, `200MiB`, `1.5g`, `4096` -> bytes; ValueError with the accepted forms otherwise."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"cannot read the size {text!r}: use bytes or a number with K, M or G (e.g. 20M)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


class Collect(Configurable):
    """`c.Collect.*`: defaults for `autograder collect` (flags on the command line win)."""

    jobs = Int(4, help="Repositories fetched at once.").tag(config=True)
    timeout = Float(120.0, help="Seconds allowed per student for all git steps together.").tag(config=True)
    max_size = Union([Int(), Unicode()], default_value="20M",
                     help="Largest notebook accepted (bytes, or e.g. '20M').").tag(config=True)
    max_repo_size = Union([Int(), Unicode()], default_value="200M",
                          help="Largest repository history fetched, file contents excluded.").tag(config=True)
    deadline = Unicode("", help="ISO 8601 deadline; the last commit at or before it is graded. "
                                "Without a zone it is read in `timezone`.").tag(config=True)
    timezone = Unicode("", help="Time zone of a deadline given without one (e.g. 'Asia/Taipei'); "
                                "empty: nbgrader's Exchange.timezone.").tag(config=True)
    keep_late = Bool(False, help="Keep late work that was not graded (because on-time work exists) in "
                                 "collected/<assignment>/late/<student>/.").tag(config=True)


CollectSettings = Collect   # the name the design notes use


@dataclass(frozen=True)
class Zone:
    """The zone a zone-less deadline is read in, and where that choice came from."""

    name: str
    tz: tzinfo
    source: str        # e.g. "--timezone", "c.Collect.timezone", "c.Exchange.timezone", "nbgrader's default"


def _tz(name: str, where: str) -> tzinfo:
    from dateutil.tz import gettz   # what nbgrader itself uses to read zone names

    tz = gettz(name) if name else None
    if tz is None:
        raise ValueError(f"unknown time zone {name!r} in {where}: use a name like 'Asia/Taipei' or 'UTC'")
    return tz


def deadline_zone(config: Config | None, override: str | None = None) -> Zone:
    """The zone for a deadline without one: --timezone, c.Collect.timezone, c.Exchange.timezone, UTC."""
    config = config or Config()
    if override:
        return Zone(override, _tz(override, "--timezone"), "--timezone")
    own = Collect(config=config).timezone
    if own:
        return Zone(own, _tz(own, "c.Collect.timezone"), "c.Collect.timezone")
    # nbgrader's own setting, read from the config without importing nbgrader (seconds of start-up)
    name = config.get("Exchange", {}).get("timezone")
    if name:
        return Zone(name, _tz(name, "c.Exchange.timezone"), "c.Exchange.timezone")
    return Zone(NBGRADER_TIMEZONE, _tz(NBGRADER_TIMEZONE, "nbgrader"), "nbgrader's default c.Exchange.timezone")
