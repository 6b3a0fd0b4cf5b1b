"""What a function's source says, read without calling it (``ast``).

- :func:`returned_names`: the names a function returns (``return loss, dW`` gives
  ``["loss", "dW"]``), so that a returned hidden state (``h``) is told apart from a
  gradient of the same shape;
- :func:`gradient_for`: whether a returned name is the gradient of an argument
  (``dW`` of ``W``, ``d_x`` / ``grad_x`` of ``x``) or looks like a gradient at all;
- :func:`unfinished`: whether a function is an unfinished template (a ``pass`` where
  the work should be, only ``None`` or zeros returned).

Every function here reads source text; none calls the user's code.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

__all__ = ["function_tree", "gradient_for", "looks_like_gradient", "returned_names",
           "unfinished"]


@functools.lru_cache(maxsize=512)
def _tree_of(code: Any) -> ast.FunctionDef | None:
    try:
        lines, _ = inspect.getsourcelines(code)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node  # type: ignore[return-value]
    return None


def function_tree(function: Callable[..., Any]) -> ast.FunctionDef | None:
    """The ``def`` node of ``function`` (None for lambdas, builtins, missing source)."""
    code = getattr(inspect.unwrap(function), "__code__", None)
    if code is None or code.co_name == "<lambda>":
        return None
    return _tree_of(code)


def _own_returns(tree: ast.FunctionDef) -> list[ast.Return]:
    """The return statements of the function itself (not of nested functions)."""
    out: list[ast.Return] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda |
                      ast.ClassDef):
            continue
        if isinstance(node, ast.Return):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def returned_names(function: Callable[..., Any]) -> list[str | None] | None:
    """The names of the tuple ``function`` returns, element by element.

    ``return loss, dW`` gives ``["loss", "dW"]``; an element that is an expression gives
    the gradient it is computed from (``return loss, grad / n`` and ``return loss, 2 *
    dW`` give ``grad`` and ``dW``), or None at its place when it names none. None when
    the source is unknown or the return statements disagree in length or do not return a
    tuple.
    """
    tree = function_tree(function)
    if tree is None:
        return None
    shapes = []
    for node in _own_returns(tree):
        if isinstance(node.value, ast.Tuple):
            shapes.append([e.id if isinstance(e, ast.Name) else _gradient_in(e)
                           for e in node.value.elts])
    if not shapes or any(len(s) != len(shapes[0]) for s in shapes):
        return None
    # where return statements name an element differently, keep the last one's name
    return shapes[-1]


def _gradient_in(node: ast.expr) -> str | None:
    """The gradient an expression is computed from, or None when it names none.

    ``dW`` in ``2 * dW``, ``dW.T``, ``np.asarray(dW)``; ``grad`` in ``grad / n`` and
    ``grad.reshape(s)``. Operands are read left to right and the first gradient-like
    name wins, so ``dW + reg * W`` and ``reg * W + dW`` both give ``dW``.
    """
    if isinstance(node, ast.Name):
        return node.id if looks_like_gradient(node.id) else None
    parts: list[ast.expr]
    if isinstance(node, ast.BinOp):
        parts = [node.left, node.right]
    elif isinstance(node, ast.UnaryOp):
        parts = [node.operand]
    elif isinstance(node, ast.Attribute | ast.Subscript):
        parts = [node.value]
    elif isinstance(node, ast.Call):
        parts = ([node.func.value] if isinstance(node.func, ast.Attribute) else []) \
            + list(node.args)
    else:
        return None
    return next((g for g in map(_gradient_in, parts) if g is not None), None)


def looks_like_gradient(name: str | None) -> bool:
    """``dW``, ``dx``, ``d_x``, ``dWxh``, ``grads``, ``grad_W``, ``gradient``: a gradient."""
    if not name:
        return False
    lower = name.lower()
    if lower.startswith("grad") or lower.endswith(("grad", "grads")) or lower == "nabla":
        return True
    return len(name) >= 2 and name[0] == "d" and (name[1].isupper() or name[1] == "_"
                                                  or name[1].islower() and len(name) <= 6)


def gradient_for(name: str | None, argument: str) -> bool:
    """Whether the returned ``name`` is the gradient of ``argument`` by its spelling."""
    if not name:
        return False
    stripped = name
    for prefix in ("grad_", "d_", "grad", "d"):
        if name.startswith(prefix) and len(name) > len(prefix):
            stripped = name[len(prefix):]
            break
    else:
        return False
    return stripped == argument or stripped.lower() == argument.lower()


def unfinished(function: Callable[..., Any]) -> str | None:
    """Why ``function`` looks like an unfinished template, or None.

    A ``pass`` statement in its body (the course's ``# TODO ... pass``), or a body that
    only returns ``None``. Read from the source; None when it is unknown.
    """
    tree = function_tree(function)
    if tree is None:
        return None
    body = [n for n in tree.body if not (isinstance(n, ast.Expr)
                                         and isinstance(n.value, ast.Constant))]
    if not body:
        return f"{tree.name} has only a docstring"
    for node in ast.walk(tree):
        if isinstance(node, ast.Pass):
            return f"{tree.name} still has a `pass` where the work should be"
    returns = _own_returns(tree)
    if not returns or all(r.value is None or (isinstance(r.value, ast.Constant)
                                              and r.value.value is None) for r in returns):
        return f"{tree.name} returns nothing"
    zeros = _zero_names(tree)
    if all(r.value is not None and _only_zeros(r.value, zeros) for r in returns):
        return f"{tree.name} returns only zeros it never fills in"
    return None


_ZERO_CALLS = {"zeros", "zeros_like", "float", "int"}


def _only_zeros(node: ast.AST, zeros: set[str]) -> bool:
    """``0``, ``0.0``, ``None``, ``np.zeros(...)``, names bound only to those, tuples."""
    if isinstance(node, ast.Tuple | ast.List):
        return all(_only_zeros(e, zeros) for e in node.elts)
    if isinstance(node, ast.Constant):
        return node.value in (0, None) and not isinstance(node.value, bool)
    if isinstance(node, ast.Name):
        return node.id in zeros
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in ("zeros", "zeros_like") or (
            name in _ZERO_CALLS and all(_only_zeros(a, zeros) for a in node.args))
    return False


def _zero_names(tree: ast.FunctionDef) -> set[str]:
    """Names bound only to zeros, and never written into, in the function's body."""
    zero: set[str] = set()
    other: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    (zero if _only_zeros(node.value, set()) else other).add(target.id)
                else:
                    other.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            other.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.For | ast.With | ast.NamedExpr):
            bound: ast.AST | None = getattr(node, "target", None)
            for n in ast.walk(bound) if bound is not None else ():
                if isinstance(n, ast.Name):
                    other.add(n.id)
        elif isinstance(node, ast.Call):
            # np.add.at(dW, ...), dW.fill(...), np.copyto(dW, ...): written through a call
            for arg in [*node.args, getattr(node.func, "value", None)]:
                if isinstance(arg, ast.Name):
                    other.add(arg.id)
    return zero - other
