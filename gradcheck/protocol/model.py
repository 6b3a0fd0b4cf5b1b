"""Whole networks as subjects: every parameter of the network, one scalar loss.

Three ways people hold a network, one subject each:

- :class:`ParamsSubject`: a dict of parameters with a loss function and a gradient
  function (deeplearning.ai's ``gradient_check_n`` layout: ``W1, b1, ...``, gradients keyed
  ``dW1, db1, ...`` or by the parameter names);
- :class:`CS231nSubject`: a model with a ``params`` dict and ``loss(X, y) -> (loss,
  grads)``, ``grads`` keyed like ``params``;
- :class:`BookModelSubject`: the book's ``Model`` (chapters 19-22): ``layers``, ``loss``,
  ``forward(X, training)``, ``backward(output, y)``, each trainable layer's ``d<param>``,
  the loss with its regularization (``calculate(..., include_regularization=True)``).

The objective is the loss as the model computes it (regularization included where the
model includes it). Parameters are rebound or written in place under their key, so a
dict keeps its order and its keys (a CS231n model may unpack ``params.values()``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from gradcheck.errors import ProtocolError, UserCodeError
from gradcheck.protocol.calls import call
from gradcheck.protocol.params import Parameter, find_candidates, gradient_of, preferred
from gradcheck.protocol.places import ATTR, KEY, Place
from gradcheck.protocol.subject import Subject
from gradcheck.report import Kind

if TYPE_CHECKING:
    from gradcheck.engine.state import RandomPin

__all__ = [
    "BookModelSubject", "CS231nSubject", "ModelSubject", "ParamsSubject", "model_kind",
    "scalar_loss",
]


def scalar_loss(value: Any, what: str, narrow: list[bool] | None = None) -> float:
    """A loss as a float; a tuple ``(loss, ...)`` gives its first item.

    ``narrow``: set to ``[True]`` when the loss came in a precision below float64.
    """
    if isinstance(value, tuple) and value:
        value = value[0]
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise ProtocolError(f"{what} returned {type(value).__name__} {array.shape}, not a scalar")
    if narrow is not None and array.dtype.kind == "f" and array.dtype.itemsize < 8:
        narrow[:] = [True]
    return float(array.reshape(-1)[0])


class ModelSubject(Subject):
    """A whole network: parameters in places, one scalar objective, gradients by label.

    ``forward`` returns ``(loss, scale)``; :meth:`analytic` returns the loss and the
    gradient of each parameter label (None where the model gives none).
    """

    kind = Kind.MODEL
    input_name = "X"
    per_row = False

    def __init__(self, obj: Any, pin: RandomPin) -> None:
        super().__init__(obj, pin)
        self.missing: dict[str, str] = {}  # parameter label -> expected gradient label
        self.notes: list[str] = []  # said in the report (how the objective was read)
        self.narrow = [False]  # the loss came in float32 (or less)

    def setup(self) -> None:
        """A first forward and backward: the parameters, and the random draws seen."""
        raise NotImplementedError(f"{type(self).__name__} does not say how to set up")

    # -- parameters ------------------------------------------------------------------
    def take(self, label: str, place: Place, gradient_label: str) -> None:
        """Make the float array at ``place`` a parameter (float64, rebound if narrower)."""
        array = place.get()
        if array.dtype != np.float64:
            array = np.array(array, dtype=np.float64)
            place.set(array)
        param = Parameter(label, place, array, gradient_label=gradient_label)
        self.add_parameter(param)

    @contextlib.contextmanager
    def only(self, label: str) -> Iterator[None]:
        """The subject with ``label`` as its only parameter (one verification each)."""
        parameters, params = self.parameters, self.params
        self.parameters = {label: parameters[label]}
        self.params = {label: params[label]}
        try:
            yield
        finally:
            self.parameters, self.params = parameters, params

    # -- calls ---------------------------------------------------------------------
    def loss_value(self) -> tuple[float, float]:
        """The model's loss at the current parameters, and its absolute scale."""
        raise NotImplementedError

    def gradients(self) -> tuple[tuple[float, float], dict[str, Any]]:
        """One forward and backward: the loss and each label's gradient (may be None)."""
        raise NotImplementedError

    def forward(self, x: np.ndarray, y: np.ndarray | None = None) -> Any:
        """The loss and its scale (``x`` is ignored: the subject holds its data)."""
        self._pinned()
        try:
            return self.loss_value()
        finally:
            self.pin.note_draws()

    def analytic(self) -> tuple[tuple[float, float], dict[str, Any]]:
        """Forward and backward with pinned randomness (the same draws as ``forward``)."""
        self._pinned()
        try:
            return self.gradients()
        finally:
            self.pin.note_draws()

    def repin(self) -> None:
        """Pin the random state again between two calls of one evaluation.

        A loss, then a gradient function that runs its own forward: both draw alike.
        """
        if self.pin.draws:
            self.pin.reset()

    def first_call(self, function: Callable[[], Any]) -> Any:
        """A call during set-up, watched like any other for random draws."""
        self._pinned()
        try:
            return function()
        finally:
            self.pin.note_draws()

    def backward(self, dvalues: np.ndarray, y: np.ndarray | None) -> Any:
        """Not used: :meth:`analytic` runs the model's own backward."""
        raise NotImplementedError

    def objective(self, out: Any, *, scale: bool = False) -> tuple[float, float]:
        """The loss (``forward`` already returns it with its scale)."""
        value, size = out
        return float(value), float(size) if scale else 0.0

    def row_values(self, x: np.ndarray, y: np.ndarray | None) -> np.ndarray | None:
        """Rows are not separable for a whole network."""
        return None


