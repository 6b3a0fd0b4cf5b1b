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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gradcheck.engine import budget, reduction
from gradcheck.engine.frame import framed
from gradcheck.engine.state import (
    RandomPin,
    Snapshot,
    generator,
    unheld_randomness,
    uniform_signed,
)
from gradcheck.engine.verify import Context, Verification
from gradcheck.errors import ArgumentError, ProtocolError, UserCodeError
from gradcheck.protocol import checks, implied, names
from gradcheck.protocol.params import (
    Parameter,
    expected_gradient,
    find_candidates,
    gradient_of,
    preferred,
    regularizer_of,
)
from gradcheck.protocol.places import Place, attributes
from gradcheck.protocol.subject import (
    FusedSubject,
    LayerSubject,
    LossSubject,
    Subject,
    get_dinputs,
    get_output,
    subject_for,
)
from gradcheck.report import (
    INCONCLUSIVE,
    MISSING,
    GradientResult,
    Kind,
    Report,
)

__all__ = ["Run"]


class Run:
    """One check of one object: set-up, analytic passes, numerics, report.

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
    dvalues : ndarray, optional
        The upstream gradient given by the caller (layers).
    training : bool, optional
        Value of forward's training argument.
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
        dvalues: np.ndarray | None = None,
        training: bool | None = None,
        params: Sequence[str] | None = None,
    ) -> None:
        self.report, self.obj, self.x, self.y = report, obj, x, y
        self.mode, self.step = mode, step
        self.seed = 0 if seed is None else seed
        self.rng = generator(self.seed)
        self.dvalues_given = dvalues
        self.training = training
        self.param_names = params
        self.eps = float(np.finfo(np.float64).eps)
        self.subject: Subject | None = None
        self.differentiable_inputs = True
        self.groups: dict[str, list[Place]] = {}
        self.candidates: list[tuple[list[Place], np.ndarray]] = []
        self.recast: set[str] = set()  # parameters forward or backward rebound
        self.dinputs_name = "dinputs"
        self.unheld: str | None = None  # why the randomness cannot be pinned

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
        report, obj, x = self.report, self.obj, self.x
        subject = subject_for(report.kind, obj, pin, training=self.training)
        report.notes += subject.start(x, self.y)
        self.subject = subject
        report.shapes[subject.input_name] = list(x.shape)
        report.mode = self.mode or "exhaustive"
        if x.dtype.kind != "f":
            self._integer_inputs(subject)

        warm = self._warm_up(subject)
        if isinstance(subject, LayerSubject):
            self._setup_params(subject, exclude=warm)
        first = self._analytic_pass(subject, first=True)
        if first is None:
            return
        grads, out = first
        subject = self.subject
        if isinstance(subject, LossSubject) and not self._loss_output_ok(subject, out):
            return
        if type(subject) is LossSubject:
            self._observe_reduction(subject, out, grads)
        verification = Verification(Context(
            report, self.x, self.y, self.rng, self.eps, self.step,
            self.dinputs_name if self.differentiable_inputs else None, self.seed,
        ), subject)
        mode = self.mode or budget.automatic_mode(
            subject, x, rows_independent=verification.rows_independent,
            columns_usable=verification.columns_usable,
        )
        report.mode = mode
        objective = subject.objective(out, scale=True)
        if mode == "exhaustive":
            # (in fast mode the warm-up call already exposes caches and accumulation)
            self._check_repeatable(subject, grads)
        else:
            # fast mode: two more forward calls on the same data show randomness that
            # nothing can hold (a fresh generator per call), as the repeated pass does
            self.unheld = unheld_randomness(subject.forward, self.x)
        if self.unheld:  # nothing can be concluded from finite differences
            report.gradients.append(
                GradientResult(self.dinputs_name, INCONCLUSIVE, diagnosis=self.unheld)
            )
            return
        verification.run(grads, objective)

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

    def _setup_params(self, subject: Subject, exclude: list[Any]) -> None:
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

    def _classify(self, subject: Subject, rebound: set[str], by_backward: set[str],
                  before: dict[int, dict[str, Any]]) -> None:
        """After the first backward: parameters have a gradient; the rest are constants.

        A float array without a gradient is a constant unless its name is a conventional
        parameter name (or the caller named it): then the gradient is missing. Arrays that
        forward rebinds to new values on every call are caches and are not listed.
        """
        report = self.report
        given = set(self.param_names or ())
        without = []
        for label, param in list(subject.parameters.items()):
            places = self.groups[label]
            found = None
            for place in [param.place, *places]:
                found = gradient_of(place)
                if found is not None:
                    break
            if found is None:
                without.append((label, param))
                continue
            param.gradient, param.gradient_label = found, found.describe()
            report.constants += [
                f"{p.describe()} (alias of {label})" for p in places if p != param.place
            ]
        for label, _ in without:
            subject.drop_parameter(label)
        for label, param in without:
            places = self.groups[label]
            if label in by_backward and label not in given:
                continue  # an array backward sets (a gradient under another name)
            view = next((other for other, v in subject.params.items()
                         if np.may_share_memory(v, param.value)
                         and np.shares_memory(v, param.value)), None)
            if view is None and (label in given or any(
                names.is_conventional(p.name) for p in places
            )):
                expected = expected_gradient(param.place)
                owner = param.place.parent().get()
                new = [
                    k for k, v in attributes(owner).items()
                    if before.get(id(owner), {}).get(k, _ABSENT) is not v
                    and not names.is_gradient_name(k, set(self.groups) | {p.name for p in places})
                    and k not in names.DINPUTS_NAMES
                ]
                new += [p.name for other in sorted(by_backward)
                        for p in self.groups.get(other, [])]
                # each name once, in an order that does not depend on string hashing
                hint = names.misnamed_gradient(expected.name, list(dict.fromkeys(new)))
                report.gradients.append(GradientResult(
                    expected.describe(), MISSING,
                    diagnosis=(f"backward did not set self.{expected.describe()} (the gradient "
                               f"of {label}){hint}"),
                ))
            elif label not in rebound:
                report.constants.append(label + (f" (a view of {view})" if view else ""))
        others = [a for places, a in self.candidates]
        for label, param in subject.parameters.items():
            param.shared = len(self.groups[label]) > 1 or any(
                a is not param.value and np.may_share_memory(a, param.value)
                and np.shares_memory(a, param.value) for a in others
            )
        subject.rebinds = bool(self.recast & set(subject.params))
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

    # -- passes -----------------------------------------------------------------------
    def _analytic_pass(
        self, subject: Subject, *, first: bool
    ) -> tuple[dict[str, np.ndarray], Any] | None:
        """Forward and backward once; collect gradients; record protocol problems."""
        report, y = self.report, self.y
        x_in = self.x.copy()
        saved = {n: p.copy() for n, p in subject.params.items()}
        out = subject.forward(x_in, None if y is None else y.copy())
        record = checks.Pass(subject.input_name, self.x, x_in.copy())
        changed, rebound = self._keep_params(subject, saved, rebinding=False)
        record.changed = dict.fromkeys(changed, "forward")
        if first and isinstance(subject, LossSubject):
            subject = self._classify_loss(subject, out)
        if first and isinstance(subject, LayerSubject):
            subject.output_known = True
            if subject.returns_output:
                report.notes.append("forward returns its output instead of setting self.output")

        out_arr = np.asarray(out)
        if first:
            self._choose_eps(out_arr)
        if isinstance(subject, LayerSubject):
            if first:
                self._set_dvalues(subject, out_arr)
            assert subject.dvalues is not None
            dv_ref = subject.dvalues.reshape(out_arr.shape)
        else:
            dv_ref = subject.backward_argument(self.x)
        dv_in = np.array(dv_ref, dtype=np.float64, copy=True)
        y_in = None if y is None else y.copy()
        owners = {id(self.obj): self.obj}
        for places in self.groups.values():
            for p in places:
                if p.depth > 1:  # (depth 1: the object itself)
                    owner = p.parent().get()
                    owners[id(owner)] = owner
        before = {key: dict(attributes(o)) for key, o in owners.items()}
        saved = {n: p.copy() for n, p in subject.params.items()}
        returned = subject.backward(dv_in, y_in)
        changed_b, by_backward = self._keep_params(subject, saved, rebinding=True)
        record.changed.update(dict.fromkeys(changed_b, "backward"))
        if first:
            record.inputs_after_backward = x_in
            record.dvalues, record.dvalues_after = dv_ref, dv_in
            record.labels, record.labels_after = y, y_in
            self._classify(subject, set(rebound), set(by_backward), before)
            record.changed = {k: m for k, m in record.changed.items() if k in subject.params}
            report.problems += checks.problems(record)

        grads: dict[str, np.ndarray] = {}
        if self.differentiable_inputs:
            name, dinputs = get_dinputs(self.obj)
            if dinputs is None and isinstance(returned, np.ndarray):
                dinputs = returned
                if first:
                    report.notes.append("backward returns dinputs instead of setting self.dinputs")
            if dinputs is None:
                if first:
                    report.gradients.append(GradientResult(
                        "dinputs", MISSING, diagnosis="backward did not set self.dinputs"
                    ))
            else:
                if first:
                    self.dinputs_name = name
                grads[self.dinputs_name] = dinputs
        for param in subject.parameters.values():
            grad = param.gradient.get() if param.gradient is not None else None
            if isinstance(grad, np.ndarray):
                grads[param.gradient_label] = grad
        grads = {k: np.array(v, copy=True) for k, v in grads.items()}
        return grads, out

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
            moved = param.value.tobytes() != value.tobytes()
            if current is not param.value:
                self.recast.add(label)
                other = not (isinstance(current, np.ndarray) and current.shape == value.shape
                             and np.asarray(current, np.float64).tobytes() == value.tobytes())
                if other:
                    rebound.append(label)
                    moved = moved or rebinding
                if rebinding:  # (forward's caches stay: backward reads them)
                    param.place.set(param.value)
            if moved:
                changed.append(label)
                np.copyto(param.value, value)
        return changed, rebound

    def _classify_loss(self, subject: LossSubject, out: Any) -> LossSubject:
        """A loss whose forward returns a scalar is checked as the gradient of that scalar."""
        report = self.report
        if np.ndim(out) != 0:
            return subject
        fused = FusedSubject(self.obj, subject.pin)
        fused.y_true, fused.n_samples = subject.y_true, subject.n_samples
        fused.evaluations = subject.evaluations
        fused.activation_only, fused.implied_kind = subject.activation_only, subject.implied_kind
        fused.last_output = subject.last_output
        self.subject = fused
        if subject.activation_only and subject.implied_kind is not None:
            report.kind = Kind.FUSED
            report.notes.append(implied.DESCRIPTION[subject.implied_kind])
        elif get_output(self.obj) is not None:
            report.kind = Kind.FUSED
        else:
            report.notes.append(
                "forward returns a scalar, not per-sample losses: checked as the gradient "
                "of that scalar"
            )
        return fused

    def _observe_reduction(self, subject: LossSubject, out: Any,
                           grads: dict[str, np.ndarray]) -> None:
        """Per-element losses ``(N, C)``: the reduction backward differentiates, observed."""
        n = self.x.shape[0]
        if np.size(out) != self.x.size or self.x.size == n:
            return
        dinputs = grads.get(self.dinputs_name)
        if dinputs is None:
            return
        y = self.y

        def forward_mean(z: np.ndarray) -> float:
            return float(np.mean(np.asarray(subject.forward(z, y), dtype=np.float64)))

        reading = reduction.observe(forward_mean, self.x.copy(), dinputs, n)
        subject.scale = reduction.factors(n, self.x.size)[reading]
        self.report.notes.append(
            "forward returns one loss per element: checked as the gradient of "
            + reduction.READINGS[reading])

    def _loss_output_ok(self, subject: Subject, out: Any) -> bool:
        arr = np.asarray(out)
        if arr.dtype.kind not in "biuf":
            self.report.problems.append(f"forward returned {type(out).__name__}, not numbers")
            return False
        per_position = int(np.prod(self.x.shape[:-1]))
        if not isinstance(subject, FusedSubject) and arr.size not in (
                self.x.shape[0], per_position, self.x.size):
            self.report.problems.append(
                f"forward returned {arr.size} values for {self.x.shape[0]} samples; a loss's "
                "forward returns one loss per sample"
            )
            return False
        if not np.all(np.isfinite(arr)):
            self.report.problems.append("forward returned a non-finite loss for finite y_pred")
            return False
        return True

    def _choose_eps(self, out: np.ndarray) -> None:
        if out.dtype.kind == "f" and out.dtype.itemsize < 8:
            self.eps = float(np.finfo(out.dtype).eps)
            self.report.dtype = str(out.dtype)
            self.report.notes.append(
                f"forward returns {out.dtype} although it was given float64: precision is "
                f"forced inside the object, so steps and tolerances follow {out.dtype}"
            )

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
    def _other_data(self, subject: Subject) -> np.ndarray:
        """Different data of the same shape and domain as ``x``, in an array of its own."""
        x = self.x
        other = x[::-1] if x.shape[0] > 1 else x
        if not self.differentiable_inputs:
            return other.copy()
        if isinstance(subject, LayerSubject):
            return -0.5 * other + 0.25
        return np.roll(other, 1, axis=1) if x.ndim > 1 and x.shape[1] > 1 else other.copy()

    def _warm_up(self, subject: Subject) -> list[Any]:
        """Forward and backward once on other data; the results are discarded.

        Returns the arrays of that pass (input, output, upstream gradient): they are the
        protocol's, never parameters.
        """
        other = self._other_data(subject)
        y = None if self.y is None else self.y.copy()
        seen: list[Any] = [other]
        try:
            out = subject.forward(other, y)
            seen.append(out)
            if isinstance(subject, LayerSubject):
                dv = uniform_signed(self.rng, np.shape(out))  # any values will do
                seen.append(dv)
                subject.backward(dv, None)
            else:
                output = get_output(self.obj)
                dv = output if np.ndim(out) == 0 else other
                if isinstance(dv, np.ndarray):
                    subject.backward(np.array(dv, dtype=np.float64), y)
        except (UserCodeError, ProtocolError):
            pass  # the pass on the caller's data reports it
        finally:
            subject.pin.settle()
        return seen

    def _check_repeatable(self, subject: Subject, grads: dict[str, np.ndarray]) -> None:
        """Forward and backward again on the same data: are the gradients the same."""
        again = self._analytic_pass(subject, first=False)
        if again is None:
            return
        for name, first in grads.items():
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
                self.report.problems.append(
                    f"backward depends on stale state: repeating forward and backward on the "
                    f"same data changed {name} by up to {np.nanmax(diff):.3g} (a cache filled "
                    f"only once, or a gradient accumulated with +=?)"
                )


_ABSENT = object()
