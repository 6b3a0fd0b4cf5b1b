"""Whole networks in the layouts of the courses and books after CS231n's ``params`` dict.

- :class:`AttributeSubject`: parameters kept as attributes (``self.W`` of CS231n's
  ``LinearSVM``/``Softmax``, or ``self.W1, self.b1, ...``) and a ``loss(X, y, **kwargs)``
  method returning ``(loss, grad)``, ``(loss, grad_1, ..., grad_k)`` or ``(loss, dict)``;
  each gradient is matched to the attribute of its shape (ties broken by name, ``dW`` for
  ``W``, then by order), or by key in a dict (``W`` or ``dW``).
- :class:`NielsenSubject`: Nielsen's ``Network(sizes)``: lists ``self.biases`` and
  ``self.weights``, ``backprop(x, y) -> (nabla_b, nabla_w)`` lists parallel to them, for
  one sample ``x`` (a column vector); the objective is the cost of ``feedforward(x)``: the
  network's cost object's ``fn(a, y)`` (``network2``'s ``QuadraticCost`` /
  ``CrossEntropyCost``, whose ``delta`` backprop uses), or the quadratic cost
  ``0.5 * ||a - y||^2`` that ``network.py``'s ``cost_derivative(a, y) = a - y`` implies.
  Several samples (the columns of ``x`` and ``y``) are checked as ``update_mini_batch``
  uses them: one ``backprop`` per sample, the costs and the nablas summed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gradcheck.errors import ProtocolError, UserCodeError
from gradcheck.protocol.calls import call
from gradcheck.protocol.model import ModelSubject, scalar_loss
from gradcheck.protocol.names import is_conventional
from gradcheck.protocol.places import ATTR, ITEM, Place

if TYPE_CHECKING:
    from gradcheck.engine.state import RandomPin

__all__ = ["AttributeSubject", "NielsenSubject", "attribute_params", "match_by_shape"]


def attribute_params(model: Any) -> dict[str, np.ndarray]:
    """The model's own float array attributes (``W``, ``W1``, ``b1``...), in order."""
    return {
        name: value for name, value in vars(model).items()
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size
        and not name.startswith("__")
    }


def match_by_shape(names: dict[str, tuple[int, ...]], arrays: list[Any],
                   labels: list[str] | None = None) -> dict[str, int]:
    """Which of ``arrays`` is the gradient of each name, by shape; ties by name, then order.

    ``names`` maps a parameter name to its shape; ``labels`` names the arrays
    (``dWxh``), when known. Returns parameter name -> index into ``arrays``; a parameter
    no array of its shape is left for is absent.
    """
    taken: set[int] = set()
    out: dict[str, int] = {}
    pending = list(names)
    # names first: an array labelled d<name> of the right shape is that parameter's
    if labels is not None:
        for name in list(pending):
            for i, label in enumerate(labels):
                if i in taken or label.lower() not in (f"d{name}".lower(), f"d_{name}".lower(),
                                                       f"grad_{name}".lower()):
                    continue
                if np.shape(arrays[i]) == names[name]:
                    out[name] = i
                    taken.add(i)
                    pending.remove(name)
                    break
    for name in pending:
        for i, array in enumerate(arrays):
            if i not in taken and isinstance(array, np.ndarray) and array.shape == names[name]:
                out[name] = i
                taken.add(i)
                break
    return out