def _grad_key(grads: dict[Any, Any], key: str) -> str | None:
    for name in (f"d{key}", key, f"d_{key}"):
        if name in grads:
            return name
    return None


class ParamsSubject(ModelSubject):
    """``loss(params) -> float`` and ``grads(params) -> dict`` over a dict of arrays."""

    def __init__(self, loss: Callable[..., Any], grads: Callable[..., Any],
                 params: dict[str, Any], pin: RandomPin) -> None:
        super().__init__(params, pin)
        self.loss_fn, self.grads_fn = loss, grads
        self.names: dict[str, str] = {}  # parameter key -> gradient key

    def setup(self) -> None:
        """Every float array in the dict is a parameter; gradient keys from a first call."""
        grads = self.first_call(lambda: (self.loss_value(), self._call_grads())[1])
        for key, value in self.obj.items():
            if not (isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size):
                continue
            label = str(key)
            found = _grad_key(grads, label)
            if found is None:
                self.missing[label] = f"d{label}"
                continue
            self.names[label] = found
            self.take(label, Place(self.obj, ((KEY, key),)), found)

    def _call_grads(self) -> dict[Any, Any]:
        try:
            grads = self.grads_fn(self.obj)
        except Exception as exc:
            raise UserCodeError(f"grads(params) raised {type(exc).__name__}: {exc}") from exc
        if isinstance(grads, tuple):
            grads = next((g for g in grads if isinstance(g, dict)), grads)
        if not isinstance(grads, dict):
            raise ProtocolError(f"grads(params) returned {type(grads).__name__}, not a dict")
        return grads

    def loss_value(self) -> tuple[float, float]:
        """``loss(params)``."""
        try:
            value = self.loss_fn(self.obj)
        except Exception as exc:
            raise UserCodeError(f"loss(params) raised {type(exc).__name__}: {exc}") from exc
        loss = scalar_loss(value, "loss(params)", self.narrow)
        return loss, abs(loss)

    def gradients(self) -> tuple[tuple[float, float], dict[str, Any]]:
        """``loss(params)`` then ``grads(params)``."""
        objective = self.loss_value()
        self.repin()
        grads = self._call_grads()
        return objective, {label: grads.get(key) for label, key in self.names.items()}


