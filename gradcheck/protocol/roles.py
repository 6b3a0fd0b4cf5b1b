"""Which methods play forward and backward, and what backward's extra arguments are.

The book's ``forward`` / ``backward`` come first. Code from other tutorials spells them
``forward_propagation`` / ``backward_propagation``, ``forwardpass`` / ``backwardpass``,
``fprop`` / ``bprop``, keeps ``forward`` beside a ``backprop``, or calls the object itself
(``__call__`` beside a ``backward``, PyTorch-like): those names are hints,
tried only when the book's names are absent, and the check itself then confirms (or not)
that the pair behaves as forward and backward.

A backward whose second positional argument is a learning rate (``backward(output_gradient,
learning_rate)``, the most copied from-scratch tutorials) applies the parameter update
itself: the engine calls it at learning rate 0 for the input gradient and reads the
parameter gradients from the update (:mod:`gradcheck.engine.run`). So does a backward that
reads its rate from the object (``self.learning_rate``, set by the constructor): the rate
is set on the object around each call (:attr:`Roles.rate_attribute`).

A backward that takes the layer's input before the upstream gradient
(``backward(self, input, grad_output)``, a widely taught course's NumPy network) is
given forward's input back (:attr:`Roles.inputs_first`).

The learning rate may also stand anywhere, recognised by its name (``backwardpass(lr, X,
delta)``, ``backward(x, grad, eta)``), beside forward's input given again: which argument
is which is the :attr:`Roles.layout`.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.protocol.labels import LABEL_NAMES, PREDICTION_NAMES
from gradcheck.protocol.source import function_tree, looks_like_gradient, self_attribute

__all__ = ["INPUT_ARGUMENT_NAMES", "LEARNING_RATE_NAMES", "OPTIMIZER_NAMES", "RESET_NAMES",
           "HELD_RATE", "HeldOptimizer", "RateOptimizer", "UPSTREAM_NAMES",
           "Roles",
           "backward_layout", "method_names", "rate_attribute", "reset_method", "roles_of",
           "takes_inputs_first", "takes_inputs_second", "takes_labels_first",
           "is_rate_name", "takes_learning_rate",
           "takes_no_argument"]

_FORWARD = re.compile(r"_*(forward|forward_?prop(agation|agate)?|forward_?pass|fprop|"
                      r"feed_?forward|propagate_?forward)", re.I)
_BACKWARD = re.compile(r"_*(backward|backward_?prop(agation|agate)?|backward_?pass|bprop|"
                       r"back_?prop(agation|agate)?|propagate_?backward)", re.I)
#: names of a backward argument that is a learning rate (the update happens inside)
#: names of an optimizer object backward hands the parameter gradients to
#: (``backward(grad, optimizer)`` calling ``optimizer.update(self.W, dW)``)
OPTIMIZER_NAMES = frozenset({"optimizer", "optimiser", "optim", "opt", "updater", "solver"})
LEARNING_RATE_NAMES = frozenset({
    "learning_rate", "lr", "eta", "alpha", "learningrate", "learning_rate_", "rate",
    "step_size", "stepsize", "l_rate", "lrate",
})
#: names of a backward's first argument that is the layer's input (``backward(input,
#: grad_output)``), recognised only before an argument named as an upstream gradient
INPUT_ARGUMENT_NAMES = frozenset({
    "input", "inputs", "x", "a_prev", "prev", "layer_input", "inp", "input_data", "a", "h",
    "x_in", "prev_activation", "activation_prev", "aprev", "a_in", "prev_a",
    "prev_activations", "activation", "activations", "data", "features",
})
#: names of an upstream gradient argument
UPSTREAM_NAMES = frozenset({
    "grad_output", "grad_out", "grad_outputs", "dout", "d_out", "dvalues", "grad", "gradient",
    "delta", "upstream", "upstream_grad", "output_gradient", "output_grad", "output_error",
    "error", "err", "dy", "d_y", "dz", "da", "dh", "top_grad", "dldy", "dl_dy",
})
# a loss's labels and predictions (forward(y_true, y_pred), Keras' order): protocol.labels
_TARGETS_SPELLED = frozenset(n.replace("_", "") for n in LABEL_NAMES)
_PREDICTIONS_SPELLED = frozenset(n.replace("_", "") for n in PREDICTION_NAMES)
_INPUTS_SPELLED = frozenset(n.replace("_", "") for n in INPUT_ARGUMENT_NAMES)
_UPSTREAM_SPELLED = frozenset(n.replace("_", "") for n in UPSTREAM_NAMES)
#: the class's own method that resets accumulated gradients, most usual first
RESET_NAMES = ("zero_grad", "zero_grads", "zero_gradients", "flush_gradients",
               "flush_grads", "reset_gradients", "reset_grads", "reset_grad", "clear_grads",
               "clear_gradients", "clear_grad", "zerograd", "zero_grad_parameters")


@dataclass(frozen=True)
class Roles:
    """How to call an object's forward and backward.

    Attributes
    ----------
    forward, backward : str
        The method names (``forward``, ``forward_propagation``, ...).
    learning_rate : bool
        Backward takes a learning rate after the upstream gradient and updates the
        parameters itself.
    reset : str or None
        The class's own method that resets accumulated gradients (``zero_grad``).
    takes_nothing : bool
        Backward takes no argument: it reads what forward stored (a loss's
        ``backward()`` returning the gradient of the predictions it was given).
    inputs_first : bool
        Backward takes forward's input before the upstream gradient
        (``backward(input, grad_output)``).
    inputs_second : bool
        Backward takes forward's input after the upstream gradient
        (``backward(dout, x)``: a layer that keeps no cache).
    rate_attribute : str or None
        The object's attribute a backward updating the parameters reads its learning
        rate from (``self.learning_rate``); ``learning_rate`` is then True too.
    labels_first, backward_labels_first : bool
        A loss's forward (backward) takes the labels before the predictions
        (``forward(y_true, y_pred)``, Keras' order): the two are given in that order.
    layout : tuple of str
        Backward's positional arguments by role (``"grad"``, ``"rate"``, ``"input"``)
        when a learning rate argument stands elsewhere than second
        (``backwardpass(lr, X, delta)``: ``("rate", "input", "grad")``); empty otherwise.
    signature : str
        Backward's own argument names when it has a layout, for the report.
    """

    forward: str = "forward"
    backward: str = "backward"
    learning_rate: bool = False
    reset: str | None = None
    takes_nothing: bool = False
    inputs_first: bool = False
    rate_attribute: str | None = None
    layout: tuple[str, ...] = ()
    signature: str = ""
    labels_first: bool = False
    backward_labels_first: bool = False
    inputs_second: bool = False

    @property
    def update_call(self) -> str:
        """How the report names a backward that updates: ``backward(grad, learning_rate)``.

        With a :attr:`layout`, by its own argument names: ``backwardpass(lr, X, delta) (X:
        forward's input, given again)``.
        """
        if self.layout:
            names = self.signature.split(", ")
            given_again = [name for name, role in zip(names, self.layout, strict=False)
                           if role == "input"]
            again = f" ({given_again[0]}: forward's input, given again)" if given_again \
                else ""
            handed = [name for name, role in zip(names, self.layout, strict=False)
                      if role == "optimizer"]
            if handed:
                again += f" ({handed[0]}: gradcheck's plain SGD, applying each update)"
            return f"{self.backward}({self.signature}){again}"
        given = "input, grad" if self.inputs_first else "grad"
        if self.rate_attribute is not None:
            return f"{self.backward}({given}) with self.{self.rate_attribute}"
        return f"{self.backward}({given}, learning_rate)"

    @property
    def book(self) -> bool:
        """The book's own spelling: nothing to say in a report."""
        return self.forward == "forward" and self.backward == "backward"

    def backward_arguments(self, grads: tuple[Any, ...], rate: float,
                           inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        """Backward's positional arguments for the upstream gradient(s) ``grads``.

        ``rate`` goes where a learning rate argument is; forward's ``inputs`` (fresh
        copies) where backward takes them again. (A rate read from the object,
        :attr:`rate_attribute`, is set by the caller.)
        """
        if self.layout:
            out: list[Any] = []
            for role in self.layout:
                if role == "rate":
                    out.append(rate)
                elif role == "optimizer":
                    out.append(RateOptimizer(rate))
                elif role == "input":
                    out.append(_fresh(inputs[0]) if inputs else None)
                else:
                    out.append(grads[0])
            return (*out, *grads[1:])
        if self.inputs_first:
            grads = (*(_fresh(i) for i in inputs), *grads)
            return grads
        if self.inputs_second:
            return (grads[0], *(_fresh(i) for i in inputs), *grads[1:])
        if self.learning_rate and self.rate_attribute is None:
            return (grads[0], rate, *grads[1:])
        if self.takes_nothing:
            return ()
        if self.backward_labels_first and len(grads) >= 2:
            return (grads[1], grads[0], *grads[2:])  # backward(y_true, y_pred)
        return grads

    def forward_arguments(self, y_pred: Any, y_true: Any) -> tuple[Any, Any]:
        """A loss's forward arguments, in the order its forward takes them."""
        return (y_true, y_pred) if self.labels_first else (y_pred, y_true)


class RateOptimizer:
    """An optimizer handed to ``backward(grad, optimizer)``: plain SGD at ``rate``.

    Whatever its method is called (``update``, ``step``, ``apply``), given a parameter
    array and its gradient (or lists of them) it applies ``param -= rate * grad`` in place
    and returns the parameter, so the update reads as one made at a learning rate.
    """

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.lr = self.learning_rate = rate

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._update

    def _update(self, *args: Any, **kwargs: Any) -> Any:
        arrays = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray | list)]
        if len(arrays) < 2:
            return arrays[0] if arrays else None
        params, grads = arrays[0], arrays[1]
        pairs = zip(params, grads, strict=False) if isinstance(params, list) else [
            (params, grads)]
        for param, grad in pairs:
            if isinstance(param, np.ndarray) and param.dtype.kind == "f":
                param -= self.rate * np.asarray(grad, dtype=param.dtype)
        return params


#: where a layer given a :class:`HeldOptimizer` keeps the rate it reads (set by the check)
HELD_RATE = "_gradcheck_rate"


class HeldOptimizer:
    """An optimizer a layer keeps from ``initialize(optimizer)`` and uses in ``backward``.

    Plain SGD at the rate the check sets on the layer (:data:`HELD_RATE`), read at each
    update: copies the layer makes (``self.W_opt = copy.copy(optimizer)``) read the same.
    Any method (``update``, ``step``) updates like :class:`RateOptimizer`'s; ``rate``,
    ``lr`` and ``learning_rate`` read the current rate.
    """

    def __init__(self, layer: Any, *, returns_new: bool = False) -> None:
        self.layer = layer
        self.returns_new = returns_new

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("layer", "returns_new"):
            raise AttributeError(name)
        rate = float(getattr(self.layer, HELD_RATE, 0.0))
        if name in ("rate", "lr", "learning_rate"):
            return rate
        if self.returns_new:  # self.W = self.W_opt.update(self.W, grad): a new array
            return functools.partial(_new_parameter, rate)
        return getattr(RateOptimizer(rate), name)


def _new_parameter(rate: float, param: Any, grad: Any, *rest: Any, **named: Any) -> Any:
    """``param - rate * grad``, a new array (the caller binds it; the old one stays)."""
    return np.asarray(param) - rate * np.asarray(grad, dtype=np.asarray(param).dtype)


def _methods(cls: type, pattern: re.Pattern[str]) -> list[str]:
    found = []
    for name in dir(cls):
        if name.startswith("__") or not pattern.fullmatch(name):
            continue
        if callable(inspect.getattr_static(cls, name, None)):
            found.append(name)
    return sorted(found, key=lambda n: (n.lstrip("_") not in ("forward", "backward"), len(n)))


@functools.lru_cache(maxsize=1024)
def method_names(cls: type) -> tuple[str | None, str | None]:
    """The forward and backward methods of ``cls`` (``None`` where there is none)."""
    forward = "forward" if callable(inspect.getattr_static(cls, "forward", None)) else None
    backward = "backward" if callable(inspect.getattr_static(cls, "backward", None)) else None
    if forward is None:
        forward = next(iter(_methods(cls, _FORWARD)), None)
    if forward is None and backward is not None and any(
            "__call__" in vars(k) for k in cls.__mro__[:-1]):
        forward = "__call__"  # loss = criterion(logits, y); criterion.backward(): PyTorch-like
    if backward is None:
        backward = next(iter(_methods(cls, _BACKWARD)), None)
    return forward, backward


def takes_learning_rate(function: Any) -> bool:
    """Whether ``function(grad, learning_rate)``: its second positional is a learning rate."""
    positional = _positional(function)
    return positional is not None and len(positional) >= 2 \
        and is_rate_name(positional[1].name)


def is_rate_name(name: str) -> bool:
    """A learning rate's argument: ``learning_rate``, ``lr``, ``learn_rate``, ``learningRate``.

    The listed names, case and underscores set aside, or a name that says "learn" or
    holds the word ``lr`` or ``rate`` (``lr_decayed``, ``base_rate``).
    """
    lowered = name.lower()
    spelled = lowered.replace("_", "")
    if lowered in LEARNING_RATE_NAMES or spelled in {n.replace("_", "")
                                                     for n in LEARNING_RATE_NAMES}:
        return True
    return "learn" in spelled or bool({"lr", "rate"} & set(lowered.split("_")))


def reset_method(cls: type) -> str | None:
    """The class's own gradient-reset method (``zero_grad``, ``flush_gradients``), if any.

    Spelled either way: ``zero_grad`` or ``zeroGrad``, ``zeroGradParameters`` (Torch7).
    """
    order = {_spelled(n): i for i, n in enumerate(RESET_NAMES)}
    found = sorted((order[_spelled(a)], a) for a in dir(cls)
                   if _spelled(a) in order and callable(getattr(cls, a, None)))
    return found[0][1] if found else None


def roles_of(obj: Any) -> Roles:
    """The roles of ``obj`` (an instance or a class); book names when nothing else fits."""
    roles = _roles_of_class(obj if isinstance(obj, type) else type(obj))
    if not isinstance(obj, type) and HELD_RATE in getattr(obj, "__dict__", {}) \
            and not roles.learning_rate:
        # it keeps an optimizer from initialize(optimizer): the rate is set on it
        return dataclasses.replace(roles, learning_rate=True, rate_attribute=HELD_RATE)
    attribute = roles.rate_attribute
    if attribute is not None and not isinstance(obj, type) and not isinstance(
            getattr(obj, attribute, None), int | float):
        # the instance holds no such rate: whatever backward reads, it is no setting here
        return dataclasses.replace(roles, learning_rate=False, rate_attribute=None)
    return roles


@functools.lru_cache(maxsize=1024)
def _roles_of_class(cls: type) -> Roles:
    forward, backward = method_names(cls)
    forward, backward = forward or "forward", backward or "backward"
    method = getattr(cls, backward, None)
    layout, signature = backward_layout(method)
    if layout:  # (backwardpass(lr, X, delta): every argument by its role)
        return Roles(forward, backward, True, reset_method(cls), layout=layout,
                     signature=signature)
    attribute = None if takes_learning_rate(method) else rate_attribute(method)
    return Roles(forward, backward, takes_learning_rate(method) or attribute is not None,
                 reset_method(cls), takes_no_argument(method), takes_inputs_first(method),
                 attribute, labels_first=takes_labels_first(getattr(cls, forward, None)),
                 backward_labels_first=takes_labels_first(method),
                 inputs_second=takes_inputs_second(method, getattr(cls, forward, None)))


def _positional(function: Any) -> list[inspect.Parameter] | None:
    """The positional parameters after ``self`` (None: no readable signature)."""
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    return positional[1:] if positional and positional[0].name == "self" else positional


def _fresh(value: Any) -> Any:
    copy = getattr(value, "copy", None)
    return copy() if callable(copy) else value


def _gradient_like(name: str) -> bool:
    lowered = name.lower()
    return lowered in UPSTREAM_NAMES or (
        lowered.startswith(("d", "grad", "err", "output_"))
        and lowered not in INPUT_ARGUMENT_NAMES)


def backward_layout(function: Any) -> tuple[tuple[str, ...], str]:
    """Backward's arguments by role when a learning rate stands elsewhere than second.

    The learning rate is found by its name wherever it stands; with two other required
    arguments, the one named as an input (``X``, ``inputs``, ``a_prev``) is forward's
    input given again and the other the upstream gradient. ``((), "")`` for
    ``backward(grad, learning_rate)`` (:func:`takes_learning_rate`), for arguments
    named as labels, and for any argument list that names do not settle.
    """
    positional = _positional(function) or []
    rates = [i for i, p in enumerate(positional)
             if is_rate_name(p.name) or p.name.lower() in OPTIMIZER_NAMES]
    if not rates:
        return (), ""
    rate = rates[0]
    optimizer = positional[rate].name.lower() in OPTIMIZER_NAMES
    others = [i for i, p in enumerate(positional)
              if i != rate and p.default is inspect.Parameter.empty]
    if rate == 1 and len(others) == 1 and others[0] == 0 and not optimizer:
        return (), ""  # backward(grad, learning_rate): the usual order
    if any(positional[i].name.lower() in LABEL_NAMES for i in others):
        return (), ""  # (labels among them: backward(dvalues, y_true, lr) is a loss's)
    layout: dict[int, str] = {rate: "optimizer" if optimizer else "rate"}
    if len(others) == 1:
        layout[others[0]] = "grad"
    elif len(others) == 2:
        inputs = [i for i in others if positional[i].name.lower() in INPUT_ARGUMENT_NAMES]
        if len(inputs) != 1:
            inputs = [i for i in others if not _gradient_like(positional[i].name)]
        if len(inputs) != 1:
            return (), ""
        layout[inputs[0]] = "input"
        layout[next(i for i in others if i != inputs[0])] = "grad"
    else:
        return (), ""
    if sorted(layout) != list(range(len(layout))):
        return (), ""  # (an argument with a default before a required one)
    return (tuple(layout[i] for i in range(len(layout))),
            ", ".join(positional[i].name for i in range(len(layout))))


def takes_inputs_first(function: Any) -> bool:
    """Whether ``function(input, grad_output)``: the layer's input, then the gradient."""
    positional = _positional(function)
    if positional is None or len(positional) < 2:
        return False
    first, second = _spelled(positional[0].name), _spelled(positional[1].name)
    return first in _INPUTS_SPELLED and second in _UPSTREAM_SPELLED


def takes_inputs_second(function: Any, forward: Any = None) -> bool:
    """Whether ``function(dout, x)``: the upstream gradient, then the layer's input.

    The second argument is named as an input (``x``, ``inputs``, ``a_prev``) or as
    ``forward``'s own; the first as an upstream gradient; no other is required.
    """
    positional = _positional(function)
    if positional is None or len(positional) < 2 or any(
            p.default is inspect.Parameter.empty for p in positional[2:]):
        return False
    own = [p.name for p in (_positional(forward) or [])[:1]]
    first, second = positional[0].name, positional[1].name
    return (_spelled(first) in _UPSTREAM_SPELLED or _gradient_like(first)) and (
        _spelled(second) in _INPUTS_SPELLED or second in own)


def _spelled(name: str) -> str:
    """A name as the lists compare it: ``gradOutput``, ``grad_output`` -> ``gradoutput``."""
    return name.lower().replace("_", "")


def takes_labels_first(function: Any) -> bool:
    """Whether ``function(y_true, y_pred)``: a loss's labels, then its predictions."""
    positional = _positional(function)
    if positional is None or len(positional) < 2:
        return False
    first, second = _spelled(positional[0].name), _spelled(positional[1].name)
    return first in _TARGETS_SPELLED and second in _PREDICTIONS_SPELLED


def rate_attribute(function: Any) -> str | None:
    """The ``self.<learning rate>`` a backward updates parameters with, if any.

    Only a rate used in an update of an attribute by itself (``self.w -= self.lr * g``,
    ``self.w = self.w - self.learning_rate * g``): a leaky ReLU's ``self.alpha`` in
    ``self.dinputs = ...`` is no learning rate. Without source (a class typed in a
    console), a rate named unambiguously (``learning_rate``, ``lr``, ...) in its code.
    """
    tree = function_tree(function) if callable(function) else None
    if tree is None:
        code = getattr(inspect.unwrap(function), "__code__", None) if callable(function) \
            else None
        named = sorted({n for n in getattr(code, "co_names", ())
                        if n.lower() in LEARNING_RATE_NAMES - {"alpha", "rate"}})
        return named[0] if len(named) == 1 else None
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Sub | ast.Add):
            target, value = self_attribute(node.target), node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.value, ast.BinOp) \
                and isinstance(node.value.op, ast.Sub | ast.Add):
            target, value = self_attribute(node.targets[0]), node.value
            if target is not None and target not in _self_attributes(value):
                continue  # not an update of the attribute by itself
        else:
            continue  # (self.dinputs[m] *= self.alpha scales: no update)
        if target is not None and not looks_like_gradient(target):
            found |= {a for a in _self_attributes(value) if a.lower() in LEARNING_RATE_NAMES}
    return next(iter(found)) if len(found) == 1 else None


def _self_attributes(node: ast.expr) -> set[str]:
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "self"}


def takes_no_argument(function: Any) -> bool:
    """Whether ``function(self)`` takes nothing else (a loss's ``backward()``)."""
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    if params and params[0].name == "self":
        params = params[1:]
    return not params