class AttributeSubject(ModelSubject):
    """``self.W`` (and other array attributes) with ``loss(X, y, **kwargs) -> (loss, grad)``."""

    def __init__(self, model: Any, X: np.ndarray, y: Any, pin: RandomPin,
                 loss_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(model, pin)
        self.X, self.y = X, y
        self.loss_kwargs = dict(loss_kwargs or {})
        self.where: dict[str, Any] = {}  # parameter label -> key or index in the result

    def _call(self) -> tuple[float, Any]:
        X = self.X.copy()
        y = self.y.copy() if isinstance(self.y, np.ndarray) else self.y
        result = call(self.obj, "loss", X, y, **self.loss_kwargs)
        if not (isinstance(result, tuple) and len(result) >= 2):
            raise ProtocolError(
                f"{type(self.obj).__name__}.loss(X, y) returned {type(result).__name__}; "
                "expected (loss, grad), (loss, grads...) or (loss, dict of grads)"
            )
        rest = result[1:]
        grads: Any = rest[0] if len(rest) == 1 and isinstance(rest[0], dict) else list(rest)
        return scalar_loss(result[0], "loss(X, y)", self.narrow), grads

    def setup(self) -> None:
        """The array attributes with a gradient in the result are the parameters."""
        _, grads = self.first_call(self._call)
        params = attribute_params(self.obj)
        if self.loss_kwargs:
            shown = ", ".join(f"{k}={v!r}" for k, v in self.loss_kwargs.items())
            self.notes.append(f"loss called with {shown}")
        if isinstance(grads, dict):
            for name in params:
                key = next((k for k in (name, f"d{name}", f"d_{name}") if k in grads), None)
                if key is not None:
                    self.where[name] = key
        else:
            shapes = {name: value.shape for name, value in params.items()}
            self.where.update(match_by_shape(shapes, grads))
        for name in params:
            if name in self.where:
                self.take(name, Place(self.obj, ((ATTR, name),)), f"d{name}")
            elif is_conventional(name):
                self.missing[name] = f"d{name}"

    def loss_value(self) -> tuple[float, float]:
        """``loss(X, y, **loss_kwargs)[0]``."""
        loss, _ = self._call()
        return loss, abs(loss)

    def gradients(self) -> tuple[tuple[float, float], dict[str, Any]]:
        """``loss(X, y, **loss_kwargs)``: each parameter's gradient where setup found it."""
        loss, grads = self._call()
        out = {}
        for label, where in self.where.items():
            if isinstance(grads, dict):
                out[label] = grads.get(where)
            else:
                out[label] = grads[where] if where < len(grads) else None
        return (loss, abs(loss)), out


class NielsenSubject(ModelSubject):
    """``biases``/``weights`` lists, ``backprop(x, y) -> (nabla_b, nabla_w)``, a cost."""

    def __init__(self, model: Any, x: np.ndarray, y: Any, pin: RandomPin) -> None:
        super().__init__(model, pin)
        self.X, self.y = x, y
        cost = getattr(model, "cost", None)
        self.cost = cost if callable(getattr(cost, "fn", None)) else None

    def cost_name(self) -> str:
        """How the objective is computed, for the report."""
        if self.cost is None:
            return "the quadratic cost 0.5 * ||feedforward(x) - y||^2 (cost_derivative = a - y)"
        name = getattr(self.cost, "__name__", type(self.cost).__name__)
        return f"{name}.fn(feedforward(x), y)"

    def samples(self) -> list[tuple[np.ndarray, Any]]:
        """One ``(x, y)`` per sample: the columns of ``x`` (and of ``y``), each ``(n, 1)``.

        ``backprop(x, y)`` takes one sample; several are checked as ``update_mini_batch``
        uses them: the cost summed over the samples, ``nabla_b``/``nabla_w`` summed over
        one ``backprop`` call per sample.
        """
        x, y = self.X, self.y
        if not (isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[1] > 1):
            return [(x, y)]
        ys = [y[:, i:i + 1] if isinstance(y, np.ndarray) and y.ndim == 2
              and y.shape[1] == x.shape[1] else y for i in range(x.shape[1])]
        return [(x[:, i:i + 1], ys[i]) for i in range(x.shape[1])]

    def setup(self) -> None:
        """Every array of ``biases`` and ``weights`` is a parameter."""
        self.first_call(self._backprop)
        count = len(self.samples())
        self.notes.append(f"the objective: {self.cost_name()}, " + (
            "for one sample x" if count == 1 else
            f"summed over {count} samples (the columns of x), backprop(x, y) called once "
            "per sample and its nablas summed, as update_mini_batch does"))
        for attr in ("biases", "weights"):
            for i, value in enumerate(getattr(self.obj, attr)):
                if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                    label = f"{attr}[{i}]"
                    gradient = f"nabla_{attr[0]}[{i}]"
                    self.take(label, Place(self.obj, ((ATTR, attr), (ITEM, i))), gradient)

    def _backprop(self) -> tuple[list[Any], list[Any]]:
        """``backprop`` on every sample; the nablas summed (lists as long as the longest)."""
        total_b: list[Any] = []
        total_w: list[Any] = []
        for x, y in self.samples():
            nabla_b, nabla_w = self._backprop_one(x, y)
            total_b = _summed(total_b, nabla_b)
            total_w = _summed(total_w, nabla_w)
        return total_b, total_w

    def _backprop_one(self, x: np.ndarray, y: Any) -> tuple[list[Any], list[Any]]:
        x = x.copy()
        y = y.copy() if isinstance(y, np.ndarray) else y
        result = call(self.obj, "backprop", x, y)
        if not (isinstance(result, tuple | list) and len(result) == 2):
            raise ProtocolError(
                f"{type(self.obj).__name__}.backprop(x, y) returned {type(result).__name__}; "
                "expected (nabla_b, nabla_w), lists parallel to biases and weights"
            )
        nabla_b, nabla_w = result
        return list(nabla_b), list(nabla_w)

    def loss_value(self) -> tuple[float, float]:
        """The cost of ``feedforward(x)`` against ``y``, summed over the samples."""
        loss = 0.0
        for x, y in self.samples():
            a = np.asarray(call(self.obj, "feedforward", x.copy()), dtype=np.float64)
            y = y.copy() if isinstance(y, np.ndarray) else y
            if self.cost is not None:
                try:
                    value = self.cost.fn(a, y)
                except Exception as exc:
                    raise UserCodeError(f"cost.fn raised {type(exc).__name__}: {exc}") from exc
                loss += scalar_loss(value, "cost.fn(a, y)", self.narrow)
            else:
                loss += 0.5 * float(np.sum((a - y) ** 2))
        return loss, abs(loss)

    def gradients(self) -> tuple[tuple[float, float], dict[str, Any]]:
        """The cost, then ``backprop(x, y)`` (the random state pinned again before it)."""
        objective = self.loss_value()
        self.repin()
        nabla_b, nabla_w = self._backprop()
        grads: dict[str, Any] = {}
        for attr, nabla in (("biases", nabla_b), ("weights", nabla_w)):
            for i in range(len(getattr(self.obj, attr))):
                grads[f"{attr}[{i}]"] = nabla[i] if i < len(nabla) else None
        return objective, grads


def _summed(total: list[Any], more: list[Any]) -> list[Any]:
    """Element-wise sums of two lists of gradients (None, or a shape mismatch, kept as is)."""
    if not total:
        return list(more)
    out: list[Any] = []
    for i in range(max(len(total), len(more))):
        a = total[i] if i < len(total) else None
        b = more[i] if i < len(more) else None
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape:
            out.append(a + b)
        else:
            out.append(a if a is not None else b)  # shown as it is: misshapen or missing
    return out
