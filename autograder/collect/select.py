"""Find the homework notebook in a repository tree: the exact name first, then close variants.

Students rename things: `HW1 (1).ipynb`, `Copy of HW1.ipynb`, `hw_1.ipynb`, or the notebook
sits in a `week3/` folder. The rules, in order,
and the first rule that finds exactly one file wins:

1. the exact name, shallowest first;
2. the same name once case, punctuation, `Copy of`, ` (1)` and `-checkpoint` are ignored;
3. when the homework's release is known (`carries`), only a notebook carrying the release's
   nbgrader cells (its grade ids) can be the homework, the closest name first: a lesson notebook
   with a similar name (`..._advanced.ipynb` next to `..._HW.ipynb`, ratio 0.82) is never taken;
4. without a release to compare with: a notebook whose name is close to the expected one
   (difflib ratio >= 0.8), else the only notebook there is.

Two equally good candidates at the same rule are "ambiguous": we do not guess between them.
Checkpoint folders (`.ipynb_checkpoints`) never count.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Callable

MAX_INSPECTED = 20   # notebooks opened to look for the release's grade ids, closest names first


@dataclass
class Choice:
    """The path chosen (or None), why, and what else was there."""

    path: str | None
    rule: str                       # exact, variant, graded-cells, similar, only-notebook, none, ambiguous
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


def choose_notebook(paths: list[str], expected: str, under: str = "",
                    carries: Callable[[str], bool] | None = None) -> Choice:
    """Choose the homework among `paths` (all files of a tree), looking only below `under`.

    `carries(path)` answers "does this notebook carry the release's graded cells?"; None when
    there is no release to compare with.
    """
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
    scored = sorted(((difflib.SequenceMatcher(None, normalise_name(p), want).ratio(), p) for p in notebooks),
                    key=lambda sp: (-sp[0], sp[1]))
    if carries is not None:
        graded = [(s, p) for s, p in scored[:MAX_INSPECTED] if carries(p)]
        if not graded:
            return Choice(None, "none", others=notebooks)
        best = max(s for s, _ in graded)
        choice = _pick([p for s, p in graded if s == best], "graded-cells", notebooks)
        return choice or Choice(None, "none", others=notebooks)
    good = [(s, p) for s, p in scored if s >= 0.8]
    if good:
        best = max(s for s, _ in good)
        choice = _pick([p for s, p in good if s == best], "similar", notebooks)
        if choice:
            return choice
    if len(notebooks) == 1:
        return Choice(notebooks[0], "only-notebook", others=[])
    return Choice(None, "none", others=notebooks)
