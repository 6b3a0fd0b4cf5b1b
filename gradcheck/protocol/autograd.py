"""What an autograd engine written from scratch looks like, and how to talk to it.

A *scalar* engine (micrograd and its copies): ``Value(data)`` holds a float in ``data`` and
its gradient in ``grad``; operators build a graph of ``_backward`` closures and
``backward()`` walks it. A *tensor* engine: the same over NumPy arrays (``Tensor(data)``,
``.data`` and ``.grad`` arrays, ``matmul``, ``sum``, ``reshape`` ...).

:func:`looks_like_engine` is the static test the CLI's discovery uses; :class:`Engine`
builds leaves, runs ``backward()``, reads and resets gradients, and lists the operations
the class defines. Every call into the user's class goes through :func:`user_call`, which
turns an exception into :class:`EngineCallError` naming the stage (build, forward,
backward, zero): the checker's own exceptions are never dressed as the engine's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.errors import EngineCallError
from gradcheck.protocol.calls import raised_at

__all__ = ["EngineCallError", "Engine", "inspect_engine", "looks_like_engine", "user_call",
           "NOT_OPERATIONS", "OPERATORS"]

# Operators an engine overloads: a class defining one of these and backward() is a
# candidate engine.
OPERATORS = ("__add__", "__mul__", "__sub__", "__truediv__", "__pow__", "__matmul__")
# Methods that are never operations (they do not build a graph, or change state).
NOT_OPERATIONS = frozenset({
    "backward", "zero_grad", "zero_grads", "item", "numpy", "tolist", "detach", "build_topo",
    "topo", "parameters", "copy", "clone", "requires_grad_", "retain_grad", "register_hook",
    "to", "cpu", "cuda", "float", "double", "half", "size", "dim", "numel", "step", "update",
    "backprop", "grad_fn", "draw", "draw_dot", "trace", "visualize", "graph",
})
GRADIENT_ARGUMENTS = ("grad", "gradient", "g", "out_grad", "dout", "upstream", "seed",
                      "grad_output", "dy")


def user_call(stage: str, what: str, function: Callable[..., Any], *args: Any,
              **kwargs: Any) -> Any:
    """Call the engine; its exception becomes :class:`EngineCallError` (stage, line)."""
    try:
        return function(*args, **kwargs)
    except Exception as exc:
        where = raised_at(exc, beyond=1)
        text = str(exc)
        raise EngineCallError(
            stage, f"{what} raised {type(exc).__name__}{': ' + text if text else ''}{where}"
        ) from exc


def _defines(cls: type, name: str) -> bool:
    """``name`` is defined by the class or a user base class (not ``object``)."""
    for klass in cls.__mro__:
        if klass is object or (klass.__module__ or "").startswith(("builtins", "numpy")):
            continue
        if name in vars(klass):
            return vars(klass)[name] is not None
    return False


def _required(function: Any) -> int | None:
    """Required positional parameters besides ``self`` (None: no signature)."""
    try:
        params = list(inspect.signature(function).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in kinds and p.default is inspect.Parameter.empty)


def looks_like_engine(cls: type) -> bool:
    """Operator overloads plus a ``backward()`` that takes no required argument.

    Parameters
    ----------
    cls : type
        A class a target defines.

    Returns
    -------
    bool
        Whether the class is a candidate autograd engine (its instances' ``grad`` is
        looked for when it is built).
    """
    backward = inspect.getattr_static(cls, "backward", None)
    if not callable(backward) or _required(backward) not in (0, 1):
        return False
    if inspect.getattr_static(cls, "forward", None) is not None:
        return False  # a layer with forward/backward, however it overloads operators
    return any(_defines(cls, name) for name in OPERATORS)


@dataclass
class Engine:
    """One engine class: how its leaves are built, run backward, read and reset.

    Attributes
    ----------
    cls : type
        The engine class.
    kind : str
        ``"scalar"`` or ``"tensor"``.
    dtype : numpy dtype
        What ``.data`` holds (float32 tensor engines: tolerances follow float32).
    leaf_kwargs : dict
        Extra constructor arguments for leaves (``requires_grad=True``).
    zero_method : bool
        Instances have a ``zero_grad()`` of the class's own, used to reset leaves.
    fresh_grad : Any
        What ``grad`` holds on a new instance (0, zeros or None): how leaves are reset
        without ``zero_grad()``.
    seeds : bool
        ``backward(gradient)`` takes an upstream gradient.
    needs_seed : bool
        ``backward`` requires one (ones are given where the engine would seed them).
    notes : list of str
        What the check adapted to.
    """

    cls: type
    kind: str
    dtype: Any
    leaf_kwargs: dict[str, Any] = field(default_factory=dict)
    zero_method: bool = False
    fresh_grad: Any = 0.0
    seeds: bool = False
    needs_seed: bool = False
    flat: bool = False  # data kept as flat storage beside a `shape` attribute
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The class name."""
        return self.cls.__name__

    @property
    def eps(self) -> float:
        """Machine epsilon of the engine's arithmetic."""
        return float(np.finfo(self.dtype).eps)

    def defines(self, name: str) -> bool:
        """Whether the class defines ``name`` (an operator, method or property)."""
        return _defines(self.cls, name)

    @property
    def weighs_upstream(self) -> bool:
        """Whether a non-uniform upstream gradient can reach ``backward()``.

        ``backward(w)``, ``(out * w).sum()`` (tensors) or ``out * k`` (scalars); a tensor
        engine with no ``*`` whose ``backward()`` seeds ones can only be given ones.
        """
        return self.kind == "scalar" or bool(self.seeds) or (
            self.defines("sum") and self.defines("__mul__"))

    def method_parameters(self, name: str) -> set[str]:
        """Names of the parameters of method ``name`` (empty when none or unknown)."""
        function = inspect.getattr_static(self.cls, name, None)
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            return set()
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            return {"*"} | set(params)
        return set(params)

    def leaf(self, value: Any) -> Any:
        """A leaf holding ``value`` (float for scalar engines, array for tensors)."""
        data = float(value) if self.kind == "scalar" else np.array(value, dtype=self.dtype)
        return user_call("build", f"{self.name}({_short(data)})", self.cls, data,
                         **self.leaf_kwargs)

    def constant(self, value: Any) -> Any:
        """A value outside the gradient (no ``requires_grad``)."""
        data = float(value) if self.kind == "scalar" else np.array(value, dtype=self.dtype)
        return user_call("build", f"{self.name}({_short(data)})", self.cls, data)

    def is_value(self, node: Any) -> bool:
        """A node of the engine: an instance, or any object with ``data`` and ``backward``.

        (An engine's operations may return instances of a base class or a sibling.)
        """
        if isinstance(node, self.cls):
            return True
        return not isinstance(node, np.ndarray | int | float | np.generic) and hasattr(
            node, "data") and callable(getattr(node, "backward", None))

    def data(self, node: Any) -> np.ndarray:
        """``node.data`` as a float64 array (a plain float/array is taken as it is)."""
        value = node.data if self.is_value(node) else node
        out = _numbers(value, f"{self.name}.data", "forward")
        if self.flat and self.is_value(node):
            shape = tuple(getattr(node, "shape", out.shape))
            out = out.reshape(shape) if int(np.prod(shape, dtype=int)) == out.size else out
        return out

    def grad(self, node: Any) -> np.ndarray | None:
        """``node.grad`` as a float64 array, None when the engine left it None."""
        value = user_call("grad", f"{self.name}.grad", getattr, node, "grad")
        if value is None:
            return None
        if self.is_value(value):  # a gradient held as an engine value
            return self.data(value)
        out = _numbers(value, f"{self.name}.grad", "grad")
        if self.flat and out.ndim == 1:
            shape = tuple(getattr(node, "shape", out.shape))
            out = out.reshape(shape) if int(np.prod(shape, dtype=int)) == out.size else out
        return out

    def backward(self, out: Any, seed: np.ndarray | None = None) -> None:
        """``out.backward()``, or ``out.backward(seed)`` with an upstream gradient."""
        if seed is None and self.needs_seed:
            seed = np.ones(np.shape(self.data(out)))
        if seed is None:
            user_call("backward", "backward()", out.backward)
        else:
            user_call("backward", "backward(gradient)", out.backward,
                      np.array(seed, dtype=self.dtype))

    def zero(self, leaf: Any) -> None:
        """Reset a leaf's gradient the engine's way: ``zero_grad()``, else as when new."""
        if self.zero_method:
            user_call("zero", "zero_grad()", leaf.zero_grad)
            return
        fresh = self.fresh_grad
        value = fresh.copy() if isinstance(fresh, np.ndarray) else fresh
        if isinstance(value, np.ndarray) and self.kind == "tensor":
            value = np.zeros_like(np.asarray(leaf.data)) if value.shape != np.shape(
                leaf.data) else value
        user_call("zero", f"setting {self.name}.grad", setattr, leaf, "grad", value)


