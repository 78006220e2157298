"""Which cells the verifier decides, and which variables each one reads."""

from __future__ import annotations

import ast
import builtins

from ..hidden_tests import Delimiters, has_hidden_tests  # noqa: F401  (nbgrader's rule, in one place)


def is_test_cell(cell) -> bool:
    """A graded code cell that is not the student's answer: nbgrader's autograder test."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def referenced_names(source: str) -> list[str]:
    """Every global a test cell may read: names it loads and identifier strings it mentions
    (`assert "models" in globals()`), minus Python's builtins."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)
    return sorted(n for n in names if not hasattr(builtins, n) and not n.startswith("__"))
