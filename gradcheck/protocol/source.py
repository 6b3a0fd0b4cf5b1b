"""What a function's source says, read without calling it (``ast``).

- :func:`returned_names`: the names a function returns (``return loss, dW`` gives
  ``["loss", "dW"]``), so that a returned hidden state (``h``) is told apart from a
  gradient of the same shape;
- :func:`gradient_for`: whether a returned name is the gradient of an argument
  (``dW`` of ``W``, ``d_x`` / ``grad_x`` of ``x``) or looks like a gradient at all;
- :func:`unfinished`: whether a function is an unfinished template (a ``pass`` where
  the work should be, only ``None`` or zeros returned);
- :func:`unfinished_method`: the same for a class's method (``pass``, ``raise
  NotImplementedError``, ``self.dinputs = np.zeros_like(dvalues)`` never filled in, a
  ``# TODO``).

Every function here reads source text; none calls the user's code.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

__all__ = ["SHORT_GRADIENT_NAMES", "compared_strings", "function_tree", "gradient_for",
           "looks_like_gradient", "returned_names", "self_attribute", "unfinished",
           "unfinished_method"]


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


def compared_strings(function: Callable[..., Any]) -> dict[str, list[str]]:
    """The strings each name or ``self`` attribute is compared with in ``function``.

    ``{"activation": ["sigmoid", "relu"]}`` for ``activation == "sigmoid"`` ... ``elif
    activation in ("relu", "rectifier")``, ``{"self.kind": [...]}`` for ``self.kind ==
    "tanh"``: ``==``, ``!=`` and ``in`` a tuple, list or set of strings, in the order the
    source names them.
    """
    tree = function_tree(function)
    found: dict[str, list[str]] = {}
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.Compare) or len(node.comparators) != 1:
            continue
        left, right = node.left, node.comparators[0]
        if isinstance(left, ast.Constant):
            left, right = right, left
        if isinstance(left, ast.Name):
            key = left.id
        elif isinstance(left, ast.Attribute) and isinstance(left.value, ast.Name) \
                and left.value.id == "self":
            key = f"self.{left.attr}"
        else:
            continue
        values = right.elts if isinstance(right, ast.Tuple | ast.List | ast.Set) else [right]
        for value in values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                listed = found.setdefault(key, [])
                if value.value not in listed:
                    listed.append(value.value)
    return found


def returns_none_on_purpose(function: Callable[..., Any]) -> bool:
    """Whether every ``return`` of ``function`` is written ``return None``, and one is.

    A backward that ends ``return None`` (a first layer's: "nothing to pass on") says
    it gives no input gradient; one that just falls off its end, as the book's do after
    setting ``self.dinputs``, says nothing. A template (a docstring, ``pass`` and
    ``return None`` alone) says nothing either.
    """
    tree = function_tree(function)
    if tree is None:
        return False
    returns = _own_returns(tree)
    work = [s for s in tree.body if not isinstance(s, ast.Pass | ast.Return) and not (
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return bool(returns) and bool(work) and all(
        isinstance(r.value, ast.Constant) and r.value.value is None for r in returns)


def binds_method_results(function: Callable[..., Any]) -> bool:
    """Whether ``function`` binds an attribute to what a held object's method returns.

    ``self.W = self.W_opt.update(self.W, grad_w)``: an optimizer that returns the new
    parameter, which the caller binds (the old array, kept as ``W``, stays as it was).
    """
    tree = function_tree(function)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute) \
                and isinstance(node.value.func.value, ast.Attribute) \
                and any(isinstance(t, ast.Attribute) for t in node.targets):
            return True
    return False


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


def returned_names(function: Callable[..., Any],
                   also: frozenset[str] = frozenset()) -> list[str | None] | None:
    """The names of the tuple ``function`` returns, element by element.

    ``return loss, dW`` gives ``["loss", "dW"]``; an element that is an expression gives
    the gradient it is computed from (``return loss, grad / n`` and ``return loss, 2 *
    dW`` give ``grad`` and ``dW``; a dict literal keyed by the arguments, ``{"W1": ...,
    "b1": ...}``, or of gradients, ``{"a": dW1}``, gives ``grads``), or None at its place
    when it names none. None when
    the source is unknown or the return statements disagree in length or do not return a
    tuple. ``also``: other names read as gradients (a loss's ``d`` or ``g``).
    """
    tree = function_tree(function)
    if tree is None:
        return None
    arguments = {a.arg for a in [*tree.args.posonlyargs, *tree.args.args]}
    shapes = []
    for node in _own_returns(tree):
        if isinstance(node.value, ast.Tuple):
            shapes.append([e.id if isinstance(e, ast.Name) else
                           "grads" if _keyed_by(e, arguments) else _gradient_in(e, also)
                           for e in node.value.elts])
    if not shapes or any(len(s) != len(shapes[0]) for s in shapes):
        return None
    # where return statements name an element differently, keep the last one's name
    return shapes[-1]


def _keyed_by(node: ast.expr, arguments: set[str]) -> bool:
    """A dict literal of values computed for the arguments: ``{"W1": X.T @ dh, ...}``.

    Keyed by the function's arguments (``W1`` or ``dW1``), and holding no argument as it
    is: ``{"x": x, "w": w}`` is a cache keeping the arguments, not their gradients.
    """
    if not isinstance(node, ast.Dict) or not node.keys:
        return False
    keys = [k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None
            for k in node.keys]
    if any(isinstance(v, ast.Name) and v.id in arguments for v in node.values):
        return False
    return all(k is not None and any(k == a or gradient_for(k, a) for a in arguments)
               for k in keys)


def _gradient_in(node: ast.expr, also: frozenset[str] = frozenset()) -> str | None:
    """The gradient an expression is computed from, or None when it names none.

    ``dW`` in ``2 * dW``, ``dW.T``, ``np.asarray(dW)``; ``grad`` in ``grad / n`` and
    ``grad.reshape(s)``. Operands are read left to right and the first gradient-like
    name wins, so ``dW + reg * W`` and ``reg * W + dW`` both give ``dW``.
    """
    if isinstance(node, ast.Name):
        return node.id if looks_like_gradient(node.id) or node.id in also else None
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
    elif isinstance(node, ast.Dict):
        # return loss, {"W1": dW1, "b1": db1}: a dict of gradients, read as ``grads``
        gradients = node.values and all(_gradient_in(v, also) for v in node.values)
        return "grads" if gradients else None
    else:
        return None
    return next((g for g in (_gradient_in(p, also) for p in parts) if g is not None), None)


#: a loss's gradient under a one-letter or generic name (``return loss, d / n``): read as a
#: gradient only where a function is known to return (loss, gradient...)
SHORT_GRADIENT_NAMES = frozenset({"d", "g", "delta", "deltas", "dl", "dy"})


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


def _method_tree(cls: type, name: str) -> tuple[ast.FunctionDef, str] | None:
    """The ``def`` node of ``cls.name`` as the class (or a base) defines it, and its text."""
    for klass in cls.__mro__[:-1]:
        function = vars(klass).get(name)
        if function is None:
            continue
        function = getattr(function, "__func__", function)
        code = getattr(inspect.unwrap(function), "__code__", None)
        if code is None:
            return None
        tree = _tree_of(code)
        if tree is None:
            return None
        try:
            text = "".join(inspect.getsourcelines(code)[0])
        except (OSError, TypeError):
            text = ""
        return tree, text
    return None


def _does_nothing(tree: ast.FunctionDef) -> str | None:
    """``pass``, a docstring, ``return None`` or ``raise NotImplementedError`` only."""
    raises = False
    for statement in tree.body:
        if isinstance(statement, ast.Pass) or (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
            continue
        if isinstance(statement, ast.Raise) and "NotImplementedError" in ast.unparse(statement):
            raises = True
            continue
        if isinstance(statement, ast.Return) and (
                statement.value is None or (isinstance(statement.value, ast.Constant)
                                            and statement.value.value is None)):
            continue
        return None
    return "raises NotImplementedError" if raises else \
        "does nothing yet (only `pass`, a docstring or `return None`)"


def self_attribute(node: ast.AST) -> str | None:
    """``w`` for ``self.w`` or ``self.w[...]`` (an assignment's target), else None."""
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id == "self":
        return node.attr
    return None


def _zero_attributes(tree: ast.FunctionDef) -> list[str]:
    """``self.<name>`` bound only to zeros in the method and never written into there."""
    zero: list[str] = []
    other: set[str] = set()
    attribute = self_attribute
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                name = attribute(target)
                if name is None:
                    continue
                if isinstance(target, ast.Attribute) and _only_zeros(node.value, set()):
                    zero.append(name)
                else:
                    other.add(name)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            name = attribute(node.target)
            if name is not None:
                other.add(name)
        elif isinstance(node, ast.Call):
            # np.add.at(self.dinputs, ...), self.dinputs.fill(...), np.copyto(...)
            for arg in [*node.args, getattr(node.func, "value", None)]:
                name = attribute(arg) if arg is not None else None
                if name is not None:
                    other.add(name)
    return [n for n in dict.fromkeys(zero) if n not in other]


def unfinished_method(cls: type, name: str) -> str | None:
    """Why the method ``name`` of ``cls`` looks like an unfinished template, or None.

    It does nothing (``pass``, a docstring, ``return None``, ``raise
    NotImplementedError``); it sets attributes (``self.dinputs``) only to zeros it never
    fills in; or it still holds a ``pass`` statement or a ``# TODO`` comment. Read from
    the source; None when it is unknown. Whether that makes the class unfinished is
    for the check to say: a finished method may keep a stray ``TODO``.
    """
    found = _method_tree(cls, name)
    if found is None:
        return None
    tree, text = found
    qualified = f"{cls.__name__}.{name}"
    nothing = _does_nothing(tree)
    if nothing is not None:
        return f"{qualified} {nothing}"
    zeros = _zero_attributes(tree)
    if zeros:
        shown = ", ".join(f"self.{z}" for z in zeros)
        return f"{qualified} sets {shown} to zeros it never fills in"
    if any(isinstance(node, ast.Pass) for node in ast.walk(tree)):
        return f"{qualified} still has a `pass` where the work should be"
    if "TODO" in text:
        return f"{qualified} still has a `# TODO` where the work should be"
    return None
