"""One check of one object: the frame that restores everything, and the analytic passes.

The steps, for any subject (:mod:`gradcheck.protocol.subject`):

1. a warm-up pass on other data (exposes caches filled once and gradients accumulated
   across calls; creates parameters built lazily in the first forward);
2. the parameters observed (:mod:`gradcheck.protocol.params`): every float array the
   object reaches is a candidate until backward shows whether it has a gradient;
3. the first pass on the caller's data, judged by the protocol checks
   (:mod:`gradcheck.protocol.checks`);
4. in exhaustive mode a repeated pass (stale state), in fast mode two forward calls
   (randomness nothing can hold);
5. the numeric verification (:mod:`gradcheck.engine.verify`).

:class:`Run` holds what every object's check shares; what differs between a layer and a
loss is in its two subclasses, :class:`gradcheck.engine.layer_run.LayerRun` and
:class:`gradcheck.engine.loss_run.LossRun`, as the steps :class:`Run` leaves to them (the
``_started`` ... ``_finish`` hooks below). The run never asks its subject's type.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from gradcheck.engine import budget
from gradcheck.engine.frame import framed
from gradcheck.engine.state import (
    RandomPin,
    Snapshot,
    generator,
    unheld_randomness,
    uniform_signed,
)
from gradcheck.engine.verify import Context, Verification
from gradcheck.errors import ProtocolError, UserCodeError
from gradcheck.protocol import accumulation, checks, names
from gradcheck.protocol.observe import Before, Observation, Returned, Update, Where, closeness
from gradcheck.protocol.packing import Packing
from gradcheck.protocol.params import (
    PARAMETER_VALUES,
    Parameter,
    expected_gradient,
    gradient_of,
)
from gradcheck.protocol.places import ATTR, Place, attributes
from gradcheck.protocol.roles import RESET_NAMES, roles_of
from gradcheck.protocol.source import returns_none_on_purpose
from gradcheck.protocol.subject import Subject, get_dinputs
from gradcheck.report import (
    INCONCLUSIVE,
    MISSING,
    GradientResult,
    Kind,
    Report,
)

__all__ = ["UPDATE_RATE", "Run"]

S = TypeVar("S", bound=Subject)


class Run(ABC, Generic[S]):
    """One check of one object: set-up, analytic passes, numerics, report.

    The steps a layer and a loss share; a subclass per kind of subject
    (:class:`~gradcheck.engine.layer_run.LayerRun`,
    :class:`~gradcheck.engine.loss_run.LossRun`) builds the subject and supplies the
    steps that differ (its upstream gradient, its warm-up backward, its output's checks).

    Parameters
    ----------
    report : Report
        Filled in by the run.
    obj : object
        The object checked.
    x, y : ndarray
        The inputs (layers) or predictions (losses), and the labels (losses).
    mode, step, seed
        As in :func:`gradcheck.check_layer`.
    params : sequence of str, optional
        The parameters to check, by where they live (default: observed).
    """

    def __init__(
        self,
        report: Report,
        obj: Any,
        x: np.ndarray,
        y: np.ndarray | None,
        *,
        mode: str | None,
        step: float | None,
        seed: int | None,
        params: Sequence[str] | None = None,
    ) -> None:
        self.report, self.obj, self.x, self.y = report, obj, x, y
        self.mode, self.step = mode, step
        self.seed = 0 if seed is None else seed
        self.rng = generator(self.seed)
        self.param_names = params
        self.eps = float(np.finfo(np.float64).eps)
        self.subject: S | None = None
        self.differentiable_inputs = True
        self.groups: dict[str, list[Place]] = {}
        self.candidates: list[tuple[list[Place], np.ndarray]] = []
        self.recast: set[str] = set()  # parameters forward or backward rebound
        self._caches: dict[str, bool] = {}  # candidates forward binds anew (_kept_cache)
        #: the object's attributes after this pass's forward (layers updating in backward)
        self._forward_state: dict[str, Any] | None = None
        self.dinputs_name = "dinputs"
        self.unheld: str | None = None  # why the randomness cannot be pinned
        # where the input gradient is when no name says it (a returned tuple, ``dinput``)
        self.dinputs_where: Where | None = None
        self.observation: Observation | None = None  # what the first backward produced
        self.found_at: list[str] = []  # "returned[1] for W": said in the report
        self.updated: set[str] = set()  # parameters a backward(grad, learning_rate) moves
        self.packing: Packing | None = None  # several inputs, side by side in x (layers)
        self.part_where: list[Where] = []  # where each input's gradient is (several inputs)
        self.accumulated: list[str] = []  # gradients += across calls, no reset method

    # -- the frame: restore everything, whatever happens ------------------------------
    def execute(self, raise_on_failure: bool) -> Report:
        """Run the check with every state restored afterwards; raise or return the report."""
        __tracebackhide__ = True
        snapshot = Snapshot(self.obj)
        pin = RandomPin(self.obj, self.seed)
        return framed(
            self.report, lambda: self._check(pin), name=type(self.obj).__name__,
            noun="object", pin=pin, restore=snapshot.restore,
            evaluations=lambda: None if self.subject is None else self.subject.evaluations,
            raise_on_failure=raise_on_failure,
        )

    # -- the check ----------------------------------------------------------------------
    def _check(self, pin: RandomPin) -> None:
        report, x = self.report, self.x
        subject = self._new_subject(pin)
        report.notes += subject.start(x, self.y)
        self.subject = subject
        self._started(subject)
        self._note_roles(subject)
        report.shapes[subject.input_name] = list(x.shape)
        report.mode = self.mode or "exhaustive"
        if x.dtype.kind != "f":
            self._integer_inputs(subject)

        warm = self._warm_up(subject)
        self._find_parameters(subject, warm)
        grads, out = self._analytic_pass(subject, first=True)
        subject = self._subject()  # (a loss whose forward returns a scalar: a fused one)
        if not self._first_output_ok(subject, out, grads):
            return
        context = Context(
            report, self.x, self.y, self.rng, self.eps, self.step,
            self.dinputs_name if self.differentiable_inputs else None, self.seed,
        )
        verification = Verification(context, subject)
        mode = self.mode or budget.automatic_mode(
            subject, x, rows_independent=verification.rows_independent,
            columns_usable=verification.columns_usable,
        )
        report.mode = mode
        settled = self._settled(subject, mode, grads, out)
        if settled is None:
            return
        # (fast mode: what the report held before verifying, kept for a second verification)
        before = (list(report.gradients), list(report.notes)) if mode == "fast" else None
        verification.run(*settled)
        if before is not None:
            # (+= with no reset method: judged by the increment, as exhaustive mode does)
            steps = accumulation.increments(
                settled[0], report.gradients,
                lambda: self._analytic_pass(subject, first=False)[0], self.eps)
            if steps:
                report.gradients[:], report.notes[:] = before
                self.accumulated += list(steps)
                Verification(context, subject).run({**settled[0], **steps}, settled[1])
        accumulation.report_rows(report.gradients, self.accumulated, RESET_NAMES)
        self._finish()

    def _subject(self) -> S:
        """The subject the check runs on (once the check has begun)."""
        assert self.subject is not None
        return self.subject

    def _settled(
        self, subject: S, mode: str, grads: dict[str, np.ndarray], out: Any
    ) -> tuple[dict[str, np.ndarray], tuple[float, float]] | None:
        """Stale state and randomness ruled out: the gradients and objective to verify.

        Exhaustive mode repeats the pass (stale state); fast mode calls forward twice more
        on the same data (randomness nothing can hold, as the repeated pass shows it).
        None when randomness nothing can hold leaves finite differences nothing to
        conclude (the report says why).
        """
        objective = subject.objective(out, scale=True)
        if mode == "exhaustive":
            # (in fast mode the warm-up call already exposes caches and accumulation)
            self._check_repeatable(subject, grads)
        else:
            self.unheld = unheld_randomness(subject.forward, self.x)
        if self.unheld and self._carried(subject):
            # forward carries state across calls: every evaluation starts from the state
            # the first pass started from, and the passes are taken again on that footing
            self.unheld = None
            grads, out = self._analytic_pass(subject, first=False)
            objective = subject.objective(out, scale=True)
            if mode == "exhaustive":
                self._check_repeatable(subject, grads)
        if self.unheld:  # nothing can be concluded from finite differences
            self.report.gradients.append(
                GradientResult(self.dinputs_name, INCONCLUSIVE, diagnosis=self.unheld)
            )
            return None
        return grads, objective

    # -- the steps a kind of subject supplies ---------------------------------------------
    @abstractmethod
    def _new_subject(self, pin: RandomPin) -> S:
        """The subject of the object checked."""

    def _started(self, subject: S) -> None:
        """The subject has taken the data (a layer with several inputs: they are packed)."""

    def _find_parameters(self, subject: S, warm: list[Any]) -> None:
        """The candidate parameters (``warm``: the warm-up's arrays, never parameters)."""

    def _before_first_forward(self, subject: S) -> None:
        """Just before the first pass's forward call."""

    def _first_output(self, subject: S, out: Any) -> Any:
        """What the first pass's forward returned, as the pass goes on with it."""
        return out

    def _after_first_forward(self, subject: S, out: Any) -> S:
        """The subject the first pass goes on with, once forward's output was seen."""
        return subject

    @abstractmethod
    def _upstream(self, subject: S, out: np.ndarray, first: bool) -> np.ndarray:
        """What backward is given (a layer's upstream gradient, a loss's predictions)."""

    def _first_output_ok(self, subject: S, out: Any, grads: dict[str, np.ndarray]) -> bool:
        """Whether the first pass's output can be checked (else the report says why)."""
        return True

    @abstractmethod
    def _other_values(self, other: np.ndarray) -> np.ndarray:
        """The warm-up's data from the batch's rows reversed, in the subject's domain."""

    @abstractmethod
    def _warm_backward(self, subject: S, other: np.ndarray, out: Any, y: Any,
                       seen: list[Any]) -> None:
        """The warm-up's backward call; the arrays it gives or creates join ``seen``."""

    def _carried(self, subject: S) -> bool:
        """Whether forward differs from call to call only through state it carries."""
        return False

    def _finish(self) -> None:
        """After the verification."""

    def _note_roles(self, subject: Subject) -> None:
        """Say which methods were called as forward and backward, and how."""
        roles, notes = subject.roles, self.report.notes
        if not roles.book:
            notes.append(f"forward is {roles.forward}(), backward is {roles.backward}()")
        if roles.reset is not None:
            notes.append(f"{roles.reset}(), the class's own gradient reset, called before "
                         f"each forward (gradients that accumulate are checked per call)")

    def _integer_inputs(self, subject: Subject) -> None:
        """Integer inputs: numbers (converted to float) unless forward indexes with them."""
        as_float = self.x.astype(np.float64)
        try:
            subject.forward(as_float.copy())
        except (UserCodeError, ProtocolError):
            self.differentiable_inputs = False
            self.report.notes.append(
                f"{subject.input_name} are integers that forward uses as indices (ids): "
                f"not differentiable, no {self.dinputs_name} expected"
            )
            return
        self.x = as_float

    # -- classification: parameters, constants and missing gradients --------------------
    def _classify(self, subject: Subject, rebound: set[str], by_backward: set[str],
                  before: dict[int, dict[str, Any]]) -> None:
        """After the first backward: parameters have a gradient; the rest are constants.

        A float array without a gradient is a constant unless its name is a conventional
        parameter name (or the caller named it): then the gradient is missing. Arrays that
        forward rebinds to new values on every call are caches and are not listed.
        """
        unnamed = self._named_gradients(subject)
        without = self._observed_gradients(subject, unnamed, rebound, self._taken(subject))
        self._note_aliases(subject)
        for label, _ in without:
            subject.drop_parameter(label)
        for label, param in without:
            self._without_gradient(subject, label, param, rebound, by_backward, before)
        self._mark_shared(subject)
        subject.rebinds = bool(self.recast & set(subject.params))
        self._report_parameters(subject)

    def _named_gradients(self, subject: Subject) -> list[tuple[str, Parameter]]:
        """Each parameter's gradient where a name says it; returns those without one."""
        unnamed = []
        own = attributes(self.obj)  # (read once: most places are the object's attributes)
        for label, param in list(subject.parameters.items()):
            places = [param.place, *self.groups[label]]
            found = next((g for g in (_gradient_of(p, self.obj, own) for p in places)
                          if g is not None), None)
            if found is None:
                unnamed.append((label, param))
                continue
            param.gradient, param.gradient_label = found, found.describe()
            if found.name != f"d{names.bare(param.place.name)}" or found.depth > 1:
                self.found_at.append(f"{found.describe()} for {label}")
        return unnamed

    def _taken(self, subject: Subject) -> set[str]:
        """Where the gradients already found are: no other parameter's gradient is there."""
        taken = {p.gradient.describe() for p in subject.parameters.values()
                 if p.gradient is not None}
        if self.dinputs_where is not None:
            taken.add(self.dinputs_where.describe())
        else:
            taken.add(self.dinputs_name)
        taken |= {w.describe() for w in self.part_where}
        return taken

    def _observed_gradients(self, subject: Subject, unnamed: list[tuple[str, Parameter]],
                            rebound: set[str], taken: set[str]) -> list[tuple[str, Parameter]]:
        """Gradients found by observation for ``unnamed``; returns those still without."""
        without = []
        for label, param in unnamed:
            # (an array forward rebinds to new values on every call is a cache)
            where = None if label in rebound else \
                self._observed_gradient(subject, label, param, taken)
            if where is None:
                without.append((label, param))
                continue
            taken.add(where.describe())
            param.gradient = where
            param.gradient_label = (f"{where.describe()} for {label}"
                                    if isinstance(where, Returned) else where.describe())
            if not isinstance(where, Update):
                self.found_at.append(f"{where.describe()} for {label}")
        return without

    def _note_aliases(self, subject: Subject) -> None:
        """A parameter's other names (aliases) are listed as constants, naming it."""
        for label, param in subject.parameters.items():
            if param.gradient is None:
                continue
            places = self.groups[label]
            self.report.constants += [
                f"{p.describe()} (alias of {label})" for p in places if p != param.place
            ]

    def _without_gradient(self, subject: Subject, label: str, param: Parameter,
                          rebound: set[str], by_backward: set[str],
                          before: dict[int, dict[str, Any]]) -> None:
        """A candidate without a gradient: a missing gradient, a constant, or nothing."""
        report = self.report
        places = self.groups[label]
        given = set(self.param_names or ())
        if label in by_backward and label not in given:
            return  # an array backward sets (a gradient under another name)
        view = next((other for other, v in subject.params.items()
                     if np.may_share_memory(v, param.value)
                     and np.shares_memory(v, param.value)), None)
        conventional = any(_conventional(p) for p in places)
        if view is None and conventional and label not in given and label in self.recast \
                and self._forward_ignores(subject, param):
            return  # (self.weights of an attention: forward's own result, kept; a cache)
        if view is None and (label in given or conventional):
            report.gradients.append(
                self._missing_gradient(label, param, places, by_backward, before))
        elif label not in rebound:
            report.constants.append(label + (f" (a view of {view})" if view else ""))

    def _kept_cache(self, subject: Subject, label: str) -> bool:
        """A candidate forward binds anew from its input (``self.last_input = x.copy()``).

        After a backward that updates (``backward(grad, learning_rate)``), backward runs
        again without a forward in between (the update read at other rates): such a cache
        must stay as forward left it, not go back to the array seen when candidates were
        found (the warm-up's input). Decided once per candidate (:meth:`_forward_ignores`).
        """
        if not subject.roles.learning_rate:
            return False
        if label not in self._caches:
            self._caches[label] = self._forward_ignores(subject, subject.parameters[label])
        return self._caches[label]

    def _forward_ignores(self, subject: Subject, param: Parameter) -> bool:
        """Whether forward rebinds ``param`` without reading what it held (a cache).

        The held array is replaced by NaN and forward run once more: an output unchanged
        and finite means forward computes it anew from its input. ``self.weights =
        self.weights.astype(float)`` reads it, and stays a parameter.
        """
        held = param.place.get()
        kept = dict(vars(self.obj)) if hasattr(self.obj, "__dict__") else None
        try:
            before = np.array(subject.forward(self.x.copy()), dtype=np.float64)
            param.place.set(np.full_like(param.value, np.nan))
            after = np.array(subject.forward(self.x.copy()), dtype=np.float64)
        except (UserCodeError, ProtocolError, ValueError, TypeError):
            return False
        finally:
            if kept is not None:  # (what these two calls bound is not backward's doing)
                vars(self.obj).clear()
                vars(self.obj).update(kept)
            param.place.set(held)
        return bool(np.isfinite(after).all()) and np.array_equal(before, after)

    def _missing_gradient(self, label: str, param: Parameter, places: list[Place],
                          by_backward: set[str],
                          before: dict[int, dict[str, Any]]) -> GradientResult:
        """A parameter's missing gradient, with the names backward set instead (a hint)."""
        expected = expected_gradient(param.place)
        owner = param.place.parent().get()
        new = [
            k for k, v in attributes(owner).items()
            if before.get(id(owner), {}).get(k, _ABSENT) is not v
            and not names.is_gradient_name(k, set(self.groups) | {p.name for p in places})
            and k not in names.DINPUTS_NAMES
            and k not in {p.name for p in places}  # (the parameter itself, put back here)
        ]
        new += [p.name for other in sorted(by_backward)
                for p in self.groups.get(other, [])]
        # each name once, in an order that does not depend on string hashing
        hint = names.misnamed_gradient(expected.name, list(dict.fromkeys(new)))
        return GradientResult(
            expected.describe(), MISSING,
            diagnosis=(f"backward did not set self.{expected.describe()} (the gradient "
                       f"of {label}){hint}"),
        )

    def _mark_shared(self, subject: Subject) -> None:
        """A parameter with aliases or sharing memory with other arrays is swapped in place."""
        others = [a for places, a in self.candidates]
        for label, param in subject.parameters.items():
            param.shared = len(self.groups[label]) > 1 or any(
                a is not param.value and np.may_share_memory(a, param.value)
                and np.shares_memory(a, param.value) for a in others
            )

    def _report_parameters(self, subject: Subject) -> None:
        """The report's shapes, constants and regularization, for the parameters kept."""
        report = self.report
        for label in list(report.shapes):
            if label != subject.input_name and label not in subject.params:
                report.shapes.pop(label)
        if report.constants:
            report.notes.append(
                "no gradient for " + ", ".join(report.constants)
                + ": treated as constant" + ("s" if len(report.constants) > 1 else "")
            )
        if subject.reg:
            report.notes.append(
                "regularization included in the objective for " + ", ".join(subject.reg)
            )
        for label, value in subject.params.items():
            report.shapes[label] = list(value.shape)

    def _observed_gradient(self, subject: Subject, label: str, param: Parameter,
                           taken: set[str]) -> Where | None:
        """Where backward put the gradient of ``label`` when no name says it.

        An array backward produced with the parameter's shape: one that agrees with a
        finite difference along a random direction first, names breaking ties. One that
        disagrees is still taken (its failure is then reported) when its name or the
        parameter's says they belong together, when backward returned it, or when it is
        the only array of that shape backward produced (``self.nabla_alpha``: dropping it
        would leave the parameter "treated as constant" and its bug unseen). With
        ``backward(grad, learning_rate)``, the parameter's own update.
        """
        found = [] if self.observation is None else \
            self.observation.of_shape(param.value.shape, taken, param.place.name)
        if found:
            stem = names.bare(param.place.name).lower()
            named = [w for w, _ in found if names.names_gradient_of(w.name, stem)]
            if len(named) == 1:  # one name says it (dLdGamma for gamma): names decide
                return named[0]
            slope = self._slope(subject, label, param)
            ranked = []
            for where, array in found:
                agree = slope is not None and _agrees(float(np.vdot(array, slope[0])), slope[1])
                ranked.append((not agree, -closeness(where, label), where))
            ranked.sort(key=lambda r: (r[0], r[1]))
            disagrees, near, where = ranked[0]
            if not disagrees or names.is_conventional(param.place.name) or -near >= 0.75 \
                    or isinstance(where, Returned) or len(found) == 1:
                return where
        if subject.roles.learning_rate and label in self.updated:
            return Update(label, UPDATE_RATE)
        return None

    def _slope(self, subject: Subject, label: str,
               param: Parameter) -> tuple[np.ndarray, float] | None:
        """A random direction and the objective's central difference along it."""
        value = param.value
        direction = uniform_signed(self.rng, value.shape)
        h = 1e-6 * max(1.0, float(np.max(np.abs(value))))
        try:
            up = subject.total_with(self.x, {label: value + h * direction})[0]
            down = subject.total_with(self.x, {label: value - h * direction})[0]
        except (UserCodeError, ProtocolError):
            return None
        return direction, (up - down) / (2 * h)

    # -- gradients from a backward(grad, learning_rate) update ---------------------------
    def _update_step(self, subject: Subject, dv: np.ndarray, y: Any, labels: list[str],
                     rate: float) -> tuple[dict[str, np.ndarray], Any]:
        """``(before - after) / rate`` per parameter for one backward at ``rate``; undone.

        What a place holds before the call is what it gets back: a cache forward rebinds
        (``self.last_input = x.copy()``, a candidate until classified) keeps this forward's
        array, never the one seen when the candidates were found (the warm-up's input).
        """
        self._restore_forward_state()
        held = {label: self._held(subject, label) for label in labels}
        saved = {label: held[label].copy() for label in labels}
        subject.rate = rate
        try:
            returned = subject.backward(np.array(dv, dtype=np.float64, copy=True),
                                        None if y is None else y.copy())
        finally:
            subject.rate = 0.0
        out = {}
        for label in labels:
            param = subject.parameters[label]
            current = param.place.get()
            after = np.asarray(current, dtype=np.float64)
            if after.shape == saved[label].shape:
                out[label] = (saved[label] - after) / rate
            if current is not held[label]:
                param.place.set(held[label])
            if held[label].flags.writeable:
                np.copyto(held[label], saved[label])
        return out, returned

    def _restore_forward_state(self) -> None:
        """The attributes this pass's forward bound, back before backward runs again.

        Reading an update calls backward again with no forward in between, after probes
        that call forward on other inputs: a cache forward binds (``self.last_input =
        x.copy()``) would hold theirs. Parameters are left as they are (the engine's own
        arrays); caches (:meth:`_kept_cache`) and every other attribute go back.
        """
        state = self._forward_state
        if state is None:
            return
        parameters = {p.name for label, places in self.groups.items()
                      if not self._caches.get(label, False) for p in places if p.depth == 1}
        own = vars(self.obj)
        for key, value in state.items():
            if key not in parameters and own.get(key, _ABSENT) is not value:
                setattr(self.obj, key, value)

    @staticmethod
    def _held(subject: Subject, label: str) -> np.ndarray:
        """The array a candidate's place holds now: its own unless forward rebound it."""
        param = subject.parameters[label]
        current = param.place.get()
        if current is not param.value and isinstance(current, np.ndarray) \
                and current.shape == param.value.shape and current.dtype == param.value.dtype:
            return current
        return param.value

    def _find_updated(self, subject: Subject, dv: np.ndarray, y: Any) -> None:
        """Which parameters a ``backward(grad, learning_rate)`` updates."""
        # (an upstream gradient of its own: the caller's may be zeros, which move nothing)
        probe = uniform_signed(self.rng, np.shape(dv)) if subject.takes_upstream_gradient \
            else dv
        step, _ = self._update_step(subject, probe, y, list(subject.params), UPDATE_RATE)
        given = set(self.param_names or ())
        self.updated = {label for label, g in step.items() if np.any(g != 0) or label in given
                        or any(names.is_conventional(p.name) for p in self.groups[label])}
        text = f"{subject.roles.update_call}: the input gradient read at "
        text += "learning rate 0"
        if self.updated:
            text += (f"; it updates {', '.join(sorted(self.updated))} itself: their gradients "
                     f"read from the update at learning rate {UPDATE_RATE:g} (verified linear "
                     f"in the rate)")
        self.report.notes.append(text)

    def _updates_read(self, subject: Subject, dv: np.ndarray, y: Any, labels: list[str],
                      grads: dict[str, np.ndarray], first: bool) -> dict[str, np.ndarray]:
        """Parameter gradients from the update; on the first pass, the update verified.

        The update must be linear in the rate (plain gradient descent), and the input
        gradient must not depend on it (computed before the weights moved).
        """
        step, returned = self._update_step(subject, dv, y, labels, UPDATE_RATE)
        out = {subject.parameters[label].gradient_label: g for label, g in step.items()}
        if not first:
            return out
        double, _ = self._update_step(subject, dv, y, labels, 2 * UPDATE_RATE)
        for label, g in step.items():
            other = double.get(label)
            scale = float(np.max(np.abs(g))) + float(np.max(np.abs(subject.params[label])))
            if other is None or not np.allclose(g, other, rtol=1e-5, atol=1e-9 * scale):
                self.report.problems.append(
                    f"{subject.roles.update_call} changes {label} in a way "
                    f"that is not linear in the learning rate (momentum or Adam inside "
                    f"backward?): its gradient cannot be read from the update")
                for name in list(out):
                    out.pop(name)
                return out
        if self.differentiable_inputs and self.dinputs_name in grads:
            at_zero = grads[self.dinputs_name]
            where = self.dinputs_where
            moved = returned if where is None and isinstance(returned, np.ndarray) else (
                where.read(returned) if isinstance(where, Returned) else None)
            if where is None and not isinstance(returned, np.ndarray):
                moved = get_dinputs(self.obj)[1]
            elif isinstance(where, Place):
                moved = where.get()
            if isinstance(moved, np.ndarray) and moved.shape == at_zero.shape:
                diff = float(np.max(np.abs(moved - at_zero)))
                if diff > 1e-9 * (float(np.max(np.abs(at_zero))) + 1e-300):
                    self.report.problems.append(
                        f"{subject.roles.backward} computes the input gradient with the "
                        f"weights it has already updated (it changes with the learning rate, "
                        f"by up to {diff:.3g} at {UPDATE_RATE:g}): compute the input "
                        f"gradient before updating the parameters")
        return out

    # -- passes -----------------------------------------------------------------------
    def _analytic_pass(
        self, subject: S, *, first: bool
    ) -> tuple[dict[str, np.ndarray], Any]:
        """Forward and backward once; collect gradients; record protocol problems.

        On the first pass the kind's own steps see forward's output, and what backward
        produced is classified and judged by the protocol checks (:meth:`_first_backward`).
        """
        y = self.y
        x_in = self.x.copy()
        saved = {n: p.copy() for n, p in subject.params.items()}
        if first:
            self._before_first_forward(subject)
        out = subject.forward(x_in, None if y is None else y.copy())
        if first:
            out = self._first_output(subject, out)
        record = checks.Pass(subject.input_name, self.x, x_in.copy())
        changed, rebound = self._keep_params(subject, saved, rebinding=False)
        if subject.roles.learning_rate and hasattr(self.obj, "__dict__"):
            self._forward_state = dict(vars(self.obj))  # (see _restore_forward_state)
        record.changed = dict.fromkeys(changed, "forward")
        if first:
            subject = self._after_first_forward(subject, out)
            self._choose_eps(np.asarray(out))
        dv_ref = self._upstream(subject, np.asarray(out), first)
        dv_in = np.array(dv_ref, dtype=np.float64, copy=True)
        y_in = None if y is None else y.copy()
        record.inputs_after_backward = x_in
        record.dvalues, record.dvalues_after = dv_ref, dv_in
        record.labels, record.labels_after = y, y_in
        before = self._attributes_before() if first else {}
        saved = {n: p.copy() for n, p in subject.params.items()}
        # (what backward produces is observed once, when names do not already say it all)
        returned = self._backward(subject, dv_in, y_in,
                                  observe=first and self._names_not_enough(subject))
        changed_b, by_backward = self._keep_params(subject, saved, rebinding=True)
        record.changed.update(dict.fromkeys(changed_b, "backward"))
        grads: dict[str, np.ndarray] = {}
        if self.differentiable_inputs:
            dinputs = self._input_gradient(returned, first)
            if dinputs is not None:
                grads[self.dinputs_name] = np.array(dinputs, copy=True)
        if first:
            self._first_backward(subject, record, dv_ref, set(rebound), set(by_backward),
                                 before)
        updates = self._read_gradients(subject, returned, grads)
        if updates:
            grads.update(self._updates_read(subject, dv_ref, y, updates, grads, first))
        return grads, out

    def _attributes_before(self) -> dict[int, dict[str, Any]]:
        """The attributes of the object and of every parameter's owner, before backward."""
        owners = {id(self.obj): self.obj}
        for places in self.groups.values():
            for p in places:
                if p.depth > 1:  # (depth 1: the object itself)
                    owner = p.parent().get()
                    owners[id(owner)] = owner
        return {key: attributes(o) for key, o in owners.items()}  # (a new dict each)

    def _backward(self, subject: S, dv: np.ndarray, y: np.ndarray | None, *,
                  observe: bool) -> Any:
        """One backward call; with ``observe``, what it produced is kept (:attr:`observation`)."""
        if not observe:
            return subject.backward(dv, y)
        skip = [id(v) for v in subject.params.values()]
        pre = Before.take(self.obj, skip)
        returned = subject.backward(dv, y)
        self.observation = Observation.of(self.obj, pre, returned, skip)
        return returned

    def _first_backward(self, subject: S, record: checks.Pass, dv: np.ndarray,
                        rebound: set[str], by_backward: set[str],
                        before: dict[int, dict[str, Any]]) -> None:
        """After the first backward: updates found, gradients classified, protocol checked."""
        report = self.report
        if subject.roles.learning_rate:
            self._find_updated(subject, dv, self.y)
        self._classify(subject, rebound, by_backward, before)
        record.changed = {k: m for k, m in record.changed.items() if k in subject.params}
        report.problems += checks.problems(record)
        if self.found_at:
            report.notes.append("where the gradients were found: " + ", ".join(self.found_at))

    def _read_gradients(self, subject: S, returned: Any,
                        grads: dict[str, np.ndarray]) -> list[str]:
        """Each parameter's gradient where it was found, into ``grads``.

        Returns the parameters whose gradients are read from an update instead.
        """
        updates: list[str] = []
        for param in subject.parameters.values():
            where = param.gradient
            if isinstance(where, Update):
                updates.append(param.label)
                continue
            grad = where.read(returned) if isinstance(where, Returned) else \
                where.get() if where is not None else None
            if isinstance(grad, np.ndarray):
                grads[param.gradient_label] = np.array(grad, copy=True)
        return updates

    def _input_gradient(self, returned: Any, first: bool) -> Any:
        """The input gradient, by name, as returned, or found by observation (first pass)."""
        if self.packing is not None:
            return self._packed_input_gradient(returned, first)
        report = self.report
        name, dinputs = get_dinputs(self.obj)
        if dinputs is not None and names.number_slip(name, "dinputs") \
                and "inputs" in attributes(self.obj):
            # the book's plural self.inputs beside a singular dinput: a slip, not a style
            if first:
                report.gradients.append(GradientResult("dinputs", MISSING, diagnosis=(
                    f"backward did not set self.dinputs; backward set `{name}` instead: a "
                    f"typo for `dinputs`? (forward keeps self.inputs, plural)")))
            return None
        if dinputs is not None:
            if first:
                self.dinputs_name = name
                if name != "dinputs":
                    self.found_at.append(f"{name} for {self._input_name()}")
            return dinputs
        if isinstance(returned, np.ndarray):
            if first:
                self.dinputs_where = Returned()
                report.notes.append("backward returns dinputs instead of setting self.dinputs")
            return returned
        if first:
            self.dinputs_where = self._observed_input_gradient()
            where = self.dinputs_where
            if where is None and self._ids_as_floats():
                self.differentiable_inputs = False
                report.notes.append(
                    f"{self._input_name()} are ids given as floats (the output is piecewise "
                    f"constant in them, forward casts them): not differentiable, no input "
                    f"gradient expected")
                return None
            backward = roles_of(self.obj).backward
            method = getattr(type(self.obj), backward, None)
            if where is None and self.report.kind == Kind.LAYER and callable(method) \
                    and returns_none_on_purpose(method):
                self.differentiable_inputs = False
                report.notes.append(
                    f"{backward} returns None on purpose (`return None`): "
                    f"no input gradient, as for the first layer of a network; its "
                    f"parameters are checked")
                return None
            if where is None:
                report.gradients.append(GradientResult(
                    "dinputs", MISSING, diagnosis=self._no_input_gradient()))
                return None
            self.dinputs_name = where.describe() if isinstance(where, Place) else \
                f"{where.describe()} for {self._input_name()}"
            self.found_at.append(f"{where.describe()} for {self._input_name()}")
        where = self.dinputs_where
        if where is None:
            return None
        return _read(where, returned)

    def _names_not_enough(self, subject: Subject) -> bool:
        """Whether some gradient may be where no name says (seen after the warm-up).

        The book's layout (``dinputs`` and ``d<name>`` beside every candidate) needs no
        observation; anything else (a candidate without a named gradient, no named input
        gradient, several inputs, a learning rate) is observed.
        """
        if self.packing is not None or subject.roles.learning_rate:
            return True
        if self.differentiable_inputs and get_dinputs(self.obj)[1] is None:
            return True
        obj = self.obj
        own = attributes(obj)  # (read once: most places are the object's attributes)
        for label, param in subject.parameters.items():
            for place in self.groups.get(label, [param.place]):
                if _named_gradient(place, obj, own):
                    break
            else:
                return True  # (no place of this parameter has a named gradient)
        return False

    def _packed_input_gradient(self, returned: Any, first: bool) -> Any:
        """Several inputs: their gradients, returned in order or found each by its shape."""
        packing = self.packing
        assert packing is not None
        if first:
            n = len(packing.shapes)
            if packing.fits(returned):
                self.part_where = [Returned((i,)) for i in range(n)]
            elif self.observation is not None:
                taken: set[str] = set()
                for name, shape in zip(packing.names, packing.shapes, strict=True):
                    found = self.observation.of_shape((self.x.shape[0], *shape), taken)
                    def nearest_first(c: tuple[Where, np.ndarray], name: str = name) -> float:
                        return -closeness(c[0], name)

                    found.sort(key=nearest_first)
                    if not found:
                        self.part_where = []
                        break
                    self.part_where.append(found[0][0])
                    taken.add(found[0][0].describe())
            if len(self.part_where) != n:
                self.report.gradients.append(GradientResult(
                    "dinputs", MISSING, diagnosis=(
                        f"backward gives no gradient for each of its {n} inputs (neither "
                        f"returned in order nor set with each input's shape)")))
                self.part_where = []
                return None
            self.dinputs_name = "d(" + ", ".join(packing.names) + ")"
            self.found_at.append(", ".join(
                f"{w.describe()} for {name}" for w, name in zip(
                    self.part_where, packing.names, strict=True)))
        if not self.part_where:
            return None
        parts = [_read(w, returned) for w in self.part_where]
        if not all(isinstance(p, np.ndarray) for p in parts):
            return None
        return packing.pack(parts)

    def _input_name(self) -> str:
        """The checked input's name in reports (``inputs``, ``y_pred``)."""
        return self.subject.input_name if self.subject is not None else "inputs"

    def _observed_input_gradient(self) -> Where | None:
        """An array backward produced with the input's shape (returned ones first)."""
        if self.observation is None:
            return None
        found = self.observation.of_shape(self.x.shape, set())
        if not found:
            return None
        slope = self._input_slope() if len(found) > 1 else None
        found.sort(key=lambda c: (
            slope is not None and not _agrees(float(np.vdot(c[1], slope[0])), slope[1]),
            not isinstance(c[0], Returned), -closeness(c[0], "inputs")))
        return found[0][0]

    def _ids_as_floats(self) -> bool:
        """Whether the inputs are ids: whole numbers, and small moves leave the output as is."""
        subject, x = self.subject, self.x
        if subject is None or not subject.takes_upstream_gradient \
                or not np.array_equal(x, np.round(x)):
            return False
        try:
            base = np.array(subject.forward(x.copy()), dtype=np.float64)
            moved = [np.array(subject.forward(x + d), dtype=np.float64) for d in (0.25, -0.25)]
        except (UserCodeError, ProtocolError):
            return False
        # (a cast truncates or rounds: one direction at least leaves every id as it is)
        return any(m.shape == base.shape and np.array_equal(m, base) for m in moved)

    def _input_slope(self) -> tuple[np.ndarray, float] | None:
        """A random direction and the objective's central difference along it, in x."""
        subject = self.subject
        if subject is None or not subject.takes_upstream_gradient:
            return None
        direction = uniform_signed(self.rng, self.x.shape)
        h = 1e-6 * max(1.0, float(np.max(np.abs(self.x))))
        try:
            up = subject.total(self.x + h * direction)[0]
            down = subject.total(self.x - h * direction)[0]
        except (UserCodeError, ProtocolError):
            return None
        return direction, (up - down) / (2 * h)

    def _no_input_gradient(self) -> str:
        """Why no input gradient was found, said as it is, with how to declare it."""
        produced = self.observation.produced if self.observation is not None else []
        shaped = [w.describe() for w, a in produced if a.size == self.x.size]
        if shaped:
            return (f"backward did not set self.dinputs; it produced {', '.join(shaped)} "
                    f"with as many elements as the inputs but another shape "
                    f"({', '.join(str(a.shape) for w, a in produced if a.size == self.x.size)}"
                    f" for {self.x.shape})")
        return ("backward did not set self.dinputs and gives no input gradient at all (none "
                "returned, no array of the inputs' shape set). A layer that is always the "
                "first of its network needs none: check its parameters with check_params; a "
                "layer taking ids: give them as integers, and none is expected")

    def _keep_params(
        self, subject: Subject, saved: dict[str, np.ndarray], rebinding: bool
    ) -> tuple[list[str], list[str]]:
        """Put back parameters a call changed; return (changed, rebound to other values).

        Forward may rebind a parameter to a re-cast copy with the same values; that is no
        change. Values changed in place, or rebound to other values by backward, are.
        """
        changed, rebound = [], []
        for label, value in saved.items():
            param = subject.parameters.get(label)
            if param is None:
                continue
            current = param.place.get()
            # (-0.0 becoming 0.0 is no change: ``w -= 0.0 * g``, an update at rate 0)
            moved = param.value.tobytes() != value.tobytes() and not (
                param.value.dtype.kind in "fc" and param.value.shape == value.shape
                and np.array_equal(param.value, value, equal_nan=True))
            if current is not param.value:
                self.recast.add(label)
                # (same values, -0.0 for 0.0 included: an update at rate 0 that binds
                # w - 0.0 * g anew, as an optimizer returning the new parameter does)
                other = not (isinstance(current, np.ndarray) and current.shape == value.shape
                             and (np.asarray(current, np.float64).tobytes() == value.tobytes()
                                  or np.array_equal(current, value, equal_nan=True)))
                if other:
                    rebound.append(label)
                    moved = moved or rebinding
                if rebinding and not self._kept_cache(subject, label):
                    param.place.set(param.value)  # (forward's caches stay: see below)
            if moved:
                changed.append(label)
                np.copyto(param.value, value)
        return changed, rebound

    def _choose_eps(self, out: np.ndarray) -> None:
        if out.dtype.kind == "f" and out.dtype.itemsize < 8:
            self.eps = float(np.finfo(out.dtype).eps)
            self.report.dtype = str(out.dtype)
            self.report.notes.append(
                f"forward returns {out.dtype} although it was given float64: precision is "
                f"forced inside the object, so steps and tolerances follow {out.dtype}"
            )

    # -- stale state ----------------------------------------------------------------------
    def _other_data(self) -> np.ndarray:
        """Different data of the same shape and domain as ``x``, in an array of its own."""
        x = self.x
        other = x[::-1] if x.shape[0] > 1 else x
        if not self.differentiable_inputs:
            return other.copy()
        return self._other_values(other)

    def _warm_up(self, subject: S) -> list[Any]:
        """Forward and backward once on other data; the results are discarded.

        Returns the arrays of that pass (input, output, upstream gradient): they are the
        protocol's, never parameters.
        """
        other = self._other_data()
        y = None if self.y is None else self.y.copy()
        seen: list[Any] = [other]
        try:
            out = subject.forward(other, y)
            seen.append(out)
            self._warm_backward(subject, other, out, y, seen)
        except (UserCodeError, ProtocolError):
            pass  # the pass on the caller's data reports it
        finally:
            subject.pin.settle()
        return seen

    def _check_repeatable(self, subject: S, grads: dict[str, np.ndarray]) -> None:
        """Forward and backward again on the same data: are the gradients the same."""
        again = self._analytic_pass(subject, first=False)
        third: tuple[dict[str, np.ndarray], Any] | None = None
        for name, first in list(grads.items()):
            second = again[0].get(name)
            if not isinstance(first, np.ndarray) or not isinstance(second, np.ndarray):
                continue
            if first.shape != second.shape:
                continue
            with np.errstate(all="ignore"):
                diff = np.abs(np.asarray(first, float) - np.asarray(second, float))
            scale = float(np.nanmax(np.abs(first))) if first.size else 0.0
            if np.any(diff > 1e3 * self.eps * scale + 1e-300) or (
                np.isfinite(first).all() != np.isfinite(second).all()
            ):
                self.unheld = unheld_randomness(subject.forward, self.x)
                if self.unheld:
                    return
                # (+= with no reset method: the increment is checked, protocol/accumulation)
                third = third or self._analytic_pass(subject, first=False)
                step = accumulation.increment(first, second, third[0].get(name), self.eps)
                if step is not None:
                    grads[name] = step
                    self.accumulated.append(name)
                    continue
                self.report.problems.append(
                    f"backward depends on stale state: repeating forward and backward on the "
                    f"same data changed {name} by up to {np.nanmax(diff):.3g} (a cache filled "
                    f"only once, or a gradient accumulated with +=?)"
                )


_ABSENT = object()
#: the learning rate at which a ``backward(grad, learning_rate)`` update is read
UPDATE_RATE = 1e-3


def _agrees(analytic: float, numeric: float) -> bool:
    """A projection of a gradient agrees with its finite difference (loosely: a tie-break)."""
    return abs(analytic - numeric) <= 1e-4 * (abs(analytic) + abs(numeric)) + 1e-10


def _conventional(place: Place) -> bool:
    """A conventional parameter name (``W``, ``bias``), or a parameter object's under one.

    ``b.data`` of ``self.b = Parameter(...)``: its gradient must exist.
    """
    if names.is_conventional(place.name):
        return True
    return place.depth > 1 and place.kind == ATTR and place.name in PARAMETER_VALUES \
        and names.is_conventional(place.parent().name)


def _gradient_of(place: Place, obj: Any, own: dict[str, Any]) -> Place | None:
    """:func:`~gradcheck.protocol.params.gradient_of`, given ``obj``'s attributes ``own``.

    An attribute of ``obj`` itself whose gradient is an attribute beside it (the usual
    case) is answered from ``own``, read once for every parameter; anything else, and
    every place where that finds nothing, is asked of ``gradient_of`` itself.
    """
    steps = place.steps
    if len(steps) == 1 and place.root is obj and steps[0][0] == ATTR:
        for name in names.gradient_names(str(steps[0][1])):
            if isinstance(own.get(name), np.ndarray):
                return Place(obj, ((ATTR, name),))  # (gradient_of's first answer, the same)
    return gradient_of(place)


def _named_gradient(place: Place, obj: Any, own: dict[str, Any]) -> bool:
    """Whether :func:`_gradient_of` finds a gradient (without building its place)."""
    steps = place.steps
    if len(steps) == 1 and place.root is obj and steps[0][0] == ATTR:
        for name in names.gradient_names(str(steps[0][1])):
            if isinstance(own.get(name), np.ndarray):
                return True
    return gradient_of(place) is not None


def _read(where: Where, returned: Any) -> Any:
    """The array found at ``where``: in what backward returned, or in its place.

    An input gradient (or a part of one) is never an :class:`Update`: those are the
    parameters' gradients, read by the parameter's own place.
    """
    if isinstance(where, Returned):
        return where.read(returned)
    assert isinstance(where, Place)
    return where.get()