def inspect_engine(cls: type) -> Engine | str:
    """Build two probe instances and read what the engine is; a reason when it is none.

    Returns
    -------
    Engine or str
        The engine, or why the class cannot be checked as one (said to the user).

    Raises
    ------
    TypeError
        Its instances have no ``data`` and ``grad``: it is no autograd engine.
    """
    try:
        init: Any = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        init = {}
    kwargs = {"requires_grad": True} if "requires_grad" in init else {}
    try:
        probe = user_call("build", f"{cls.__name__}(0.5)", cls, 0.5, **kwargs)
    except EngineCallError as exc:
        try:  # a tensor engine that takes arrays only
            probe = user_call("build", f"{cls.__name__}(array 0.5)", cls, np.array(0.5),
                              **kwargs)
        except EngineCallError:
            return f"cannot be built from a number: {exc}"
    try:
        matrix = user_call("build", f"{cls.__name__}(array (2, 3))", cls,
                           np.full((2, 3), 0.5), **kwargs)
    except EngineCallError:
        matrix = None  # a scalar engine
    if not hasattr(probe, "grad") or not hasattr(probe, "data"):
        raise TypeError(f"{cls.__name__} instances have no `data` and `grad` attributes: not "
                        "an autograd engine")
    tensor_ops = any(_defines(cls, n) for n in ("__matmul__", "matmul", "sum", "reshape", "T",
                                                 "transpose", "mean", "shape"))
    data = getattr(matrix, "data", None)
    if isinstance(data, np.ndarray) and (isinstance(probe.data, np.ndarray) or tensor_ops):
        kind = "tensor"
        dtype = data.dtype if data.dtype.kind == "f" else np.dtype(np.float64)
    elif isinstance(probe.data, int | float | np.floating):
        kind, dtype = "scalar", np.dtype(np.float64)
    else:
        return (f"`data` of {cls.__name__}(0.5) is a {type(probe.data).__name__}, neither a "
                "number (scalar engine) nor an ndarray (tensor engine)")
    fresh = probe.grad if kind == "scalar" else matrix.grad
    if isinstance(fresh, np.ndarray):
        fresh = np.zeros_like(fresh)
    elif fresh is not None and not isinstance(fresh, int | float | np.floating):
        fresh = 0.0
    engine = Engine(cls, kind, np.dtype(dtype), kwargs,
                    zero_method=callable(getattr(probe, "zero_grad", None)), fresh_grad=fresh)
    engine.flat = kind == "tensor" and matrix is not None and np.shape(matrix.data) == (6,) \
        and tuple(getattr(matrix, "shape", ())) == (2, 3)
    backward = inspect.getattr_static(cls, "backward")
    try:
        params = list(inspect.signature(backward).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []
    positional = bool(params) and params[0].kind in (
        inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    engine.needs_seed = positional and params[0].default is inspect.Parameter.empty
    engine.seeds = kind == "tensor" and positional and (
        params[0].name.lower() in GRADIENT_ARGUMENTS or engine.needs_seed)
    if kwargs:
        engine.notes.append("leaves built with requires_grad=True")
    if kind == "tensor" and engine.dtype != np.float64:
        engine.notes.append(f"data is {engine.dtype}: tolerances follow {engine.dtype}")
    return engine


def _numbers(value: Any, what: str, stage: str) -> np.ndarray:
    """``value`` as a float64 array; the engine's fault (not ours) when it holds no numbers."""
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise EngineCallError(stage, f"{what} holds {type(value).__name__}, not numbers "
                              f"({exc})") from exc


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array {value.shape}" if value.size > 4 else np.array2string(
            value, precision=3, separator=", ")
    return f"{value:.4g}" if isinstance(value, float) else repr(value)
