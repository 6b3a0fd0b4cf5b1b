"""The object under check: how to call it, what its parameters are, what its objective is.

A ``Subject`` hides the differences between layers, losses and fused softmax-losses behind
one interface: ``rows(...)`` (per-sample objective values, for row-independent maps) and
``total(...)`` (the scalar objective), both evaluated with the random state pinned.
"""

from __future__ import annotations

import difflib
import inspect
import traceback
from typing import Any

import numpy as np

from gradcheck.engine.state import RandomPin

_RESERVED = {"inputs", "output", "dinputs", "dvalues", "y_true", "y_pred"}


class UserCodeError(Exception):
    """The checked object raised; carries a message naming the method and the line."""


class ProtocolError(Exception):
    """The checked object does not follow the NNFS protocol (e.g. no ``self.output``)."""


def call(obj: Any, method: str, *args: Any) -> Any:
    """Call ``obj.method(*args)``; wrap any exception as :class:`UserCodeError`."""
    try:
        return getattr(obj, method)(*args)
    except Exception as exc:
        where = ""
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            last = frames[-1]
            where = f" ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
        raise UserCodeError(
            f"{type(obj).__name__}.{method} raised {type(exc).__name__}: {exc}{where}"
        ) from exc


def wants_training(obj: Any, given: bool | None) -> tuple[bool, bool]:
    """Whether forward takes a ``training`` argument, and the value to pass."""
    params = _forward_parameters(type(obj), obj)
    if params is None:
        return False, False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) < 2:
        return False, False
    second = positional[1]
    if given is not None:
        return True, given
    if second.default is inspect.Parameter.empty:
        return True, True
    return False, False


_SIGNATURES: dict[type, list[inspect.Parameter] | None] = {}


def _forward_parameters(cls: type, obj: Any) -> list[inspect.Parameter] | None:
    """The parameters of ``obj.forward`` (cached per class: classes rarely change)."""
    if cls not in _SIGNATURES:
        try:
            _SIGNATURES[cls] = list(inspect.signature(obj.forward).parameters.values())
        except (TypeError, ValueError):
            _SIGNATURES[cls] = None
    return _SIGNATURES[cls]


def parameter_candidates(obj: Any) -> dict[str, np.ndarray]:
    """Float arrays held by ``obj`` that may be trainable parameters."""
    attrs = vars(obj)
    found = {}
    for name, value in attrs.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f" or value.size == 0:
            continue
        if name in _RESERVED or (name.startswith("d") and name[1:] in attrs):
            continue
        if name.startswith("_"):
            continue
        found[name] = value
    return found


def regularizer(obj: Any, name: str) -> tuple[float, float]:
    """Book-style L1 and L2 factors for parameter ``name`` (``weights`` -> ``weight_...``)."""
    stems = [name, name[:-1], name[:-2]] if name.endswith("s") else [name]
    stem = next(
        (
            s
            for s in stems
            if hasattr(obj, f"{s}_regularizer_l1") or hasattr(obj, f"{s}_regularizer_l2")
        ),
        name,
    )
    l1 = getattr(obj, f"{stem}_regularizer_l1", 0) or 0
    l2 = getattr(obj, f"{stem}_regularizer_l2", 0) or 0
    try:
        return float(l1), float(l2)
    except (TypeError, ValueError):
        return 0.0, 0.0


def misnamed_gradient(expected: str, new_names: list[str]) -> str:
    """Hint for a missing gradient: which attribute backward set instead."""
    close = difflib.get_close_matches(expected, new_names, n=1, cutoff=0.5)
    if close:
        return f"; backward set `{close[0]}` instead: a typo for `{expected}`?"
    if new_names:
        return f"; backward set {', '.join(f'`{n}`' for n in new_names)}"
    return ""


