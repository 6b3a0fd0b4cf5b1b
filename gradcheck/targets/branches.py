"""Whether the user's code has a branch for a kind of data: where an exception was raised.

A loss that raises on one-hot labels *inside* an ``if`` on the labels' shape
(``if len(y_true.shape) == 2:``, ``elif y_true.ndim == 2``, or a conditional expression
``y if y.ndim == 1 else y.argmax(axis=1)``) has a branch for them: the
kind is one it handles, so the exception is a bug of that branch (a typo), reported as a
failure, not a kind it does not accept.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

__all__ = ["raised_in_label_branch"]

_SHAPE_WORDS = ("shape", "ndim", "len(", "size", "dtype")


def raised_in_label_branch(method: Any, exc: BaseException) -> int | None:
    """The line of ``method`` that raised ``exc`` when it lies in a branch on the labels.

    Parameters
    ----------
    method : callable
        The (bound) method that was called, e.g. ``loss.forward``, or a wrapper calling
        it (``__wrapped__``, with ``labels_at``: the position of the labels among the
        method's arguments, ``0`` for Keras' ``forward(y_true, y_pred)``; default 1).
    exc : BaseException
        What it raised.

    Returns
    -------
    int or None
        The file's line number, or ``None`` when the line is outside every branch that
        tests the shape of the method's labels argument (its second, or ``labels_at``), or
        nothing can be read.
    """
    label_at = getattr(method, "labels_at", 1)
    if hasattr(method, "labels_at"):  # a wrapper reordering the arguments
        method = method.__wrapped__  # the user's own method
    function = getattr(method, "__func__", method)
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    line, lasti = None, -1
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            line, lasti = tb.tb_lineno, tb.tb_lasti
        tb = tb.tb_next
    if line is None:
        return None
    try:
        lines, start = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef):
        return None
    params = [a.arg for a in definition.args.args]
    if hasattr(method, "__self__"):  # (bound: self is not an argument)
        params = params[1:]
    if len(params) < 2:
        return None
    label = params[label_at]
    offset = start - 1
    if any(isinstance(node, ast.Raise) and node.lineno + offset == line
           for node in ast.walk(definition)):
        return None  # a deliberate `raise`: the kind is rejected, not broken
    for node in ast.walk(definition):
        if isinstance(node, ast.IfExp) and _tests_shape_of(node.test, label):
            # (``y if y.ndim == 1 else y.argmax(axis=1)``: on one line, told apart by the
            # columns of the instruction that raised)
            where = _position(code, lasti, offset, _indent(lines))
            if where is not None and any(_within(where, part)
                                         for part in (node.body, node.orelse)):
                return line
            continue
        if not isinstance(node, ast.If) or not _tests_shape_of(node.test, label):
            continue
        for branch in (node.body, node.orelse):
            if branch and branch[0].lineno + offset <= line <= (
                    (branch[-1].end_lineno or branch[-1].lineno) + offset):
                return line
    return None


_Position = tuple[int, int, int, int]  # first line, last line, first column, end column


def _indent(lines: list[str]) -> int:
    """The indentation ``textwrap.dedent`` took off the source (the ``def`` line's)."""
    first = lines[0] if lines else ""
    return len(first) - len(first.lstrip())


def _position(code: Any, lasti: int, offset: int, indent: int) -> _Position | None:
    """Where the instruction at ``lasti`` is, in the dedented source's lines and columns."""
    if lasti < 0:
        return None
    try:
        start, end, col, end_col = list(code.co_positions())[lasti // 2]
    except (AttributeError, IndexError):
        return None
    if None in (start, end, col, end_col):
        return None
    return start - offset, end - offset, col - indent, end_col - indent


def _within(where: _Position, node: ast.expr) -> bool:
    """Whether the instruction at ``where`` lies inside the expression ``node``."""
    start, end, col, end_col = where
    node_end = node.end_lineno or node.lineno
    node_end_col = node.end_col_offset if node.end_col_offset is not None else 1 << 30
    return (node.lineno, node.col_offset) <= (start, col) and \
        (end, end_col) <= (node_end, node_end_col)


def _tests_shape_of(test: ast.expr, name: str) -> bool:
    names = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
    text = ast.unparse(test)
    return name in names and any(word in text for word in _SHAPE_WORDS)
