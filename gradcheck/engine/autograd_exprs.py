"""The expressions an autograd engine is checked on, per operation, and a NumPy reference.

Engine bugs show on a few expressions out of many, so each operation gets several: alone,
with a leaf used twice (``a * a``, ``a + a``, ``(a + b) * a``: the ``=`` instead of ``+=``
bug shows only there), with a constant on either side (``2.0 * a``: the reflected forms),
composed, broadcast (tensors: ``(3,)`` with ``(2, 1)`` and ``(1, 3)``), reduced over every
axis, indexed with repeated indices, multiplied by square and non-square matrices. The
``backward`` rows reuse an interior node in both operand orders (``d + d * d`` and
``d * d + d``): a topological order that visits a node before its users fails one of them.

Each :class:`Expr` is a plain function of its leaves, so the same function run on
:class:`Ref` (NumPy arrays) gives the forward value the engine should compute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Expr", "Leaf", "Ref", "REFLECTED", "SCALAR_OPS", "SYMBOL", "TENSOR_OPS",
           "generic_exprs", "graph_exprs", "scalar_exprs", "tensor_exprs"]

# The dunder (or method) an operation needs, and the name shown for it.
SCALAR_OPS: dict[str, tuple[str, ...]] = {
    "add": ("__add__",), "radd": ("__radd__",), "sub": ("__sub__",), "rsub": ("__rsub__",),
    "mul": ("__mul__",), "rmul": ("__rmul__",), "truediv": ("__truediv__",),
    "rtruediv": ("__rtruediv__",), "pow": ("__pow__",), "rpow": ("__rpow__",),
    "neg": ("__neg__",), "exp": ("exp",), "log": ("log",), "tanh": ("tanh",),
    "relu": ("relu",), "sigmoid": ("sigmoid",),
}
TENSOR_OPS: dict[str, tuple[str, ...]] = {
    **SCALAR_OPS, "matmul": ("__matmul__",), "sum": ("sum",), "mean": ("mean",),
    "max": ("max",), "reshape": ("reshape",), "transpose": ("transpose",), "T": ("T",),
    "getitem": ("__getitem__",),
}
REFLECTED = {"radd", "rsub", "rmul", "rtruediv", "rpow"}
SYMBOL = {"add": "+", "radd": "+", "sub": "-", "rsub": "-", "mul": "*", "rmul": "*",
          "truediv": "/", "rtruediv": "/", "pow": "**", "rpow": "**", "matmul": "@"}

# Leaf domains: real (|x| in [0.3, 2], either sign), positive ([0.5, 2]), kink (exact zeros
# among real values: relu at 0).
REAL, POSITIVE, KINK = "real", "positive", "kink"


@dataclass(frozen=True)
class Leaf:
    """One leaf of an expression: its name, shape (``()`` for scalars) and domain."""

    name: str
    shape: tuple[int, ...] = ()
    domain: str = REAL


@dataclass(frozen=True)
class Expr:
    """One expression checking one operation.

    Attributes
    ----------
    op : str
        The operation (the report's row) it checks.
    text : str
        How it reads, e.g. ``"a * b + a"``.
    fn : callable
        The expression, as a function of its leaves.
    leaves : tuple of Leaf
    uses : frozenset of str
        Other operations it needs (a failure there makes this one's failure ambiguous).
    reuse : str
        ``"leaf"`` (a leaf used twice), ``"interior"`` (an interior node used twice) or "".
    wrap : bool
        Run with a non-uniform upstream gradient (``sum(w * expr)``, a random constant for
        scalars); the first expression of each operation also runs without.
    reference : bool
        Its forward can be computed by :class:`Ref` (generic methods: no).
    """

    op: str
    text: str
    fn: Callable[..., Any]
    leaves: tuple[Leaf, ...]
    uses: frozenset[str] = frozenset()
    reuse: str = ""
    wrap: bool = True
    reference: bool = True

    def alone(self) -> Expr:
        """The same expression with the upstream gradient the engine seeds (1)."""
        return Expr(self.op, self.text, self.fn, self.leaves, self.uses, self.reuse, False,
                    self.reference)


def _e(op: str, text: str, fn: Callable[..., Any], *leaves: Leaf, uses: str = "",
       reuse: str = "", reference: bool = True) -> Expr:
    return Expr(op, text, fn, tuple(leaves), frozenset(uses.split()), reuse, True, reference)


def scalar_exprs(op: str) -> list[Expr]:
    """The expressions checking scalar operation ``op`` (a name of :data:`SCALAR_OPS`)."""
    a, b, c = Leaf("a"), Leaf("b"), Leaf("c")
    p, q = Leaf("p", domain=POSITIVE), Leaf("q", domain=POSITIVE)
    z = Leaf("z", domain=KINK)
    table: dict[str, list[Expr]] = {
        "add": [_e("add", "a + b", lambda a, b: a + b, a, b),
                _e("add", "a + a", lambda a: a + a, a, reuse="leaf"),
                _e("add", "a + 1.5", lambda a: a + 1.5, a),
                _e("add", "(a + b) * a", lambda a, b: (a + b) * a, a, b, uses="mul",
                   reuse="leaf")],
        "radd": [_e("radd", "1.5 + a", lambda a: 1.5 + a, a),
                 _e("radd", "(1.5 + a) * a", lambda a: (1.5 + a) * a, a, uses="mul",
                    reuse="leaf")],
        "sub": [_e("sub", "a - b", lambda a, b: a - b, a, b),
                _e("sub", "a - a * b", lambda a, b: a - a * b, a, b, uses="mul",
                   reuse="leaf"),
                _e("sub", "a - 1.5", lambda a: a - 1.5, a),
                _e("sub", "(a - b) * b", lambda a, b: (a - b) * b, a, b, uses="mul",
                   reuse="leaf")],
        "rsub": [_e("rsub", "2.0 - a", lambda a: 2.0 - a, a),
                 _e("rsub", "(2 - a) * a", lambda a: (2 - a) * a, a, uses="mul",
                    reuse="leaf")],
        "mul": [_e("mul", "a * b", lambda a, b: a * b, a, b),
                _e("mul", "a * a", lambda a: a * a, a, reuse="leaf"),
                _e("mul", "a * b + a", lambda a, b: a * b + a, a, b, uses="add",
                   reuse="leaf"),
                _e("mul", "a * 1.5", lambda a: a * 1.5, a),
                _e("mul", "(a * b) * c", lambda a, b, c: (a * b) * c, a, b, c)],
        "rmul": [_e("rmul", "2.0 * a", lambda a: 2.0 * a, a),
                 _e("rmul", "(2.0 * a) * a", lambda a: (2.0 * a) * a, a, uses="mul",
                    reuse="leaf")],
        "truediv": [_e("truediv", "a / b", lambda a, b: a / b, a, b),
                    _e("truediv", "a / (a * b)", lambda a, b: a / (a * b), a, b, uses="mul",
                       reuse="leaf"),
                    _e("truediv", "b / 1.5", lambda b: b / 1.5, b),
                    _e("truediv", "(a / b) * a", lambda a, b: (a / b) * a, a, b, uses="mul",
                       reuse="leaf")],
        "rtruediv": [_e("rtruediv", "2.0 / b", lambda b: 2.0 / b, b),
                     _e("rtruediv", "(2.0 / b) * b + b", lambda b: (2.0 / b) * b + b, b,
                        uses="mul add", reuse="leaf")],
        "pow": [_e("pow", "a ** 2", lambda a: a ** 2, a),
                _e("pow", "a ** 3", lambda a: a ** 3, a),
                _e("pow", "p ** 0.5", lambda p: p ** 0.5, p),
                _e("pow", "p ** -1.5", lambda p: p ** -1.5, p),
                _e("pow", "a ** 2 * a", lambda a: a ** 2 * a, a, uses="mul", reuse="leaf"),
                _e("pow", "p ** q", lambda p, q: p ** q, p, q)],
        "rpow": [_e("rpow", "2.0 ** a", lambda a: 2.0 ** a, a)],
        "neg": [_e("neg", "-a", lambda a: -a, a),
                _e("neg", "(-a) * a", lambda a: (-a) * a, a, uses="mul", reuse="leaf")],
        "exp": [_e("exp", "a.exp()", lambda a: a.exp(), a),
                _e("exp", "a.exp() * a", lambda a: a.exp() * a, a, uses="mul", reuse="leaf"),
                _e("exp", "(a * b).exp()", lambda a, b: (a * b).exp(), a, b, uses="mul")],
        "log": [_e("log", "p.log()", lambda p: p.log(), p),
                _e("log", "p.log() * p", lambda p: p.log() * p, p, uses="mul", reuse="leaf"),
                _e("log", "(p * q).log()", lambda p, q: (p * q).log(), p, q, uses="mul")],
        "tanh": [_e("tanh", "a.tanh()", lambda a: a.tanh(), a),
                 _e("tanh", "a.tanh() * a", lambda a: a.tanh() * a, a, uses="mul",
                    reuse="leaf")],
        "relu": [_e("relu", "a.relu()", lambda a: a.relu(), a),
                 _e("relu", "z.relu() (z = 0)", lambda z: z.relu(), z),
                 _e("relu", "a.relu() * a", lambda a: a.relu() * a, a, uses="mul",
                    reuse="leaf")],
        "sigmoid": [_e("sigmoid", "a.sigmoid()", lambda a: a.sigmoid(), a),
                    _e("sigmoid", "a.sigmoid() * a", lambda a: a.sigmoid() * a, a,
                       uses="mul", reuse="leaf")],
    }
    return table[op]


def tensor_exprs(op: str, parameters: set[str]) -> list[Expr]:
    """The expressions checking tensor operation ``op``.

    ``parameters``: the parameter names of the method (``axis``, ``keepdims`` ...), so that
    the axis and keepdims variants are made only where the signature has them.
    """
    A, B = Leaf("A", (2, 3)), Leaf("B", (2, 3))
    P, Q = Leaf("P", (2, 3), POSITIVE), Leaf("Q", (2, 3), POSITIVE)
    Z = Leaf("Z", (2, 3), KINK)
    row, col, r13 = Leaf("r", (3,)), Leaf("c", (2, 1)), Leaf("s", (1, 3))
    M, S, U, v = Leaf("M", (3, 4)), Leaf("S", (3, 3)), Leaf("U", (3, 3)), Leaf("v", (4,))
    T3, V = Leaf("T", (2, 3, 2)), Leaf("V", (4,))
    broadcast = {
        "add": [_e("add", "r(3,) + c(2,1)", lambda r, c: r + c, row, col),
                _e("add", "A + r(3,)", lambda A, r: A + r, A, row),
                _e("add", "s(1,3) + A", lambda s, A: s + A, r13, A),
                _e("add", "c(2,1) + A", lambda c, A: c + A, col, A)],
        "sub": [_e("sub", "r(3,) - c(2,1)", lambda r, c: r - c, row, col),
                _e("sub", "c(2,1) - A", lambda c, A: c - A, col, A)],
        "mul": [_e("mul", "r(3,) * c(2,1)", lambda r, c: r * c, row, col),
                _e("mul", "A * s(1,3)", lambda A, s: A * s, A, r13),
                _e("mul", "c(2,1) * A", lambda c, A: c * A, col, A)],
        "truediv": [_e("truediv", "A / p(3,)", lambda A, p: A / p, A,
                       Leaf("p", (3,), POSITIVE)),
                    _e("truediv", "c(2,1) / P", lambda c, P: c / P, col, P)],
    }
    table: dict[str, list[Expr]] = {}
    for name, exprs in scalar_like_tensor(A, B, P, Q, Z).items():
        table[name] = exprs + broadcast.get(name, [])
    table["matmul"] = [
        _e("matmul", "A(2,3) @ M(3,4)", lambda A, M: A @ M, A, M),
        _e("matmul", "S(3,3) @ U(3,3)", lambda S, U: S @ U, S, U),
        _e("matmul", "S @ S", lambda S: S @ S, S, reuse="leaf"),
        _e("matmul", "A @ M + v(4,)", lambda A, M, v: A @ M + v, A, M, v, uses="add"),
        _e("matmul", "A @ (M @ N(4,2))", lambda A, M, N: A @ (M @ N), A, M,
           Leaf("N", (4, 2))),
    ]
    for name in ("sum", "mean", "max"):
        exprs = [_e(name, f"A.{name}()", lambda A, n=name: getattr(A, n)(), A)]
        axis = next((k for k in ("axis", "dim") if k in parameters or "*" in parameters), None)
        keep = next((k for k in ("keepdims", "keepdim") if k in parameters), None)
        if axis is not None:
            for ax in (0, 1, -1):
                exprs.append(_e(name, f"A.{name}({axis}={ax})",
                                lambda A, n=name, k=axis, ax=ax: getattr(A, n)(**{k: ax}), A))
            exprs.append(_e(name, f"T(2,3,2).{name}({axis}=1)",
                            lambda T, n=name, k=axis: getattr(T, n)(**{k: 1}), T3))
            if keep is not None:
                for ax in (0, 1):
                    exprs.append(_e(
                        name, f"A.{name}({axis}={ax}, {keep}=True)",
                        lambda A, n=name, k=axis, ax=ax, kd=keep: getattr(A, n)(
                            **{k: ax, kd: True}), A))
        exprs.append(_e(name, f"(A * A).{name}()", lambda A, n=name: getattr(A * A, n)(), A,
                        uses="mul", reuse="leaf"))
        table[name] = exprs
    table["reshape"] = [
        _e("reshape", "A.reshape(3, 2)", lambda A: A.reshape(3, 2), A),
        _e("reshape", "A.reshape((6,))", lambda A: A.reshape((6,)), A),
        _e("reshape", "A.reshape((3, 2)) * A.reshape((3, 2))",
           lambda A: A.reshape((3, 2)) * A.reshape((3, 2)), A, uses="mul", reuse="leaf"),
    ]
    table["transpose"] = [
        _e("transpose", "A.transpose()", lambda A: A.transpose(), A),
        _e("transpose", "A.transpose() @ A", lambda A: A.transpose() @ A, A, uses="matmul",
           reuse="leaf"),
    ]
    table["T"] = [
        _e("T", "A.T", lambda A: A.T, A),
        _e("T", "A.T @ A", lambda A: A.T @ A, A, uses="matmul", reuse="leaf"),
    ]
    table["getitem"] = [
        _e("getitem", "A[1]", lambda A: A[1], A),
        _e("getitem", "A[:, 1:]", lambda A: A[:, 1:], A),
        _e("getitem", "V[[1, 1, 3]]", lambda V: V[np.array([1, 1, 3])], V, reuse="leaf"),
        _e("getitem", "A[[0, 0, 1]]", lambda A: A[np.array([0, 0, 1])], A, reuse="leaf"),
        _e("getitem", "A[0] * A[0]", lambda A: A[0] * A[0], A, uses="mul", reuse="leaf"),
    ]
    return table[op]


def scalar_like_tensor(A: Leaf, B: Leaf, P: Leaf, Q: Leaf, Z: Leaf) -> dict[str, list[Expr]]:
    """The scalar catalogue with (2, 3) tensors as leaves (elementwise operations)."""
    names = {"a": A, "b": B, "c": Leaf("C", (2, 3)), "p": P, "q": Q, "z": Z}
    out: dict[str, list[Expr]] = {}
    for op in SCALAR_OPS:
        exprs = []
        for e in scalar_exprs(op):
            leaves = tuple(names[leaf.name] for leaf in e.leaves)
            text = e.text
            for small, big in (("a", "A"), ("b", "B"), ("c", "C"), ("p", "P"), ("q", "Q"),
                               ("z", "Z")):
                text = _rename(text, small, big)
            exprs.append(Expr(e.op, text, e.fn, leaves, e.uses, e.reuse, e.wrap, e.reference))
        out[op] = exprs
    return out


def _rename(text: str, small: str, big: str) -> str:
    out, n = [], len(text)
    for i, ch in enumerate(text):
        isolated = ch == small and (i == 0 or not text[i - 1].isalnum()) and (
            i == n - 1 or not (text[i + 1].isalnum() or text[i + 1] == "("))
        method = ch == small and i + 1 < n and text[i + 1] == "."
        out.append(big if isolated or method else ch)
    return "".join(out)


def generic_exprs(name: str) -> list[Expr]:
    """Expressions for a unary method the class exposes beyond the known ones."""
    p, q = Leaf("p", domain=POSITIVE), Leaf("q", domain=POSITIVE)
    return [
        Expr(name, f"p.{name}()", lambda p: getattr(p, name)(), (p,), reference=False),
        Expr(name, f"p.{name}() * p", lambda p: getattr(p, name)() * p, (p,),
             frozenset({"mul"}), "leaf", True, False),
        Expr(name, f"(p * q).{name}()", lambda p, q: getattr(p * q, name)(), (p, q),
             frozenset({"mul"}), "", True, False),
    ]


def graph_exprs(shape: tuple[int, ...]) -> list[Expr]:
    """``backward`` rows: an interior node used twice, in both operand orders."""
    a, b = Leaf("a", shape), Leaf("b", shape)
    both = frozenset({"add", "mul"})

    def d(a: Any, b: Any) -> Any:
        return a * b

    return [
        Expr("backward", "d + d * d  (d = a * b)", lambda a, b: d(a, b) + _sq(d(a, b)),
             (a, b), both, "interior"),
        Expr("backward", "d * d + d  (d = a * b)", lambda a, b: _sq(d(a, b)) + d(a, b),
             (a, b), both, "interior"),
        Expr("backward", "e * d + e  (d = a * b, e = d + a)", _diamond, (a, b), both,
             "interior"),
        Expr("backward", "e + e * d  (d = a * b, e = d + a)", _diamond2, (a, b), both,
             "interior"),
    ]


def _sq(d: Any) -> Any:
    return d * d


def _diamond(a: Any, b: Any) -> Any:
    d = a * b
    e = d + a
    return e * d + e


def _diamond2(a: Any, b: Any) -> Any:
    d = a * b
    e = d + a
    return e + e * d


class Ref:
    """NumPy reference: runs an :class:`Expr` on arrays to give the expected forward."""

    __array_priority__ = 1000

    def __init__(self, data: Any) -> None:
        self.data = np.asarray(data, dtype=np.float64)

    @staticmethod
    def _v(other: Any) -> Any:
        return other.data if isinstance(other, Ref) else other

    def __add__(self, o: Any) -> Ref:
        return Ref(self.data + self._v(o))

    def __radd__(self, o: Any) -> Ref:
        return Ref(self._v(o) + self.data)

    def __sub__(self, o: Any) -> Ref:
        return Ref(self.data - self._v(o))

    def __rsub__(self, o: Any) -> Ref:
        return Ref(self._v(o) - self.data)

    def __mul__(self, o: Any) -> Ref:
        return Ref(self.data * self._v(o))

    def __rmul__(self, o: Any) -> Ref:
        return Ref(self._v(o) * self.data)

    def __truediv__(self, o: Any) -> Ref:
        return Ref(self.data / self._v(o))

    def __rtruediv__(self, o: Any) -> Ref:
        return Ref(self._v(o) / self.data)

    def __pow__(self, o: Any) -> Ref:
        return Ref(self.data ** self._v(o))

    def __rpow__(self, o: Any) -> Ref:
        return Ref(self._v(o) ** self.data)

    def __neg__(self) -> Ref:
        return Ref(-self.data)

    def __matmul__(self, o: Any) -> Ref:
        return Ref(self.data @ self._v(o))

    def __getitem__(self, index: Any) -> Ref:
        return Ref(self.data[index])

    @property
    def T(self) -> Ref:  # noqa: N802 - numpy's name
        """``ndarray.T``."""
        return Ref(self.data.T)

    def transpose(self, *axes: Any) -> Ref:
        """``ndarray.transpose``."""
        return Ref(self.data.transpose(*axes))

    def reshape(self, *shape: Any) -> Ref:
        """``ndarray.reshape``."""
        return Ref(self.data.reshape(*shape))

    def sum(self, axis: Any = None, keepdims: bool = False, **kw: Any) -> Ref:
        """``ndarray.sum`` (``dim``/``keepdim`` spellings too)."""
        return Ref(self.data.sum(axis=kw.get("dim", axis),
                                 keepdims=kw.get("keepdim", keepdims)))

    def mean(self, axis: Any = None, keepdims: bool = False, **kw: Any) -> Ref:
        """``ndarray.mean``."""
        return Ref(self.data.mean(axis=kw.get("dim", axis),
                                  keepdims=kw.get("keepdim", keepdims)))

    def max(self, axis: Any = None, keepdims: bool = False, **kw: Any) -> Ref:
        """``ndarray.max``."""
        return Ref(self.data.max(axis=kw.get("dim", axis),
                                 keepdims=kw.get("keepdim", keepdims)))

    def exp(self) -> Ref:
        """``np.exp``."""
        return Ref(np.exp(self.data))

    def log(self) -> Ref:
        """``np.log``."""
        return Ref(np.log(self.data))

    def tanh(self) -> Ref:
        """``np.tanh``."""
        return Ref(np.tanh(self.data))

    def relu(self) -> Ref:
        """``max(x, 0)``."""
        return Ref(np.maximum(self.data, 0.0))

    def sigmoid(self) -> Ref:
        """``1 / (1 + exp(-x))``."""
        return Ref(1.0 / (1.0 + np.exp(-self.data)))