class Subject:
    """Calls the object's forward with pinned randomness and turns outputs into objectives.

    Parameters
    ----------
    obj : object
        The layer, loss or fused softmax-loss.
    kind : str
        ``"layer"``, ``"loss"`` or ``"fused"``.
    pin : RandomPin
        Random state, re-seeded before every forward call of an object that draws.
    training : tuple of (bool, bool)
        Whether to pass a ``training`` argument, and its value.
    """

    def __init__(self, obj: Any, kind: str, pin: RandomPin, training: tuple[bool, bool]) -> None:
        self.obj = obj
        self.kind = kind
        self.pin = pin
        self.evaluations = 0
        self.dvalues: np.ndarray | None = None  # layers: the cotangent
        self.y_true: np.ndarray | None = None  # losses: the labels
        self.n_samples = 0
        self.returns_output = False
        self.output_known = False  # set once forward was seen setting its output
        self.extra: tuple[Any, ...] = (training[1],) if training[0] else ()
        self.inner_loss: Any = None  # fused: the loss object it holds, if any
        self.params: dict[str, np.ndarray] = {}
        self.reg: dict[str, tuple[float, float]] = {}

    # -- raw calls -----------------------------------------------------------------
    def forward(self, x: np.ndarray, y: np.ndarray | None = None) -> Any:
        """One forward call on ``x``; returns the output (layers) or the loss."""
        pin = self.pin
        if pin.active:
            pin.reset()
        self.evaluations += 1
        obj = self.obj
        if self.kind == "layer":
            if not self.output_known:
                vars(obj).pop("output", None)
            returned = call(obj, "forward", x, *self.extra)
            pin.note_draws()
            output = returned if self.returns_output else vars(obj).get("output")
            if output is None and not self.output_known:
                if isinstance(returned, np.ndarray):
                    self.returns_output = True
                    output = returned
            if output is None:
                raise ProtocolError(f"{type(obj).__name__}.forward did not set self.output")
            return output
        result = call(obj, "forward", x, self.y_true if y is None else y)
        pin.note_draws()
        return result

    def backward(self, dvalues: np.ndarray, y: np.ndarray | None) -> Any:
        """One backward call."""
        if self.kind == "layer":
            return call(self.obj, "backward", dvalues)
        return call(self.obj, "backward", dvalues, y)

    # -- objectives ------------------------------------------------------------------
    def reg_value(self, name: str, value: np.ndarray) -> float:
        """Book-style regularization loss of one parameter."""
        l1, l2 = self.reg.get(name, (0.0, 0.0))
        total = 0.0
        if l1:
            total += l1 * float(np.sum(np.abs(value)))
        if l2:
            total += l2 * float(np.sum(value * value))
        return total

    def row_outputs(self, x_rows: np.ndarray) -> np.ndarray:
        """A layer's output for stacked rows, as float64 ``(rows, outputs)``."""
        out = np.asarray(self.forward(x_rows), dtype=np.float64)
        return out.reshape(out.shape[0], -1)

    def rows(self, row_ids: np.ndarray, x_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-row objective values (and their absolute scales) for stacked rows."""
        if self.kind == "layer":
            out = np.asarray(self.forward(x_rows), dtype=np.float64)
            terms = self.dvalues[row_ids] * out.reshape(out.shape[0], -1)
            return terms.sum(axis=1), np.abs(terms).sum(axis=1)
        assert self.y_true is not None
        losses = self.sample_losses(x_rows, self.y_true[row_ids])
        if losses is None:
            raise ProtocolError("per-sample losses are not available")
        losses = losses / self.n_samples
        return losses, np.abs(losses)

    def sample_losses(self, x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
        """Per-sample losses of a batch.

        A loss's own forward; for a fused softmax-loss, the per-sample losses of the loss
        object it holds (``self.loss`` in the book), verified to average to what the fused
        forward returned.
        """
        result = np.asarray(self.forward(x, y), dtype=np.float64)
        if self.kind == "loss":
            return result.reshape(-1)
        inner = self.inner_loss
        if inner is None or "output" not in vars(self.obj):
            return None
        try:
            per = np.asarray(inner.forward(self.obj.output, y), dtype=np.float64).reshape(-1)
        except Exception:
            return None
        mean = float(result.reshape(-1)[0]) if result.size == 1 else float("nan")
        if per.size != x.shape[0] or not abs(np.mean(per) - mean) <= 1e-12 * (abs(mean) + 1e-300):
            return None
        return per

    def find_inner_loss(self) -> None:
        """A fused object's loss (held as an attribute with forward(y_pred, y_true))."""
        self.inner_loss = None
        for value in vars(self.obj).values():
            forward = getattr(value, "forward", None)
            if callable(forward) and value is not self.obj and not isinstance(value, type):
                params = _forward_parameters(type(value), value)
                if params is not None and len(params) == 2:
                    self.inner_loss = value
                    return

    def total(self, x: np.ndarray, *, scale: bool = False) -> tuple[float, float]:
        """The scalar objective at ``x`` (parameters as set), and its absolute scale.

        The scale (``sum |dvalues * output|`` and the like) bounds the rounding error of
        the objective; it is computed only when asked for.
        """
        return self.objective(self.forward(x), scale=scale)

    def objective(self, out: Any, *, scale: bool = False) -> tuple[float, float]:
        """The scalar objective (and its absolute scale) from one forward result."""
        if self.kind == "layer":
            out = np.asarray(out, dtype=np.float64).reshape(self.dvalues.shape)
            value = float(np.vdot(self.dvalues, out))
            size = float(np.abs(self.dvalues * out).sum()) if scale else 0.0
            for name in self.reg:
                r = self.reg_value(name, getattr(self.obj, name))
                value, size = value + r, size + abs(r)
            return value, size
        result = np.asarray(out, dtype=np.float64)
        if self.kind == "fused":
            value = float(result.reshape(-1)[0]) if result.size == 1 else float(np.mean(result))
            return value, abs(value)
        return float(np.mean(result)), float(np.mean(np.abs(result)))

    def param_evaluator(self, name: str, value: np.ndarray, x: np.ndarray) -> Any:
        """Evaluator perturbing one element of parameter ``name`` per forward call.

        The parameter is replaced by a working copy for the whole batch of calls and
        edited in place, element by element.
        """

        def at(idx: np.ndarray, deltas: np.ndarray) -> np.ndarray:
            values = np.empty(idx.size)
            work = value.copy()
            flat = work.reshape(-1)
            original = getattr(self.obj, name)
            setattr(self.obj, name, work)
            try:
                for k, (j, d) in enumerate(zip(idx.tolist(), deltas.tolist(), strict=True)):
                    keep = flat[j]
                    flat[j] = keep + d
                    values[k] = self.objective(self.forward(x))[0]
                    flat[j] = keep
            finally:
                setattr(self.obj, name, original)
            return values

        return at

    def total_with(self, x: np.ndarray, params: dict[str, np.ndarray]) -> tuple[float, float]:
        """The objective at ``x`` with some parameters temporarily replaced."""
        originals = {name: getattr(self.obj, name) for name in params}
        for name, value in params.items():
            setattr(self.obj, name, value)
        try:
            return self.total(x)
        finally:
            for name, value in originals.items():
                setattr(self.obj, name, value)
