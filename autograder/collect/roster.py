"""Read the class roster as people export it: Google Forms, LMS and Excel CSVs, in their encodings.

Which column is which:
- the link column is the one whose cells hold GitHub links (by content), else one whose header
  says link/URL/GitHub/連結/網址/作業; the id column is the one whose header says student id /
  學號 / username ... (see ID_WORDS); `id_column` / `link_column` choose explicitly (a header
  name or a 1-based column number);
- a file whose first row already holds a link has no header: the first other column is the id.
Other columns (name, email, timestamp) are kept for the report.

Encodings: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode text", tab-separated), and the
two Chinese code pages, Big5/cp950 and GB18030. Both Chinese code pages decode almost any byte
string, so when both do, the one whose text is made of that code page's common characters wins
(`_plausibility`): a Big5 name read as GB18030 turns into kana, Greek or rare ideographs.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

# Words (after normalising: case, spaces, punctuation dropped) that name a student id column,
# best first. Exact matches beat containment.
ID_WORDS = ["studentid", "學號", "学号", "studentno", "studentnumber", "matriculationnumber", "學生學號",
            "学生学号", "學員編號", "学员编号", "學生編號", "学生编号", "sid", "id", "username", "login",
            "userid", "student", "帳號", "账号", "account"]
LINK_WORDS = ["github連結", "github链接", "githublink", "githuburl", "githubrepositorylink", "link", "url",
              "連結", "链接", "網址", "网址", "作業網址", "作业网址", "作業連結", "作业链接", "repository", "repo",
              "github", "gist", "homework", "submission", "作業", "作业", "notebook"]
_LINKISH = re.compile(r"(github\.com|githubusercontent\.com|gist\.github|nbviewer|colab\.research)", re.I)


class RosterError(ValueError):
    pass


@dataclass
class RosterRow:
    student_id: str
    link: str
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 0


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").casefold()
    return re.sub(r"[\s\W_]+", "", text)


# -- encodings ------------------------------------------------------------------------------------

def _common_in(ch: str, encoding: str) -> bool:
    """Is this ideograph one of the code page's common characters (GB2312; Big5 level 1)?"""
    try:
        raw = ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    if encoding == "gb2312":
        return True
    return len(raw) == 2 and 0xA4 <= raw[0] <= 0xC6   # Big5 level 1: the 5,401 frequent characters


def _plausibility(text: str, encoding: str) -> int:
    common = "gb2312" if encoding == "gb18030" else "cp950"
    score = 0
    for ch in text:
        if ord(ch) < 128:
            continue
        if "\u4e00" <= ch <= "\u9fff" and _common_in(ch, common):
            score += 1
        elif unicodedata.category(ch) in ("Zs", "Pd", "Po", "Ps", "Pe") or "\uff00" <= ch <= "\uffef":
            continue        # full-width punctuation and spaces, common in both
        else:
            score -= 2      # kana, Greek, box drawing, private use, rare ideographs: a wrong guess
    return score


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a roster file; RosterError when no supported encoding fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    if data[:200].count(b"\x00") > len(data[:200]) // 4:       # UTF-16 without a BOM
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if text.isprintable() or "\n" in text:
                return text, enc.upper()
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc, label in (("cp950", "Big5 (cp950)"), ("gb18030", "GB18030")):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text, enc), label, text))
    if not candidates:
        raise RosterError("the roster is not text in a supported encoding (UTF-8, UTF-16, Big5/cp950, GB18030): "
                          "save it from your spreadsheet as 'CSV UTF-8'")
    score, label, text = max(candidates, key=lambda c: c[0])
    return text, label


# -- columns --------------------------------------------------------------------------------------

def _rank(header: str, words: list[str]) -> int | None:
    key = _key(header)
    if not key:
        return None
    for i, w in enumerate(words):
        if key == w:
            return i
    for i, w in enumerate(words):
        if len(w) >= 3 and w in key:
            return len(words) + i
    return None


def _pick_column(header: list[str], words: list[str], exclude: set[int]) -> int | None:
    ranked = [(r, i) for i, h in enumerate(header) if i not in exclude
              for r in [_rank(h, words)] if r is not None]
    return min(ranked)[1] if ranked else None


def _column(choice: str, header: list[str], what: str) -> int:
    """A column named by the user: a header name (any case/spacing) or a 1-based number."""
    if choice.strip().isdigit() and 1 <= int(choice) <= len(header):
        return int(choice) - 1
    wanted = _key(choice)
    for i, h in enumerate(header):
        if _key(h) == wanted:
            return i
    raise RosterError(f"the roster has no column {choice!r} for the {what} "
                      f"(columns: {', '.join(h or f'#{i + 1}' for i, h in enumerate(header))})")


def _link_counts(rows: list[list[str]], width: int) -> list[int]:
    counts = [0] * width
    for row in rows:
        for i, cell in enumerate(row[:width]):
            if _LINKISH.search(cell):
                counts[i] += 1
    return counts


def _dialect(text: str):
    first = text.split("\n", 1)[0]
    if "\t" in first and "," not in first:
        return "excel-tab"
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return "excel"


def parse_roster(text: str, id_column: str | None = None, link_column: str | None = None) -> list[RosterRow]:
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), _dialect(text))
    numbered = [(reader.line_num, [c.strip() for c in r]) for r in reader if any(c.strip() for c in r)]
    if not numbered:
        raise RosterError("the roster is empty")
    width = max(len(r) for _, r in numbered)
    rows = [r + [""] * (width - len(r)) for _, r in numbered]
    first = rows[0]
    headerless = any(_LINKISH.search(c) for c in first) and id_column is None and link_column is None
    header = [f"column{i + 1}" for i in range(width)] if headerless else first
    body = list(zip([n for n, _ in numbered], rows)) if headerless else list(zip([n for n, _ in numbered[1:]], rows[1:]))

    if link_column is not None:
        link_col = _column(link_column, header, "links")
    else:
        counts = _link_counts([r for _, r in body], width)
        link_col = max(range(width), key=lambda i: counts[i]) if max(counts, default=0) > 0 else None
        if link_col is None:
            link_col = _pick_column(header, LINK_WORDS, set())
    if id_column is not None:
        id_col = _column(id_column, header, "student ids")
    elif headerless:
        id_col = next((i for i in range(width) if i != link_col), None)
    else:
        id_col = _pick_column(header, ID_WORDS, {link_col} if link_col is not None else set())
    if link_col is None or id_col is None:
        missing = " and ".join(w for w, c in (("student id", id_col), ("link", link_col)) if c is None)
        raise RosterError(f"cannot tell which column holds the {missing} (columns: {', '.join(first)}): "
                          "name them with --id-column and --link-column")
    if id_col == link_col:
        raise RosterError(f"the student id and link columns are the same ({header[id_col]}): "
                          "name them with --id-column and --link-column")
    names = [h or f"column{i + 1}" for i, h in enumerate(header)]
    out = []
    for n, row in body:
        extra = {names[i]: c for i, c in enumerate(row) if i not in (id_col, link_col)}
        out.append(RosterRow(row[id_col], row[link_col], extra, n))
    return out


def read_roster(path: Path | str, id_column: str | None = None,
                link_column: str | None = None) -> list[RosterRow]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {exc.strerror}") from None
    text, _ = decode(data)
    return parse_roster(text, id_column, link_column)