class CS231nSubject(ModelSubject):
    """A model with ``params`` and ``loss(X, y) -> (loss, grads)``."""

    def __init__(self, model: Any, X: np.ndarray, y: Any, pin: RandomPin,
                 loss_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(model, pin)
        self.X, self.y = X, y
        self.names: dict[str, str] = {}
        self.loss_kwargs = dict(loss_kwargs or {})

    def _call(self) -> tuple[float, dict[Any, Any]]:
        X = self.X.copy()
        y = self.y.copy() if isinstance(self.y, np.ndarray) else self.y
        result = call(self.obj, "loss", X, y, **self.loss_kwargs)
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise ProtocolError(
                f"{type(self.obj).__name__}.loss(X, y) returned {type(result).__name__}; "
                "expected (loss, grads) with grads a dict keyed like params"
            )
        return scalar_loss(result[0], "loss(X, y)", self.narrow), result[1]

    def setup(self) -> None:
        """Every float array in ``params`` is a parameter; gradients keyed alike."""
        _, grads = self.first_call(self._call)
        if self.loss_kwargs:
            shown = ", ".join(f"{k}={v!r}" for k, v in self.loss_kwargs.items())
            self.notes.append(f"loss called with {shown}")
        params = self.obj.params
        for key, value in params.items():
            if not (isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size):
                continue
            label = str(key)
            found = _grad_key(grads, label)
            if found is None:
                self.missing[label] = label
                continue
            self.names[label] = found
            self.take(label, Place(self.obj, ((ATTR, "params"), (KEY, key))), found)

    def loss_value(self) -> tuple[float, float]:
        """``loss(X, y)[0]``."""
        loss, _ = self._call()
        return loss, abs(loss)

    def gradients(self) -> tuple[tuple[float, float], dict[str, Any]]:
        """``loss(X, y)``."""
        loss, grads = self._call()
        return (loss, abs(loss)), {label: grads.get(k) for label, k in self.names.items()}


class BookModelSubject(ModelSubject):
    """The book's ``Model``: ``forward(X, training)``, ``backward(output, y)``, ``loss``."""

    def __init__(self, model: Any, X: np.ndarray, y: Any, pin: RandomPin) -> None:
        super().__init__(model, pin)
        self.X, self.y = X, y
        self.notes: list[str] = []
        self.calls_with_regularization = True

    def prepare(self) -> None:
        """Finalize an unfinalized model; start the loss's accumulation (``new_pass``)."""
        model = self.obj
        if getattr(model, "input_layer", None) is None and callable(
            getattr(model, "finalize", None)
        ):
            call(model, "finalize")
            self.notes.append("the model was not finalized: finalize() called for the check")
        loss = getattr(model, "loss", None)
        if loss is None:
            raise ProtocolError(f"{type(model).__name__} has no loss (model.set(loss=...))")
        if callable(getattr(loss, "new_pass", None)):
            call(loss, "new_pass")

    def _forward(self) -> Any:
        return call(self.obj, "forward", self.X.copy(), True)

    def _loss(self, output: Any) -> tuple[float, float]:
        loss = self.obj.loss
        y = self.y.copy() if isinstance(self.y, np.ndarray) else self.y
        if self.calls_with_regularization:
            try:
                data, reg = loss.calculate(output, y, include_regularization=True)
            except TypeError:
                self.calls_with_regularization = False
            else:
                scalar_loss(data, "loss.calculate", self.narrow)
                data, reg = float(data), float(reg)
                return data + reg, abs(data) + abs(reg)
        data = scalar_loss(call(loss, "calculate", output, y), "loss.calculate", self.narrow)
        return data, abs(data)

    def loss_value(self) -> tuple[float, float]:
        """``loss.calculate(forward(X, True), y, include_regularization=True)``, summed."""
        try:
            return self._loss(self._forward())
        except (UserCodeError, ProtocolError):
            raise
        except Exception as exc:
            raise UserCodeError(
                f"{type(self.obj).__name__}.loss.calculate raised {type(exc).__name__}: {exc}"
            ) from exc

    def setup(self) -> None:
        """Parameters: the float arrays of the layers that backward gives a gradient for."""
        candidates = find_candidates(self.obj, exclude=[self.X])
        self.first_call(self.gradients_pass)
        for places, _ in zip(candidates.groups, candidates.arrays, strict=True):
            in_layers = [p for p in places if p.steps[0] == (ATTR, "layers")]
            place = preferred(in_layers or places)
            if place.steps[0][0] != ATTR or place.steps[0][1] not in (
                "layers", "trainable_layers"
            ):
                continue  # the loss's, the input layer's and the fused output's own arrays
            found = gradient_of(place)
            label = place.describe()
            if found is None:
                if place.name in ("weights", "biases", "W", "b"):
                    self.missing[label] = place.sibling(ATTR, f"d{place.name}").describe()
                continue
            self.take(label, place, found.describe())
            self.parameters[label].gradient = found

    def gradients_pass(self) -> Any:
        """The model's forward (training) and backward on ``(X, y)``; returns the loss."""
        output = self._forward()
        objective = self._loss(output)
        y = self.y.copy() if isinstance(self.y, np.ndarray) else self.y
        call(self.obj, "backward", output, y)
        return objective

    def gradients(self) -> tuple[tuple[float, float], dict[str, Any]]:
        """Forward, loss and backward; each parameter's ``d<param>``."""
        objective = self.gradients_pass()
        grads = {}
        for label, param in self.parameters.items():
            assert isinstance(param.gradient, Place)  # a network's: found in its place
            grads[label] = param.gradient.get()
        return objective, grads


def model_kind(model: Any) -> str | None:
    """Which whole-network protocol ``model`` follows, or None.

    ``"cs231n"`` (a ``params`` dict and ``loss``), ``"book"`` (the book's ``Model``),
    ``"nielsen"`` (``biases``/``weights`` lists and ``backprop``), ``"attributes"``
    (array attributes such as ``self.W`` and a ``loss`` method; also ``self.W = None``
    before training creates it).
    """
    if isinstance(getattr(model, "params", None), dict) and callable(
        getattr(model, "loss", None)
    ):
        return "cs231n"
    if (
        callable(getattr(model, "backprop", None))
        and callable(getattr(model, "feedforward", None))
        and isinstance(getattr(model, "biases", None), list)
        and isinstance(getattr(model, "weights", None), list)
    ):
        return "nielsen"
    if (
        isinstance(getattr(model, "layers", None), list)
        and callable(getattr(model, "forward", None))
        and callable(getattr(model, "backward", None))
        and hasattr(model, "loss")
    ):
        return "book"
    if callable(getattr(model, "loss", None)) and not callable(getattr(model, "forward", None)):
        own = getattr(model, "__dict__", {})
        if any(isinstance(v, np.ndarray) and v.dtype.kind == "f" for v in own.values()) or (
            "W" in own and own["W"] is None
        ):
            return "attributes"
    return None
