"""An IPython extension loaded into every sandboxed kernel: IPython as it started, for every test.

nbgrader runs the tests in the same kernel as the student's code, so a submission can change how
IPython runs the cells that come after it: an input or AST transformer that drops `assert`
lines, a replaced `run_cell` or `showtraceback`, a custom handler that swallows AssertionError.
Plain `nbgrader autograde` then gives full marks to a wrong answer. At kernel start, before any
student code, this extension notes how the shell runs code; before each test cell the grader
(`CappedExecute`) calls `restore()` through an execute request's `user_expressions`, which IPython
evaluates without passing through any transformer, and records what had to be put back.

This raises the bar from a copied one-liner to deliberately attacking the grader: code in the
same process can in the end undo anything. The student's variables are never touched.
"""

from __future__ import annotations

# how IPython turns a cell into executed code and reports its errors
METHODS = ("run_cell", "run_cell_async", "should_run_async", "transform_cell", "transform_ast",
           "run_ast_nodes", "run_code", "showtraceback", "_showtraceback", "showsyntaxerror",
           "user_expressions", "set_custom_exc")
EXPRESSION = "__import__('autograder.sandbox.shell_guard', fromlist=['restore']).restore()"

_saved: dict = {}


def load_ipython_extension(ip) -> None:
    if _saved:
        return
    manager = ip.input_transformer_manager
    _saved.update(
        shell=ip,
        classes={cls: {name: cls.__dict__[name] for name in METHODS if name in cls.__dict__}
                 for cls in type(ip).__mro__ if cls is not object},
        manager=manager,
        manager_lists={name: list(getattr(manager, name))
                       for name in ("cleanup_transforms", "line_transforms", "token_transformers")},
        post=list(ip.input_transformers_post),
        ast=list(ip.ast_transformers),
        custom=(ip.custom_exceptions, ip.CustomTB),
    )


def _is_own_method(ip, name: str, value) -> bool:
    """ipykernel itself sets `shell._showtraceback = shell._showtraceback` (the class's method,
    bound) around its start-up: that is no change."""
    return getattr(value, "__self__", None) is ip and \
        getattr(value, "__func__", None) is getattr(type(ip), name, None)


def restore() -> list[str]:
    """Put back what the student's code changed; return what that was (empty: nothing)."""
    if not _saved:
        return ["the shell guard was never loaded"]
    ip, changed = _saved["shell"], []
    for cls, methods in _saved["classes"].items():
        for name in METHODS:
            if name in methods and cls.__dict__.get(name) is not methods[name]:
                setattr(cls, name, methods[name])
                changed.append(f"{cls.__name__}.{name}")
            elif name not in methods and name in cls.__dict__:
                delattr(cls, name)
                changed.append(f"{cls.__name__}.{name}")
    for name in METHODS:
        if name in vars(ip) and not _is_own_method(ip, name, vars(ip)[name]):
            delattr(ip, name)
            changed.append(f"shell.{name}")
    if ip.input_transformer_manager is not _saved["manager"]:
        ip.input_transformer_manager = _saved["manager"]
        changed.append("input_transformer_manager")
    for name, items in _saved["manager_lists"].items():
        if getattr(ip.input_transformer_manager, name) != items:
            setattr(ip.input_transformer_manager, name, list(items))
            changed.append(f"input transformers ({name})")
    if ip.input_transformers_post != _saved["post"]:
        ip.input_transformers_post = list(_saved["post"])
        changed.append("input transformers (input_transformers_post)")
    if ip.ast_transformers != _saved["ast"]:
        ip.ast_transformers = list(_saved["ast"])
        changed.append("AST transformers")
    if (ip.custom_exceptions, ip.CustomTB) != _saved["custom"]:
        ip.custom_exceptions, ip.CustomTB = _saved["custom"]
        changed.append("custom exception handlers")
    return changed
