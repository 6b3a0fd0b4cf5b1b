"""The object under check: how to call it, what its parameters are, what its objective is.

One subject type per kind of checked thing answers the same questions for the engine:
how to run forward and backward, where the output and the input gradient are, which
arrays are parameters (see :mod:`gradcheck.protocol.params`), and what scalar objective
the gradients are gradients of. The engine asks; it never tests a kind string.

- :class:`LayerSubject`: ``forward(inputs[, training])`` sets ``output``;
  the objective is ``sum(dvalues * output)`` plus book-style regularization.
- :class:`LossSubject`: ``forward(y_pred, y_true)`` returns per-sample losses; the
  objective is their mean.
- :class:`FusedSubject`: ``forward(logits, y_true)`` returns the mean loss (and sets the
  softmax as ``output``); the objective is that scalar.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from gradcheck.errors import ProtocolError, UserCodeError
from gradcheck.protocol import implied, labels, names
from gradcheck.protocol.calls import call, forward_parameters, wants_training
from gradcheck.protocol.packing import Packing, float_output
from gradcheck.protocol.params import Parameter
from gradcheck.protocol.places import attributes, read_attribute
from gradcheck.protocol.roles import Roles, roles_of
from gradcheck.report import Kind

if TYPE_CHECKING:
    from gradcheck.engine.state import RandomPin

__all__ = [
    "FusedSubject",
    "LayerSubject",
    "LossSubject",
    "ProtocolError",
    "Subject",
    "UserCodeError",
]


def get_output(obj: Any) -> Any:
    """The object's output attribute under any of its usual names (None if none)."""
    for name in names.OUTPUT_NAMES:
        value = read_attribute(obj, name)
        if value is not None and not callable(value):
            return value
    return None


def get_dinputs(obj: Any) -> tuple[str, Any]:
    """The input gradient attribute and its name (``dinputs``, ``d_inputs``, ...)."""
    for name in names.DINPUTS_NAMES:
        value = read_attribute(obj, name)
        if isinstance(value, np.ndarray):
            return name, value
    return "dinputs", None


