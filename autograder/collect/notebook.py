"""Accept only what nbgrader can grade: bytes that are a valid Jupyter notebook (nbformat).

Anything else gets a reason that names what the file is (a jupytext script, Markdown, a PDF, a
web page, a Git LFS pointer, a symbolic link...) and what to do instead, because "re-save it from
Jupyter" helps nobody who committed a `.py`.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath


class InvalidNotebook(ValueError):
    """The file is not a valid notebook; the message says what the student should fix."""


_JUPYTEXT_PY = re.compile(r"^# (---\s*$|%%|\+\s*$)|^# jupyter:", re.MULTILINE)
_JUPYTEXT_MD = re.compile(r"^---\s*\n(.*\n)*?\s*jupyter:", re.MULTILINE)
_SAVE_AS = "open it in Jupyter and save it as a notebook (.ipynb), then commit the .ipynb"


def file_kind(name: str, data: bytes | None = None) -> str | None:
    """What a file that is not a notebook is, in words ("a jupytext Python script"), or None."""
    suffix = PurePosixPath(name).suffix.lower()
    head = (data or b"")[:4096]
    text = head.decode("utf-8", "replace")
    if head.startswith(b"version https://git-lfs.github.com/spec/"):
        return "a Git LFS pointer"
    if head.startswith(b"%PDF"):
        return "a PDF"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive"
    if text.lstrip().lower().startswith(("<!doctype html", "<html")) or suffix in (".html", ".htm"):
        return "a web page (HTML)"
    if suffix == ".py":
        return "a jupytext Python script" if data is not None and _JUPYTEXT_PY.search(text) else "a Python script"
    if suffix in (".md", ".markdown", ".rmd", ".qmd", ".myst"):
        return "a jupytext Markdown notebook" if data is not None and _JUPYTEXT_MD.match(text) else "a Markdown file"
    if suffix == ".pdf":
        return "a PDF"
    if suffix in (".txt", ".csv", ".json", ".png", ".jpg", ".jpeg", ".zip", ".docx"):
        return f"a {suffix[1:].upper()} file"
    return None


def _advice(kind: str) -> str:
    if kind == "a Git LFS pointer":
        return "commit the .ipynb without Git LFS"
    if kind.startswith("a jupytext"):
        return f"{_SAVE_AS} (or run `jupytext --to ipynb` on it)"
    if kind == "a web page (HTML)":
        return "download the .ipynb (File > Download) and commit that"
    return "commit the homework's .ipynb file itself (File > Download in Jupyter gives it)"


def not_a_notebook(name: str, data: bytes | None = None, kind: str | None = None) -> InvalidNotebook:
    kind = kind or file_kind(name, data) or "not a notebook"
    return InvalidNotebook(f"{name} is {kind}, not a Jupyter notebook: {_advice(kind)}")


def read_notebook(data: bytes, name: str) -> "nbformat.NotebookNode":
    """Parse and validate; never executes anything."""
    import nbformat   # here, not at import: nbformat's schema validator takes seconds to import

    kind = file_kind(name, data)
    if kind is not None:
        raise not_a_notebook(name, data, kind)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidNotebook(f"{name} is not text (not UTF-8): upload the .ipynb file itself") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(f"{name} is not valid notebook JSON (line {exc.lineno}): "
                              "re-save it from Jupyter and commit again") from None
    except RecursionError:
        raise InvalidNotebook(f"{name} is not a notebook: its JSON is nested too deeply to read; "
                              "re-save it from Jupyter and commit again") from None
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except RecursionError:
        raise InvalidNotebook(f"{name} is not a valid Jupyter notebook (nested too deeply): "
                              "re-save it from Jupyter and commit again") from None
    except Exception as exc:  # nbformat raises several kinds (ValidationError, NBFormatError...)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidNotebook(f"{name} is not a valid Jupyter notebook ({first[:120]})") from None
    return nb


def grade_ids(nb: dict) -> set[str]:
    """The nbgrader grade ids a notebook carries (its graded, solution and locked cells)."""
    out = set()
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if isinstance(meta, dict) and meta.get("grade_id"):
            out.add(str(meta["grade_id"]))
    return out


def same_sources(a: dict, b: dict) -> bool:
    """Do two notebooks hold the same cells (type and text), outputs and metadata aside?"""
    def cells(nb):
        return [(c.get("cell_type"), "".join(c.get("source", "")).strip()) for c in nb.get("cells", [])]
    return cells(a) == cells(b)
