"""Accept only what nbgrader can grade: bytes that are a valid Jupyter notebook (nbformat)."""

from __future__ import annotations

import json

import nbformat


class InvalidNotebook(ValueError):
    """The file is not a valid notebook; the message says what the student should fix."""


def read_notebook(data: bytes, name: str) -> nbformat.NotebookNode:
    """Parse and validate; never executes anything."""
    if data.startswith(b"version https://git-lfs.github.com/spec/"):
        raise InvalidNotebook(f"{name} is a Git LFS pointer, not the notebook: commit the .ipynb without LFS")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidNotebook(f"{name} is not text (not UTF-8): upload the .ipynb file itself") from None
    if text.lstrip().lower().startswith(("<!doctype html", "<html")):
        raise InvalidNotebook(f"{name} is a web page, not a notebook: download the .ipynb (File > Download) and commit that")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(f"{name} is not valid notebook JSON (line {exc.lineno}): "
                              "re-save it from Jupyter and commit again") from None
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds (ValidationError, NBFormatError...)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidNotebook(f"{name} is not a valid Jupyter notebook ({first[:120]})") from None
    return nb
