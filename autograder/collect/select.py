"""Find the homework notebook in a repository tree: the exact name first, then close variants.

Students rename things: `Day76-Optimizer_HW (1).ipynb`, `Copy of Day76-Optimizer_HW.ipynb`,
`day76_optimizer_hw.ipynb`, or the notebook sits in a `day76/` folder. The rules, in order,
and the first rule that finds exactly one file wins:

1. the exact name, shallowest first;
2. the same name once case, punctuation, `Copy of`, ` (1)` and `-checkpoint` are ignored;
3. a notebook whose name is close to the expected one (difflib ratio >= 0.8);
4. the only notebook there is.

Two equally good candidates at the same rule are "ambiguous": we do not guess between them.
Checkpoint folders (`.ipynb_checkpoints`) never count.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath


@dataclass
class Choice:
    """The path chosen (or None), why, and what else was there."""

    path: str | None
    rule: str                       # exact, variant, similar, only-notebook, none, ambiguous
    candidates: list[str] = field(default_factory=list)   # ties when ambiguous
    others: list[str] = field(default_factory=list)       # the other notebooks seen


def normalise_name(name: str) -> str:
    stem = unicodedata.normalize("NFKC", PurePosixPath(name).stem).casefold()
    stem = re.sub(r"^(copy of|副本)\s*", "", stem)
    stem = re.sub(r"(-checkpoint|\s*\(\d+\)|\s*-\s*copy\d*|\s*副本\d*)$", "", stem)
    return re.sub(r"[\W_]+", "", stem)


def _depth(path: str) -> int:
    return path.count("/")


def _pick(paths: list[str], rule: str, notebooks: list[str]) -> Choice | None:
    if not paths:
        return None
    shallowest = min(_depth(p) for p in paths)
    top = sorted(p for p in paths if _depth(p) == shallowest)
    others = [p for p in notebooks if p not in top[:1]]
    if len(top) > 1:
        return Choice(None, "ambiguous", candidates=top, others=others)
    return Choice(top[0], rule, others=others)


def choose_notebook(paths: list[str], expected: str, under: str = "") -> Choice:
    """Choose the homework among `paths` (all files of a tree), looking only below `under`."""
    prefix = under.strip("/") + "/" if under.strip("/") else ""
    notebooks = sorted(
        p for p in paths
        if p.startswith(prefix) and p.lower().endswith(".ipynb") and ".ipynb_checkpoints/" not in p
    )
    exact = [p for p in notebooks if PurePosixPath(p).name == expected]
    choice = _pick(exact, "exact", notebooks)
    if choice:
        return choice
    want = normalise_name(expected)
    variants = [p for p in notebooks if normalise_name(p) == want]
    choice = _pick(variants, "variant", notebooks)
    if choice:
        return choice
    scored = [(difflib.SequenceMatcher(None, normalise_name(p), want).ratio(), p) for p in notebooks]
    good = [(s, p) for s, p in scored if s >= 0.8]
    if good:
        best = max(s for s, _ in good)
        choice = _pick([p for s, p in good if s == best], "similar", notebooks)
        if choice:
            return choice
    if len(notebooks) == 1:
        return Choice(notebooks[0], "only-notebook", others=[])
    return Choice(None, "none", others=notebooks)
