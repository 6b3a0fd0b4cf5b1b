"""One check of a layer (or activation).

The steps of :class:`gradcheck.engine.run.Run` that belong to a subject taking an
upstream gradient:

- the upstream gradient ``dvalues`` (the caller's, or drawn uniform on ``[-1, 1]``);
- the candidate parameters: every float array the layer reaches;
- several inputs (``forward(a, b)``) packed side by side, their failures named per input;
- a tuple output (``(h, c)``) or a returned output, noted;
- state forward carries from call to call (a streaming RNN cell), put back before every
  evaluation.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradcheck.engine.run import Run
from gradcheck.engine.state import RandomPin, uniform_signed
from gradcheck.errors import ArgumentError, ProtocolError, UserCodeError
from gradcheck.protocol import names
from gradcheck.protocol.packing import Packing
from gradcheck.protocol.params import Parameter, find_candidates, preferred, regularizer_of
from gradcheck.protocol.places import attributes
from gradcheck.protocol.subject import LayerSubject
from gradcheck.report import Report

__all__ = ["LayerRun"]


class LayerRun(Run[LayerSubject]):
    """One check of a layer: objective ``sum(dvalues * output)`` + regularization.

    Parameters
    ----------
    report, obj, x, mode, step, seed, params
        As in :class:`gradcheck.engine.run.Run` (a layer has no labels).
    dvalues : ndarray, optional
        The upstream gradient given by the caller.
    training : bool, optional
        Value of forward's training argument.
    packing : Packing, optional
        Several inputs, side by side in ``x``.
    """

    def __init__(
        self,
        report: Report,
        obj: Any,
        x: np.ndarray,
        *,
        mode: str | None,
        step: float | None,
        seed: int | None,
        dvalues: np.ndarray | None = None,
        training: bool | None = None,
        params: Sequence[str] | None = None,
        packing: Packing | None = None,
    ) -> None:
        super().__init__(report, obj, x, None, mode=mode, step=step, seed=seed, params=params)
        self.dvalues_given = dvalues
        self.training = training
        self.packing = packing
        # the arrays (not parameters) the object held when the first pass began
        self.state0: dict[tuple[Any, ...], np.ndarray] = {}
        # the arrays the layer held after the warm-up's backward: the same when the first
        # pass begins unless a parameter was rebound in between (a float32 one in float64)
        self._after_warm_up: dict[tuple[Any, ...], np.ndarray] | None = None

    def _new_subject(self, pin: RandomPin) -> LayerSubject:
        packing = self.packing
        inputs = 1 if packing is None else packing.arity
        return LayerSubject.build(self.obj, pin, training=self.training, inputs=inputs)

    def _started(self, subject: LayerSubject) -> None:
        """Several inputs: given to forward from their side-by-side packing."""
        if self.packing is not None:
            subject.packing = self.packing
            self.report.notes.append(
                f"{len(self.packing.shapes)} inputs ({self.packing.describe()}): their "
                f"gradients checked side by side as one, {self.packing.names[0]} first")

    def _find_parameters(self, subject: LayerSubject, warm: list[Any]) -> None:
        self._setup_params(subject, exclude=warm)

    def _setup_params(self, subject: LayerSubject, exclude: list[Any]) -> None:
        """Every float array the object reaches is a candidate parameter, in float64."""
        obj, report = self.obj, self.report
        found = find_candidates(obj, exclude=exclude)
        groups = list(zip(found.groups, found.arrays, strict=True))
        self.candidates = groups
        if self.param_names is not None:
            wanted = set(self.param_names)
            known = {p.describe() for places, _ in groups for p in places}
            unknown = sorted(wanted - known)
            if unknown:
                raise ArgumentError(
                    f"only names {', '.join(map(repr, unknown))}, but "
                    f"{type(obj).__name__} holds no float array there (it holds: "
                    f"{', '.join(sorted(known)) or 'none'})"
                )
            groups = [(pl, a) for pl, a in groups if {p.describe() for p in pl} & wanted]
        narrow = []
        for places, array in groups:
            place = preferred(places)
            label = place.describe()
            value = array
            if array.dtype != np.float64:
                self._after_warm_up = None  # (rebound below: read the layer again)
                narrow.append((label, array.dtype))
                value = np.array(array, dtype=np.float64, subok=True)
                for p in places:
                    if p.settable():
                        p.set(value)
            if not value.flags.writeable:
                report.unreachable.append(f"{label} (a read-only array: cannot be perturbed)")
                continue
            self.groups[label] = places
            subject.add_parameter(Parameter(label, place, value, reg=regularizer_of(place)))
        if narrow:
            report.notes.append(
                f"{', '.join(n for n, _ in narrow)} held as {narrow[0][1]}: checked in float64 "
                "copies"
            )

    # -- the first pass's own steps ---------------------------------------------------
    def _before_first_forward(self, subject: LayerSubject) -> None:
        """The arrays the layer holds besides its parameters (a state it may carry)."""
        held = {id(v) for v in subject.params.values()}
        # (the arrays themselves: a forward carrying state rebinds it; each call then
        # gets fresh copies of these, see Subject.carry)
        held_now = self._after_warm_up
        self._after_warm_up = None
        if held_now is None:
            held_now = _shallow_arrays(self.obj)
        self.state0 = {k: v for k, v in held_now.items() if id(v) not in held}

    def _first_output(self, subject: LayerSubject, out: Any) -> Any:
        """A forward that reads its own last output: the output from the check's state."""
        self._reads_its_output(subject, out)
        if subject.carry is not None:
            out = subject.forward(self.x.copy())  # (its caches from the check's state)
        return out

    def _after_first_forward(self, subject: LayerSubject, out: Any) -> LayerSubject:
        """How forward gives its output, known from here on (and said)."""
        report = self.report
        if subject.out_packing is not None:
            given = ("a list of upstream gradients, one each" if subject.out_packing.as_list
                     else "one upstream gradient each")
            report.notes.append(
                f"forward returns {len(subject.out_packing.shapes)} outputs: backward "
                f"given {given}")
        if subject.first_of:
            report.notes.append(
                f"forward returns {subject.first_of} arrays and backward takes one upstream "
                "gradient: the first is the output checked (the others, e.g. attention "
                "weights, are not differentiated)")
        subject.output_known = True
        if subject.returns_output:
            report.notes.append("forward returns its output instead of setting self.output")
        return subject

    def _upstream(self, subject: LayerSubject, out: np.ndarray, first: bool) -> np.ndarray:
        """The upstream gradient, in the output's shape (drawn on the first pass)."""
        if first:
            self._set_dvalues(subject, out)
        assert subject.dvalues is not None
        return subject.dvalues.reshape(out.shape)

    def _set_dvalues(self, subject: LayerSubject, out: np.ndarray) -> None:
        if not np.isfinite(out).all():
            raise ProtocolError("forward output is not finite for finite inputs")
        if self.dvalues_given is not None:
            if self.dvalues_given.shape != out.shape:
                raise ArgumentError(
                    f"dvalues has shape {self.dvalues_given.shape}, but the layer's output has "
                    f"shape {out.shape}"
                )
            dv = self.dvalues_given
        else:
            # uniform on [-1, 1]: what a normal draw gives the check, at a fifth of its cost
            dv = uniform_signed(self.rng, out.shape)
        rows = out.shape[0] if out.ndim else 1
        subject.dvalues = np.asarray(dv, dtype=np.float64).reshape(rows, -1)

    # -- stale state ----------------------------------------------------------------------
    def _other_values(self, other: np.ndarray) -> np.ndarray:
        return -0.5 * other + 0.25

    def _warm_backward(self, subject: LayerSubject, other: np.ndarray, out: Any, y: Any,
                       seen: list[Any]) -> None:
        dv = uniform_signed(self.rng, np.shape(out))  # any values will do
        seen.append(dv)
        known = _shallow_arrays(self.obj)
        subject.backward(dv, None)
        # arrays backward created are its results (gradients under any name),
        # never parameters; a parameter's name bound there is the book's typo
        self._after_warm_up = after = _shallow_arrays(self.obj)
        seen += [a for key, a in after.items() if key not in known
                 and not (len(key) == 1 and _conventional(key[0]))]

    def _reads_its_output(self, subject: LayerSubject, out: Any) -> bool:
        """Forward keeps its output under another name and reads it on the next call.

        A streaming RNN cell (``self.h = tanh(x @ Wx + self.h @ Wh)``): seen as an
        attribute holding the returned output whose value changes the next output. Then
        every call starts from the state the check began with (:meth:`_carried`).
        """
        obj = self.obj
        if not (isinstance(out, np.ndarray) and out.dtype.kind == "f"):
            return False
        keys = [(k,) for k, v in attributes(obj).items() if v is out
                and k not in names.OUTPUT_NAMES and (k,) in self.state0]
        if not keys:
            return False
        name = keys[0][0]
        kept = getattr(obj, name)
        try:
            setattr(obj, name, kept + 0.5)
            moved = np.array(subject.forward(self.x.copy()), dtype=np.float64)
            setattr(obj, name, kept)
            again = np.array(subject.forward(self.x.copy()), dtype=np.float64)
        except (UserCodeError, ProtocolError):
            setattr(obj, name, kept)
            return False
        if moved.shape == again.shape and moved.tobytes() == again.tobytes() \
                or not self._carried(subject):
            # put back before every call all the same (harmless where it is not read):
            # stacked evaluations would leave it wider than the next call expects
            subject.carry = {k: self.state0[k] for k in keys}
            return False
        return True

    def _carried(self, subject: LayerSubject) -> bool:
        """Whether forward differs from call to call only through state it carries.

        A stateful RNN keeps its hidden state for the next call. With the arrays it held
        when the first pass began put back before every call, two calls must agree: then
        each evaluation is checked from that state, and the report says so.
        """
        if not self.state0:
            return False
        subject.carry = self.state0
        argument = self.x.copy()
        try:
            first = np.array(subject.forward(self.x.copy()), dtype=np.float64)
            second = np.array(subject.forward(argument), dtype=np.float64)
        except (UserCodeError, ProtocolError):
            first, second = np.zeros(1), np.ones(1)
        if first.shape != second.shape or first.tobytes() != second.tobytes():
            subject.carry = None
            return False
        # named: what forward rebinds besides its argument and gradients
        now = _shallow_arrays(self.obj)
        carried = [k for k, v in self.state0.items()
                   if now.get(k) is not v and now.get(k) is not argument
                   and not names.names_gradient_of(str(k[-1]), str(k[-1])[1:] or "_")]
        held = ", ".join(".".join(map(str, k)) if len(k) == 1 else f"{k[0]}[{k[1]!r}]"
                         for k in carried or list(self.state0))
        self.report.notes.append(
            f"forward carries state from call to call ({held}): each evaluation starts "
            f"from the state the check began with (fresh copies)")
        return True

    def _finish(self) -> None:
        if self.packing is not None:
            self._name_packed_index()

    def _name_packed_index(self) -> None:
        """Say which input a failing packed element belongs to (``k[0, 1, 2]``)."""
        packing = self.packing
        assert packing is not None
        for result in self.report.gradients:
            if result.name != self.dinputs_name or result.status != "failed" \
                    or result.index is None or len(result.index) != 2:
                continue
            sample, flat = result.index
            start = 0
            for name, shape, size in zip(packing.names, packing.shapes, packing.sizes,
                                         strict=True):
                if flat < start + size:
                    inner = tuple(int(i) for i in np.unravel_index(flat - start, shape))
                    where = f"{name}[{', '.join(map(str, (sample, *inner)))}]"
                    text = f"element {result.index} is {where}"
                    result.diagnosis = f"{text}; {result.diagnosis}" if result.diagnosis \
                        else text
                    break
                start += size


_HOLDERS = (np.ndarray, dict, list)

# names.is_conventional (a regular expression), decided once per name: the warm-up asks
# it of every array backward creates, on every check
_conventional = functools.lru_cache(maxsize=4096)(names.is_conventional)


def _shallow_arrays(obj: Any) -> dict[tuple[Any, ...], np.ndarray]:
    """The float arrays an object holds as attributes or one level inside dicts and lists."""
    out: dict[tuple[Any, ...], np.ndarray] = {}
    for name, value in attributes(obj).items():
        if not isinstance(value, _HOLDERS):
            continue  # (most attributes: numbers, strings, objects; one test for them)
        if isinstance(value, np.ndarray):
            if value.dtype.kind == "f":
                out[(name,)] = value
        elif isinstance(value, dict):
            for key, item in list(value.items())[:256]:
                if isinstance(item, np.ndarray) and item.dtype.kind == "f":
                    out[(name, key)] = item
        elif isinstance(value, list):
            for index, item in enumerate(value[:256]):
                if isinstance(item, np.ndarray) and item.dtype.kind == "f":
                    out[(name, index)] = item
    return out
