"""The functional protocol (CS231n, CS182 and their clones): functions with caches.

``forward(*args, **kwargs) -> (out_1, ..., out_k, cache)`` and ``backward(dout_1, ...,
dout_k, cache)`` returning one gradient per float array among ``args``, in order. The
objective is ``sum_i sum(dout_i * out_i)``. A loss function (no backward) returns
``(loss, grad, ...)``: the objective is ``loss``; each returned gradient is matched to the
float argument of its shape (``svm_loss_naive(W, X, y, reg) -> (loss, dW)``: ``dW`` is
``W``'s), the returned names and then the argument order breaking ties; ``(loss, dict)``
is matched by key. A returned value of no argument's shape, or named like no gradient
(a hidden state ``h``), is set aside.

The float arrays among ``args`` are the subject's parameters: each lives in one slot of
a list (a :class:`~gradcheck.protocol.places.Place` into it), so the engine perturbs and
swaps them as it does a layer's parameters. Every call gets fresh copies of everything:
float arrays (so a forward that shifts its input in place cannot corrupt the next
evaluation) and settings (ints, dicts such as ``bn_param`` that forward writes running
statistics into, integer or boolean arrays).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gradcheck.errors import ProtocolError, UnfinishedError, UserCodeError
from gradcheck.protocol.calls import raised_at
from gradcheck.protocol.params import Parameter
from gradcheck.protocol.places import ITEM, KEY, Place
from gradcheck.protocol.source import (
    SHORT_GRADIENT_NAMES,
    gradient_for,
    looks_like_gradient,
    returned_names,
)
from gradcheck.protocol.subject import Subject
from gradcheck.report import Kind

if TYPE_CHECKING:
    from gradcheck.engine.state import RandomPin

__all__ = [
    "FunctionSubject", "argument_names", "call_user", "gradient_key", "is_float_array",
]


def is_float_array(value: Any) -> bool:
    """Whether ``value`` is differentiated: a non-empty floating-point ndarray."""
    return isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size > 0


def argument_names(function: Callable[..., Any], count: int) -> list[str]:
    """Names of the first ``count`` positional arguments (``arg3`` where unknown)."""
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(count):
        p = params[i] if i < len(params) else None
        if p is None or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY):
            names.append(f"arg{i}")
        else:
            names.append(p.name)
    return names


def call_user(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call user code; any exception becomes a :class:`UserCodeError` naming the line."""
    try:
        return function(*args, **kwargs)
    except ProtocolError:
        raise  # an adapter's own verdict (an unfinished template), not the user's error
    except Exception as exc:
        where = raised_at(exc, beyond=1)
        name = getattr(function, "__name__", repr(function))
        raise UserCodeError(f"{name} raised {type(exc).__name__}: {exc}{where}") from exc


