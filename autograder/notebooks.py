"""Notebooks in git carry no outputs: strip them before committing (`autograder strip`)."""

from __future__ import annotations

from pathlib import Path

import nbformat


def strip_outputs(nb) -> bool:
    """Remove outputs, execution counts and run-time metadata in place; True if anything changed."""
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            cell.outputs, cell.execution_count = [], None
            changed = True
        for key in ("execution", "collapsed", "scrolled"):
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
    return changed


def strip_file(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    if strip_outputs(nb):
        nbformat.write(nb, path)
        return True
    return False


def has_outputs(nb) -> bool:
    return any(c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None) for c in nb.cells)
