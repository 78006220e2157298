"""Read the class roster: a CSV with a student id and a link per row, other columns kept.

Forms and spreadsheets export CSV with a BOM, in GB18030 on Chinese Windows, with headers like
`Student ID` or `GitHub URL`; all of that is accepted. Without a recognisable header the first
two columns are the id and the link.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

ID_NAMES = {"student_id", "studentid", "student", "id", "username", "login", "學號", "学号"}
LINK_NAMES = {"link", "url", "github", "github_url", "githuburl", "github_link", "homework", "repo",
              "repository", "submission", "連結", "链接"}


class RosterError(ValueError):
    pass


@dataclass
class RosterRow:
    student_id: str
    link: str
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0


def _key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", (name or "").strip().lower())


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError("the roster is neither UTF-8 nor GB18030 text")


def parse_roster(text: str) -> list[RosterRow]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    numbered = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    rows = [r for _, r in numbered]
    if not rows:
        raise RosterError("the roster is empty")
    header = [_key(c) for c in rows[0]]
    id_col = next((i for i, h in enumerate(header) if h in ID_NAMES), None)
    link_col = next((i for i, h in enumerate(header) if h in LINK_NAMES), None)
    if id_col is not None and link_col is not None:
        names, body = [c.strip() for c in rows[0]], numbered[1:]
    else:
        if any("://" in c or "github" in c.lower() for c in rows[0][1:2]):
            names, body = ["student_id", "link"], numbered
        else:
            raise RosterError("the roster needs columns named student_id and link "
                              f"(found: {', '.join(rows[0])})")
        id_col, link_col = 0, 1
    out = []
    for n, row in body:
        cells = row + [""] * (max(id_col, link_col) + 1 - len(row))
        extra = {names[i] if i < len(names) and names[i] else f"column{i + 1}": c
                 for i, c in enumerate(row) if i not in (id_col, link_col)}
        out.append(RosterRow(cells[id_col].strip(), cells[link_col].strip(), extra, n))
    return out


def read_roster(path: Path | str) -> list[RosterRow]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {exc.strerror}") from None
    return parse_roster(_decode(data))