class FunctionSubject(Subject):
    """A forward/backward pair (or a loss function) with its arguments.

    Parameters
    ----------
    forward : callable
        ``forward(*args, **kwargs)``.
    backward : callable or None
        ``backward(dout_1, ..., dout_k, cache)``; None for a loss returning ``(loss, dx)``.
    args : tuple
        Positional arguments: float arrays are differentiated, the rest are settings.
    kwargs : dict
        Keyword arguments: settings.
    pin : RandomPin, optional
        Pinned random state (dropout without a seed draws from ``np.random``); the run
        sets it when not given.
    differentiate : sequence of int, optional
        The positions of the arguments to differentiate (default: every float array for
        a pair; for a loss, those its returned gradients are matched to).
    """

    kind = Kind.FUNCTION
    input_name = "arguments"
    per_row = False

    def __init__(self, forward: Callable[..., Any], backward: Callable[..., Any] | None,
                 args: tuple[Any, ...], kwargs: dict[str, Any],
                 pin: RandomPin | None = None,
                 differentiate: Sequence[int] | None = None) -> None:
        super().__init__(forward, pin)  # type: ignore[arg-type]  # the run sets the pin
        self.forward_function = forward
        self.backward_function = backward
        self.is_loss = backward is None
        #: the user's functions, read for template markers (``pass``, zeros)
        self.sources: list[Callable[..., Any]] = [f for f in (forward, backward)
                                                  if f is not None]
        self.names = argument_names(forward, len(args))
        self.slots: list[Any] = list(args)  # the parameters live here (Places into it)
        self.kwargs = kwargs
        self.douts: list[np.ndarray] = []
        self.floats = [i for i, a in enumerate(args) if is_float_array(a)]
        #: for a loss: where each gradient is in the result (tuple index or dict key)
        self.gradient_at: dict[str, int | str] = {}
        self.set_aside: list[str] = []
        self.differentiated: list[int] = []
        if differentiate is not None:
            self.differentiate(list(differentiate))
        elif not self.is_loss:
            self.differentiate(self.floats)
        self.takes = None if backward is None else _upstream_count(backward)

    def differentiate(self, positions: list[int], labels: list[str] | None = None) -> None:
        """Treat the arguments at ``positions`` as the parameters, in that order."""
        self.differentiated = list(positions)
        for k, i in enumerate(positions):
            name = self.names[i]
            label = labels[k] if labels is not None else f"d{name}"
            self.add_parameter(Parameter(name, Place(self.slots, ((ITEM, i),)), self.slots[i],
                                         gradient_label=label))

    def match_loss(self, result: Any) -> None:
        """Match a loss's returned gradients to its float arguments (once).

        Arrays by shape, among same-shaped arguments by the returned name (``dW`` for
        ``W``), then by argument order; a dict by key (``W``, ``dW``), then by shape.
        What matches nothing, or is named like no gradient, is set aside.
        """
        if self.differentiated or self.gradient_at:
            return
        rest = list(_loss_tuple(result, self.name)[1:])
        shown = returned_names(self.forward_function)
        source = shown[1:] if shown is not None and len(shown) == len(rest) + 1 else None
        if all(value is None for value in rest):
            raise UnfinishedError(f"{self.name} returned None for every gradient (an "
                                  "unfinished template?)")
        container, items = _returned_items(rest, source)
        claimed = self._dict_argument_gradients(rest[0], container) if len(rest) == 1 \
            and isinstance(rest[0], dict) else set()
        items = [item for item in items if item[0] not in claimed]
        free = list(self.floats)
        chosen: list[tuple[int, str, int | str]] = []  # (argument, label, where)
        for where, value, name in items:
            pick = self._argument_of(where, value, name, free)
            if pick is None:
                continue
            free.remove(pick)
            label = f"{container}[{where!r}]" if not isinstance(where, int) \
                else f"d{self.names[pick]}"
            chosen.append((pick, label, where))
        if not chosen and not claimed:
            shapes = ", ".join(f"{self.names[i]} {self.slots[i].shape}" for i in self.floats)
            raise ProtocolError(
                f"{self.name} returned no gradient of a float argument's shape ({shapes}); "
                "a loss function returns (loss, grad) or (loss, grad_1, ...), or (loss, "
                "dict of gradients)")
        self.differentiate([c[0] for c in chosen], [c[1] for c in chosen])
        self.gradient_at.update({c[1]: c[2] for c in chosen})

    def _dict_argument_gradients(self, returned: dict[Any, Any], container: str) -> set[Any]:
        """Keys of a returned dict that are gradients of a dict argument's arrays.

        ``loss_and_grads(params, X, y) -> (loss, grads)`` with ``grads["W1"]`` (or
        ``grads["dW1"]``) for ``params["W1"]``: each such array becomes a parameter, read
        at its key; the keys claimed are returned.
        """
        claimed: set[Any] = set()
        for i, slot in enumerate(self.slots):
            if not isinstance(slot, dict):
                continue
            for key, value in slot.items():
                if not is_float_array(value) or str(key) in self.parameters:
                    continue
                where = next((k for k in (key, f"d{key}", f"d_{key}") if k in returned
                              and k not in claimed), None)
                if where is None:
                    continue
                label = f"{container}[{where!r}]"
                self.add_parameter(Parameter(str(key), Place(self.slots, ((ITEM, i), (KEY, key))),
                                             value, gradient_label=label))
                self.gradient_at[label] = where
                claimed.add(where)
        return claimed

    def _argument_of(self, where: int | str, value: Any, name: str | None,
                     free: list[int]) -> int | None:
        """The free float argument a returned value is the gradient of; else set aside."""
        what = f"returned[{where}]" if isinstance(where, int) else f"returned[{where!r}]"
        if isinstance(where, int) and name is not None and not looks_like_gradient(name) \
                and name not in SHORT_GRADIENT_NAMES \
                and not any(gradient_for(name, n) for n in self.names):  # dscores
            self.set_aside.append(f"{name} ({what}): not named as a gradient")
            return None
        shape = np.shape(value) if isinstance(value, np.ndarray) else None
        pick = self._pick(free, name, shape, value is None)
        if pick is None:
            self.set_aside.append(f"{name or what} ({what}, shape {shape}): of no float "
                                  "argument's shape")
        return pick

    def _pick(self, free: list[int], name: str | None, shape: tuple[int, ...] | None,
              none: bool) -> int | None:
        """By name among the same shape, by shape, by name alone, a template's None."""
        by_name = [i for i in free if name is not None and (
            gradient_for(name, self.names[i]) or name == self.names[i])]
        same = [i for i in free if shape is not None and self.slots[i].shape == shape]
        candidates = (
            next((i for i in by_name if i in same), None),  # named for it, of its shape
            same[0] if same else None,
            by_name[0] if by_name else None,  # named for it, of another shape: checked
            free[0] if none and free else None,  # a template's None: reported missing
        )
        return next((i for i in candidates if i is not None), None)

    def add_dict_parameters(self, returned: dict[Any, Any]) -> list[str]:
        """Arrays of a dict argument (``parameters``) that a returned dict has a gradient for.

        deeplearning.ai's cells: ``rnn_cell_forward(xt, a_prev, parameters)`` with
        ``rnn_cell_backward(da_next, cache) -> {"dxt", "da_prev", "dWax", ...}``. Each
        float array ``parameters[key]`` whose ``d<key>`` the dict holds becomes a
        parameter; the others (``Wya`` when only ``a_next`` is differentiated) stay
        settings. Returns the labels added.
        """
        added = []
        for i, slot in enumerate(self.slots):
            if not isinstance(slot, dict):
                continue
            for key, value in slot.items():
                label = gradient_key(returned, str(key))
                if not is_float_array(value) or label is None or str(key) in self.parameters:
                    continue
                place = Place(self.slots, ((ITEM, i), (KEY, key)))
                self.add_parameter(Parameter(str(key), place, value, gradient_label=label))
                added.append(str(key))
        return added

    @property
    def name(self) -> str:
        """The forward function's name."""
        return getattr(self.forward_function, "__name__", None) or type(
            self.forward_function).__name__  # a callable object: its class

    # -- calls ------------------------------------------------------------------------
    def fresh_arguments(self) -> tuple[list[Any], dict[str, Any]]:
        """Copies of every argument, as one call gets them."""
        args = [
            np.array(a, copy=True) if isinstance(a, np.ndarray) else copy.deepcopy(a)
            for a in self.slots
        ]
        return args, copy.deepcopy(self.kwargs)

    def call_forward(self, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """One forward call on the given (already copied) arguments."""
        self._pinned()
        try:
            result = call_user(self.forward_function, *args, **kwargs)
        finally:
            self.pin.note_draws()
        if self.is_loss and isinstance(result, tuple) and len(result) == 2 \
                and isinstance(result[1], list | tuple) and result[1] \
                and all(isinstance(g, np.ndarray) for g in result[1]):
            return (result[0], *result[1])  # return loss, [dW, db]: read as (loss, dW, db)
        return result

    def forward(self, x: Any = None, y: Any = None) -> Any:
        """One forward call on fresh copies of the current arguments (``x`` is unused)."""
        args, kwargs = self.fresh_arguments()
        return self.call_forward(args, kwargs)

    def backward(self, dvalues: Any, y: Any = None) -> Any:
        """``backward(*douts, cache)``: ``dvalues`` is the list of upstream gradients."""
        assert self.backward_function is not None
        douts = list(dvalues) if self.takes is None else list(dvalues)[: self.takes]
        return call_user(self.backward_function, *douts, y)

    # -- results ----------------------------------------------------------------------
    def outputs(self, result: Any) -> list[np.ndarray]:
        """The outputs of one forward result (everything but the cache), as float64."""
        if self.is_loss:
            outs = [_loss_tuple(result, self.name)[0]]
        elif not isinstance(result, tuple) or len(result) < 2:
            raise ProtocolError(
                f"{self.name} returned {_what(result)}; a forward function returns "
                "(out, cache), or (out_1, ..., out_k, cache)"
            )
        else:
            outs = list(result[:-1])
        if any(o is None for o in outs):
            what = "loss" if self.is_loss else "output"
            raise UnfinishedError(f"{self.name} returned None as its {what} (an unfinished "
                                "template?)")
        return [np.asarray(o, dtype=np.float64) for o in outs]

    def objective(self, out: Any, *, scale: bool = False) -> tuple[float, float]:
        """``sum_i sum(dout_i * out_i)``, or the loss."""
        outs = self.outputs(out)
        if self.is_loss:
            value = float(outs[0].reshape(-1)[0])
            return value, abs(value)
        value = 0.0
        size = 0.0
        for dout, o in zip(self.douts, outs, strict=True):
            o = o.reshape(dout.shape)
            value += float(np.vdot(dout, o))
            if scale:
                size += float(np.abs(dout * o).sum())
        return value, size

    def row_values(self, x: Any, y: Any) -> Any:
        """Rows are never stacked for functions."""
        return None


def gradient_key(returned: dict[Any, Any], name: str) -> str | None:
    """The key of ``name``'s gradient in a returned dict: ``d<name>``, ``d_<name>``."""
    return next((k for k in (f"d{name}", f"d_{name}") if k in returned), None)


def _upstream_count(backward: Callable[..., Any]) -> int | None:
    """How many upstream gradients ``backward(dout_1, ..., dout_k, cache)`` takes."""
    try:
        params = list(inspect.signature(backward).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is inspect.Parameter.empty]
    return max(1, len(positional) - 1) if positional else None


def _loss_tuple(result: Any, name: str) -> tuple[Any, ...]:
    if not isinstance(result, tuple | list) or len(result) < 2:
        if result is None:
            raise UnfinishedError(f"{name} returned None (an unfinished template?)")
        raise ProtocolError(
            f"{name} returned {_what(result)}; a loss function returns (loss, dx), "
            "(loss, grad_1, ...) or (loss, dict of gradients)"
        )
    return tuple(result)


def _what(value: Any) -> str:
    if value is None:
        return "None (an unfinished template?)"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return type(value).__name__


def _returned_items(rest: list[Any], source: list[str | None] | None
                    ) -> tuple[str, list[tuple[int | str, Any, str | None]]]:
    """What a loss returned after its value, as ``(where, value, name)``, and its container.

    One dict: its items by key (the container named as the source names it); else the
    values by position (1, 2, ...), named as the ``return`` statement names them.
    """
    if len(rest) == 1 and isinstance(rest[0], dict):
        container = (source[0] if source else None) or "returned"
        return container, [(key, value, str(key)) for key, value in rest[0].items()]
    return "returned", [(k + 1, value, source[k] if source is not None else None)
                        for k, value in enumerate(rest)]