class Subject:
    """Calls the object's forward with pinned randomness and turns outputs into objectives.

    Parameters
    ----------
    obj : object
        The layer, loss or fused softmax-loss.
    pin : RandomPin
        Random state, re-seeded before every forward call of an object that draws.
    """

    kind: Kind = Kind.LAYER
    #: the name of the checked array in reports (``inputs``, ``y_pred``)
    input_name = "inputs"
    #: whether per-row objective values may come from stacked rows of the batch
    per_row = True
    #: steps on the inputs are ``h * max(input_step_floor, |x|)``
    input_step_floor = 1.0
    #: whether forward may clip its input at 1e-7 (cross-entropy), moving the gradient of
    #: the mean by up to ``1e-7 / samples``: differences below that are no bug
    clips = False
    #: the objective is ``sum(dvalues * output)`` over forward's own output (a layer):
    #: ``dvalues`` is ``(rows, -1)``, forward's output is the per-row values, and the
    #: engine may weigh rows by ``dvalues`` and stack rows or parameter columns through
    #: :meth:`LayerSubject.row_outputs`
    takes_upstream_gradient = False
    #: forward takes any real input: a probe may move the batch's rows anywhere (a loss's
    #: predictions must keep their domain)
    free_inputs = False
    #: forward returns one loss per sample (or per element), reduced by the objective's
    #: mean; a fused loss returns the reduced scalar itself
    losses_per_sample = False

    def __init__(self, obj: Any, pin: RandomPin) -> None:
        self.obj = obj
        self.pin = pin
        self.evaluations = 0
        self.dvalues: np.ndarray | None = None  # layers: the cotangent, (rows, -1)
        self.y_true: np.ndarray | None = None  # losses: the labels
        self.n_samples = 0
        self.extra: tuple[Any, ...] = ()
        self.parameters: dict[str, Parameter] = {}
        self.params: dict[str, np.ndarray] = {}  # label -> working array
        self.reg: dict[str, tuple[float, float]] = {}
        self._swapped: set[str] = set()  # rebound to other arrays by swap_in()
        self.rebinds = False  # whether forward rebinds parameters (re-casts them)
        self.roles: Roles = roles_of(obj)
        #: the learning rate given to a ``backward(grad, learning_rate)`` (0: no update)
        self.rate = 0.0
        #: what the last forward call was given (a ``backward(input, grad_output)`` gets it)
        self.last_inputs: tuple[Any, ...] = ()
        #: the class's own gradient reset ran since the last backward (before a forward)
        self._reset_done = False

    def call_backward(self, *args: Any) -> Any:
        """The object's backward (under its own name), its own gradient reset run before.

        The reset runs before each forward (:meth:`_call_forward`), and here only for a
        backward called again without a forward in between.

        A ``backward(grad, learning_rate)`` gets :attr:`rate` after the upstream gradient.
        """
        roles = self.roles
        if roles.reset is not None and not self._reset_done:
            call(self.obj, roles.reset)  # (a backward again without a forward)
        self._reset_done = False
        # (forward's input given back, the rate where an argument takes it, nothing for
        # a backward() reading what forward stored: Roles.backward_arguments)
        args = roles.backward_arguments(args, self.rate, self.last_inputs)
        if roles.rate_attribute is not None:  # backward reads self.learning_rate
            kept = getattr(self.obj, roles.rate_attribute, None)
            setattr(self.obj, roles.rate_attribute, self.rate)
            try:
                return call(self.obj, roles.backward, *args)
            finally:
                setattr(self.obj, roles.rate_attribute, kept)
        return call(self.obj, roles.backward, *args)

    @property
    def regularized(self) -> bool:
        """Whether a parameter adds a regularization term to the objective."""
        return bool(self.reg)

    def start(self, x: np.ndarray, y: np.ndarray | None) -> list[str]:
        """Take the check's data (``y``: labels, or None); the notes the report shows."""
        return []

    def backward_argument(self, x: np.ndarray) -> np.ndarray:
        """What backward is given as ``dvalues`` (a loss: the predictions ``x``)."""
        return x

    # -- parameters ------------------------------------------------------------------
    def add_parameter(self, param: Parameter) -> None:
        """Check ``param``: bind its working array and note its regularizers."""
        self.parameters[param.label] = param
        self.params[param.label] = param.value
        if param.reg != (0.0, 0.0):
            self.reg[param.label] = param.reg

    def drop_parameter(self, label: str) -> None:
        """Stop treating ``label`` as a parameter."""
        self.parameters.pop(label, None)
        self.params.pop(label, None)
        self.reg.pop(label, None)

    def bind(self) -> None:
        """Put every working array back where the object keeps it (forward may rebind)."""
        for label, param in self.parameters.items():
            if label not in self._swapped and param.place.get() is not param.value:
                param.place.set(param.value)

    @contextlib.contextmanager
    def replaced(self, values: dict[str, np.ndarray]) -> Iterator[None]:
        """Parameters temporarily replaced (see :meth:`swap_in`)."""
        saved = self.swap_in(values)
        try:
            yield
        finally:
            self.swap_out(saved)

    def swap_in(self, values: dict[str, np.ndarray]) -> list[tuple[Parameter, Any]]:
        """Replace parameters by other arrays; returns what :meth:`swap_out` needs.

        A parameter that shares memory with other arrays the object holds (an alias, views
        into one flat vector) is written in place, so that every name sees the change;
        the others are rebound, which costs no copy.
        """
        saved: list[tuple[Parameter, Any]] = []
        for label, value in values.items():
            param = self.parameters[label]
            if param.shared and value.shape == param.value.shape:
                saved.append((param, param.value.copy()))
                param.value[...] = value
            else:
                saved.append((param, None))
                param.place.set(value)
                self._swapped.add(label)
        return saved

    def swap_out(self, saved: list[tuple[Parameter, Any]]) -> None:
        """Undo :meth:`swap_in`."""
        for param, contents in saved:
            if contents is None:
                param.place.set(param.value)
                self._swapped.discard(param.label)
            else:
                param.value[...] = contents

    # -- raw calls -----------------------------------------------------------------
    def _pinned(self) -> None:
        pin = self.pin
        if pin.active:
            pin.reset()
        self.evaluations += 1
        if self.rebinds:
            self.bind()

    def forward(self, x: np.ndarray, y: np.ndarray | None = None) -> Any:
        """One forward call on ``x``; returns the output (layers) or the loss."""
        raise NotImplementedError

    def backward(self, dvalues: np.ndarray, y: np.ndarray | None) -> Any:
        """One backward call."""
        raise NotImplementedError

    # -- objectives ------------------------------------------------------------------
    def reg_value(self, label: str, value: np.ndarray) -> float:
        """Book-style regularization loss of one parameter."""
        l1, l2 = self.reg.get(label, (0.0, 0.0))
        total = 0.0
        if l1:
            total += l1 * float(np.sum(np.abs(value)))
        if l2:
            total += l2 * float(np.sum(value * value))
        return total

    def objective(self, out: Any, *, scale: bool = False) -> tuple[float, float]:
        """The scalar objective (and its absolute scale) from one forward result."""
        raise NotImplementedError

    def rows(self, row_ids: np.ndarray, x_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-row objective values (and their absolute scales) for stacked rows."""
        raise NotImplementedError

    def row_values(self, x: np.ndarray, y: np.ndarray | None) -> np.ndarray | None:
        """Per-row outputs (layers) or per-sample losses, for the row-independence probe."""
        raise NotImplementedError

    def total(self, x: np.ndarray, *, scale: bool = False) -> tuple[float, float]:
        """The scalar objective at ``x`` (parameters as set), and its absolute scale."""
        return self.objective(self.forward(x), scale=scale)

    def total_with(self, x: np.ndarray, params: dict[str, np.ndarray]) -> tuple[float, float]:
        """The objective at ``x`` with some parameters temporarily replaced."""
        saved = self.swap_in(params)
        try:
            return self.total(x)
        finally:
            self.swap_out(saved)

    def param_evaluator(
        self, label: str, value: np.ndarray, x: np.ndarray, *, scales: bool = False
    ) -> Any:
        """Evaluator perturbing one element of parameter ``label`` per forward call.

        The element is changed in place and put back, so aliases and views see it. With
        ``scales``, it returns the objective's absolute scale at each moved point too
        (for the noise probe: where the terms cancel, dvalues summing to zero, the base
        point's scale says nothing of their rounding).
        """
        work = self.params[label]
        param = self.parameters[label]
        if param.place.get() is not work:
            param.place.set(work)
        # a flat view where the memory allows (fast), else N-D indices (np.matrix, strides)
        flat = work.reshape(-1) if type(work) is np.ndarray and work.flags.c_contiguous \
            else None
        shape = work.shape

        def at(idx: np.ndarray, deltas: np.ndarray) -> Any:
            values, sizes = np.empty(idx.size), np.empty(idx.size)
            target = flat if flat is not None else work
            for k, (j, d) in enumerate(zip(idx.tolist(), deltas.tolist(), strict=True)):
                where = j if flat is not None else np.unravel_index(j, shape)
                keep = target[where]
                target[where] = keep + d
                try:
                    values[k], sizes[k] = self.objective(self.forward(x), scale=scales)
                finally:
                    target[where] = keep
            return (values, sizes) if scales else values

        return at


class LayerSubject(Subject):
    """A layer or activation: the objective is ``sum(dvalues * output)`` + regularization."""

    kind = Kind.LAYER
    takes_upstream_gradient = True
    free_inputs = True

    @classmethod
    def build(cls, obj: Any, pin: RandomPin, *, training: bool | None = None,
              inputs: int = 1) -> LayerSubject:
        """The subject of a layer.

        ``training``: the value of forward's ``training`` argument, when the layer takes
        one; ``inputs``: how many arguments forward takes before it (several inputs).
        """
        return cls(obj, pin, wants_training(obj, training, inputs))

    def __init__(self, obj: Any, pin: RandomPin, training: tuple[bool, bool]) -> None:
        super().__init__(obj, pin)
        self.extra = (training[1],) if training[0] else ()
        # backward(dz, y) with y unused, as on every layer of some networks: y is None
        label = _label_argument(obj, self.roles.backward)
        self.backward_extra: tuple[Any, ...] = (None,) if label and label[1] else ()
        self.returns_output = False
        self.output_known = False  # set once forward was seen setting its output
        #: forward writes into the same array on every call (a preallocated output
        #: buffer): each result is copied before the next call overwrites it
        self.buffer = False
        self._last: Any = None
        #: several inputs (``forward(a, b)``, ``forward([a, b])``) packed side by side
        self.packing: Packing | None = None
        #: a tuple output (``(h, c)``) packed side by side; backward gets one part each
        self.out_packing: Packing | None = None
        #: forward returns several arrays and backward takes one gradient (``return out,
        #: attention_weights``): the first is the output; how many there are
        self.first_of: int = 0
        #: state carried from call to call (a hidden state), put back before every call:
        #: attribute or (attribute, key) -> the array it held when the check began
        self.carry: dict[tuple[Any, ...], np.ndarray] | None = None

    def start(self, x: np.ndarray, y: np.ndarray | None) -> list[str]:
        """A layer takes no labels; the note says when forward gets a training flag."""
        return [f"forward called as forward(inputs, {self.extra[0]})"] if self.extra else []

    def forward(self, x: np.ndarray, y: np.ndarray | None = None) -> Any:
        """One forward call on ``x``; returns its output (set or returned)."""
        self._pinned()
        if self.carry is not None:
            self._put_back(self.carry)
        if self.output_known:  # (how forward gives its output is known: every later call)
            if self.packing is None and self.out_packing is None and not self.first_of \
                    and self.returns_output is False:
                return self._set_output_known(x)  # (every evaluation of the book's layout)
            return self._known_output(self._call_forward(x))
        before, kept = self._poisoned(x)
        returned = self._call_forward(x)
        if self.out_packing is not None:
            return self.out_packing.pack(returned)
        if self._tuple_output(returned, before, x):
            assert self.out_packing is not None
            return self.out_packing.pack(returned)
        if self.first_of and isinstance(returned, (tuple, list)):
            returned = returned[0]  # (seen on this call: later calls take it when made)
        if self.returns_output:
            if not self.buffer and returned is self._last:
                self.buffer = True
            return self._kept_result(returned)
        output = get_output(self.obj)
        if not self.output_known and isinstance(returned, np.ndarray) and (
            output is None or output is before
        ):
            self.returns_output = True
            return self._kept_result(returned)
        return self._set_output(output, before, kept)

    def _call_forward(self, x: np.ndarray) -> Any:
        """The object's forward on ``x`` (unpacked into several inputs if packed)."""
        args = self.packing.arguments(x) if self.packing is not None else (x,)
        if self.roles.layout or self.roles.inputs_first or self.roles.inputs_second:
            # (kept only for a backward given forward's input back: holding the stacked
            # rows of every evaluation alive otherwise costs memory and time)
            self.last_inputs = args
        if self.roles.reset is not None:
            # the class's own reset before forward, not between forward and backward: a
            # flush_gradients() that also empties what forward kept (self.X = []) would
            # leave backward nothing to read
            call(self.obj, self.roles.reset)
            self._reset_done = True
        returned = call(self.obj, self.roles.forward, *args, *self.extra)
        self.pin.note_draws()
        if self.first_of:
            return returned[0]
        return float_output(returned)  # (out, indices): the output is the float array

    def _set_output_known(self, x: np.ndarray) -> Any:
        """One forward call whose output is set: the path of nearly every evaluation.

        (:meth:`_call_forward` and :meth:`_known_output` written out for one input, an
        output set as an attribute and nothing packed.)
        """
        roles, obj = self.roles, self.obj
        if roles.layout or roles.inputs_first or roles.inputs_second:
            self.last_inputs = (x,)
        if roles.reset is not None:
            call(obj, roles.reset)
            self._reset_done = True
        call(obj, roles.forward, x, *self.extra)
        self.pin.note_draws()
        output = get_output(obj)
        if output is None:
            raise ProtocolError(
                f"{type(obj).__name__}.{roles.forward} did not set self.output")
        return output.copy() if self.buffer else output

    def _known_output(self, returned: Any) -> Any:
        """The output of a forward whose way of giving it was seen on the first calls."""
        if self.out_packing is not None:
            return self.out_packing.pack(returned)
        if self.returns_output:  # (_kept_result written out: once per evaluation)
            if not self.buffer and returned is self._last:
                self.buffer = True
            self._last = returned
            return returned.copy() if self.buffer else returned
        output = get_output(self.obj)
        if output is None:
            raise ProtocolError(
                f"{type(self.obj).__name__}.{self.roles.forward} did not set self.output")
        return output.copy() if self.buffer else output

    def _poisoned(self, x: np.ndarray) -> tuple[Any, np.ndarray | None]:
        """The output the object held before the call, and its contents if it was poisoned.

        Until forward was seen setting its output, the array it already holds is filled
        with NaN, so that a forward writing into it in place (a buffer) shows.
        """
        before = None if self.returns_output or self.output_known else get_output(self.obj)
        if isinstance(before, np.ndarray) and before.dtype.kind == "f" and before.size \
                and before.flags.writeable and not np.may_share_memory(before, x):
            kept = before.copy()
            before.fill(np.nan)
            return before, kept
        return before, None

    def _tuple_output(self, returned: Any, before: Any, x: np.ndarray) -> bool:
        """Forward returns a tuple of outputs (``(h, c)``), seen on its first call: packed."""
        if self.output_known or before is not None or get_output(self.obj) is not None \
                or not isinstance(returned, (tuple, list)) or len(returned) <= 1:
            return False
        if not all(isinstance(r, np.ndarray) and r.ndim >= 1 and r.dtype.kind == "f"
                   and r.shape[0] == x.shape[0] for r in returned):
            return False
        one = self._one_gradient()
        if one and not isinstance(returned, list):
            self.first_of = len(returned)
            return False
        # a list of outputs and a backward taking one argument: the gradients as one list
        self.out_packing = Packing.of(returned, as_list=one,
                                      names=[f"output[{i}]" for i in range(len(returned))])
        self.returns_output = True
        return True

    def _one_gradient(self) -> bool:
        """Whether backward takes one upstream gradient, by its required arguments.

        Those a learning rate or a label take (``backward(grad, learning_rate)``,
        ``backward(dz, y)``) are not counted; a backward laid out otherwise, or taking
        ``*grads``, is taken to want one gradient per output.
        """
        roles = self.roles
        if roles.layout or roles.inputs_first or roles.inputs_second or roles.takes_nothing:
            return False
        try:
            params = inspect.signature(getattr(self.obj, roles.backward)).parameters.values()
        except (TypeError, ValueError):
            return False
        if any(p.kind is p.VAR_POSITIONAL for p in params):
            return False
        required = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                    and p.default is p.empty]
        taken = int(roles.learning_rate and roles.rate_attribute is None)
        return len(required) - taken - len(self.backward_extra) == 1

    def _kept_result(self, returned: Any) -> Any:
        """A returned output, copied when forward writes into one buffer every call."""
        self._last = returned
        return returned.copy() if self.buffer else returned

    def _set_output(self, output: Any, before: Any, kept: np.ndarray | None) -> Any:
        """The output forward set (``self.output``); a buffer written in place is noted."""
        if kept is not None and before is not None and output is not before:
            np.copyto(before, kept)  # (not the output any more: as it was)
        if not self.output_known and output is before and kept is not None \
                and output is not None and not np.isnan(output).all():
            self.buffer = True  # written in place into the array it already held
        elif output is None or (not self.output_known and output is before):
            if kept is not None and before is not None:
                np.copyto(before, kept)
            raise ProtocolError(
                f"{type(self.obj).__name__}.{self.roles.forward} did not set self.output")
        return output.copy() if self.buffer else output

    def _put_back(self, state: dict[tuple[Any, ...], np.ndarray]) -> None:
        """Fresh copies of the carried arrays where the object keeps them."""
        obj = self.obj
        for key, value in state.items():
            if len(key) == 1:
                setattr(obj, key[0], value.copy())
            else:
                holder = getattr(obj, key[0], None)
                if isinstance(holder, (dict, list)):
                    holder[key[1]] = value.copy()

    def backward(self, dvalues: np.ndarray, y: np.ndarray | None = None) -> Any:
        """One backward call with the upstream gradient ``dvalues``."""
        if self.out_packing is not None:
            return self.call_backward(*self.out_packing.arguments(
                dvalues.reshape(dvalues.shape[0], -1)), *self.backward_extra)
        return self.call_backward(dvalues, *self.backward_extra)

    def objective(self, out: Any, *, scale: bool = False) -> tuple[float, float]:
        """``sum(dvalues * out)`` plus the regularization of every parameter."""
        assert self.dvalues is not None
        out = np.asarray(out, dtype=np.float64).reshape(self.dvalues.shape)
        value = float(np.vdot(self.dvalues, out))
        size = float(np.abs(self.dvalues * out).sum()) if scale else 0.0
        for label in self.reg:
            param = self.parameters[label]
            current = param.place.get() if label in self._swapped else param.value
            r = self.reg_value(label, current)
            value, size = value + r, size + abs(r)
        return value, size

    def row_outputs(self, x_rows: np.ndarray) -> np.ndarray:
        """The output for stacked rows, as float64 ``(rows, outputs)``."""
        out = np.asarray(self.forward(x_rows), dtype=np.float64)
        return out.reshape(out.shape[0], -1)

    def rows(self, row_ids: np.ndarray, x_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-row ``sum(dvalues * output)`` and its absolute scale."""
        assert self.dvalues is not None
        terms = self.dvalues[row_ids] * self.row_outputs(x_rows)
        return terms.sum(axis=1), np.abs(terms).sum(axis=1)

    def row_values(self, x: np.ndarray, y: np.ndarray | None) -> np.ndarray | None:
        """The output rows."""
        return np.asarray(self.forward(x.copy()), float)


class LossSubject(Subject):
    """A loss: ``forward(y_pred, y_true)`` returns per-sample losses; objective: their mean."""

    kind = Kind.LOSS
    input_name = "y_pred"
    losses_per_sample = True
    # probabilities: steps relative to |p| down to this scale, never stepping below zero
    input_step_floor = 1e-3
    clips = True
    # per-element losses reduced by a sum (observed, gradcheck.engine.reduction): the
    # objective is the mean of every element times this factor
    scale = 1.0

    # forward(inputs) is the activation alone and backward takes the labels: the loss
    # is implied by forward's output (gradcheck.protocol.implied): "softmax" | "sigmoid"
    activation_only = False
    implied_kind: str | None = None
    last_output: Any = None

    def start(self, x: np.ndarray, y: np.ndarray | None) -> list[str]:
        """Keep the labels and the batch size; a forward taking no labels implies a loss."""
        self.y_true, self.n_samples = y, x.shape[0]
        self.activation_only = not implied.forward_takes_labels(self.obj)
        roles = self.roles
        if roles.labels_first or roles.backward_labels_first:
            which = " and ".join(name for name, first in (
                (roles.forward, roles.labels_first),
                (roles.backward, roles.backward_labels_first)) if first)
            return [f"{which} take the labels first (y_true, y_pred): given in that order; "
                    "the gradient checked is the predictions'"]
        return []

    def as_scalar(self) -> FusedSubject:
        """The same loss checked as the gradient of the scalar its forward returns.

        A loss whose forward returns the mean itself (a fused softmax + loss, or a loss
        reducing its own output): what this subject learned of it so far is kept.
        """
        fused = FusedSubject(self.obj, self.pin)
        fused.y_true, fused.n_samples = self.y_true, self.n_samples
        fused.evaluations = self.evaluations
        fused.activation_only, fused.implied_kind = self.activation_only, self.implied_kind
        fused.last_output = self.last_output
        return fused

    def forward(self, x: np.ndarray, y: np.ndarray | None = None) -> Any:
        """The per-sample losses (or a scalar) for predictions ``x``."""
        self._pinned()
        labels = self.y_true if y is None else y
        if self.activation_only:
            returned = call(self.obj, self.roles.forward, x)
            self.pin.note_draws()
            return self._implied(returned, labels)
        result = call(self.obj, self.roles.forward, *self.roles.forward_arguments(x, labels))
        self.pin.note_draws()
        return result

    def _implied(self, returned: Any, labels: Any) -> float:
        output = get_output(self.obj)
        output = returned if isinstance(returned, np.ndarray) else output
        if not isinstance(output, np.ndarray):
            raise ProtocolError("forward(inputs) returned no array and set no self.output")
        if self.implied_kind is None:
            self.implied_kind = implied.kind_of(output)
            if self.implied_kind is None:
                raise ProtocolError(
                    "forward takes no labels and its output is neither probability rows "
                    "(softmax) nor values in (0, 1) (sigmoid): no loss is implied")
        self.last_output = output
        return implied.implied_loss(self.implied_kind, output, np.asarray(labels))

    def backward(self, dvalues: np.ndarray, y: np.ndarray | None) -> Any:
        """``backward(dvalues, y_true)``."""
        return self.call_backward(dvalues, y)

    def objective(self, out: Any, *, scale: bool = False) -> tuple[float, float]:
        """The mean loss."""
        result = np.asarray(out, dtype=np.float64)
        return (self.scale * float(np.mean(result)),
                self.scale * float(np.mean(np.abs(result))))

    def sample_losses(self, x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
        """Per-sample losses of a batch (the mean over a sample's positions, if several)."""
        losses = np.asarray(self.forward(x, y), dtype=np.float64)
        if losses.size % x.shape[0]:
            return None
        return losses.reshape(x.shape[0], -1).mean(axis=1)

    def rows(self, row_ids: np.ndarray, x_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each stacked row's share of the mean loss."""
        assert self.y_true is not None
        losses = self.sample_losses(x_rows, self.y_true[row_ids])
        if losses is None:
            raise ProtocolError("per-sample losses are not available")
        losses = losses * (self.scale / self.n_samples)
        return losses, np.abs(losses)

    def row_values(self, x: np.ndarray, y: np.ndarray | None) -> np.ndarray | None:
        """The per-sample losses."""
        assert y is not None
        return self.sample_losses(x.copy(), y.copy())


class FusedSubject(LossSubject):
    """A fused activation + loss (or a loss returning a scalar): the objective is the scalar.

    Per-row values exist only through the loss object it holds (``self.loss`` in the
    book), verified to average to what the fused forward returned.
    """

    kind = Kind.FUSED
    input_step_floor = 1.0  # logits
    losses_per_sample = False

    def __init__(self, obj: Any, pin: RandomPin) -> None:
        super().__init__(obj, pin)
        self.inner_loss: Any = None
        self.inner_known = False

    def backward_argument(self, x: np.ndarray) -> np.ndarray:
        """The softmax output forward set (``self.output``); the logits ``x`` without one."""
        output = self.last_output if self.activation_only else get_output(self.obj)
        return x if output is None else np.asarray(output, dtype=np.float64)

    def objective(self, out: Any, *, scale: bool = False) -> tuple[float, float]:
        """The returned scalar (the mean, if forward returned several values)."""
        result = np.asarray(out, dtype=np.float64)
        value = float(result.reshape(-1)[0]) if result.size == 1 else float(np.mean(result))
        return value, abs(value)

    def sample_losses(self, x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
        """Per-sample losses from the held loss object, when it agrees with forward."""
        result = np.asarray(self.forward(x, y), dtype=np.float64)
        inner = self.find_inner_loss()
        output = get_output(self.obj)
        if inner is None or output is None:
            return None
        try:
            per = np.asarray(inner.forward(output, y), dtype=np.float64).reshape(-1)
        except Exception:  # noqa: BLE001 - the held object is not a loss after all
            return None
        mean = float(result.reshape(-1)[0]) if result.size == 1 else float("nan")
        if per.size != x.shape[0] or not abs(np.mean(per) - mean) <= 1e-12 * (abs(mean) + 1e-300):
            return None
        return per

    def find_inner_loss(self) -> Any:
        """The loss object a fused object holds (an attribute with forward(y_pred, y_true))."""
        if self.inner_known:
            return self.inner_loss
        self.inner_known = True
        for value in attributes(self.obj).values():
            forward = getattr(value, "forward", None)
            if callable(forward) and value is not self.obj and not isinstance(value, type):
                params = forward_parameters(value)
                if params is not None and len(params) == 2:
                    self.inner_loss = value
                    break
        return self.inner_loss

    @property
    def per_row(self) -> bool:  # type: ignore[override]
        """Rows are separable only through the held loss object."""
        return self.find_inner_loss() is not None


#: backward's label argument, per function (its signature is the same for every instance)
_LABELS: dict[Any, tuple[str, bool] | None] = {}


def _label_argument(obj: Any, name: str) -> tuple[str, bool] | None:
    """:func:`labels.label_argument` of ``obj``'s method ``name``, read once per function."""
    method = getattr(obj, name, None)
    func = getattr(method, "__func__", None)
    if func is None or getattr(method, "__self__", None) is not obj:
        return labels.label_argument(method)  # (not a plain method: read every time)
    try:
        return _LABELS[func]
    except KeyError:
        pass
    except TypeError:  # (an unhashable callable)
        return labels.label_argument(method)
    found = _LABELS[func] = labels.label_argument(method)
    return found
