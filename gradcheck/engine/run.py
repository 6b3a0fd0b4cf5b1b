"""One check of one object: set-up, the analytic passes, the protocol checks.

The numeric comparison itself lives in :mod:`gradcheck.engine.verify`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradcheck.engine.state import RandomPin, Snapshot, numpy_unpatched, unheld_randomness
from gradcheck.engine.verify import EXHAUSTIVE_LIMIT, Verification
from gradcheck.protocol.subject import (
    ProtocolError,
    Subject,
    UserCodeError,
    misnamed_gradient,
    parameter_candidates,
    regularizer,
    wants_training,
)
from gradcheck.report import (
    ERROR,
    FAILED,
    INCONCLUSIVE,
    MISSING,
    GradientError,
    GradientResult,
    Report,
)


class GradcheckWarning(UserWarning):
    """A check that could not decide (``inconclusive``); the report says where."""


class ArgumentError(ValueError):
    """An argument found unusable once the object has been called (e.g. ``dvalues``)."""


class Run(Verification):
    """One check of one object: set-up, analytic passes, numerics, report."""

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
    ) -> None:
        self.report, self.obj, self.x, self.y = report, obj, x, y
        self.mode, self.step = mode, step
        self.forward_seconds = 0.0
        self.seed = 0 if seed is None else seed
        self.rng = np.random.default_rng(self.seed)
        self.dvalues_given: np.ndarray | None = None
        self.training: bool | None = None
        self.param_names: Sequence[str] | None = None
        self.eps = float(np.finfo(np.float64).eps)
        self.subject: Subject | None = None
        self.unheld: str | None = None  # why the randomness cannot be pinned

    # -- the frame: restore everything, whatever happens ------------------------------
    def execute(self, raise_on_failure: bool) -> Report:
        """Run the check with every state restored afterwards; raise or return the report."""
        report = self.report
        start = time.perf_counter()
        snapshot = Snapshot(self.obj)
        pin = RandomPin(self.obj, self.seed)
        try:
            with (
                numpy_unpatched() as unpatched,
                np.errstate(all="ignore"),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("ignore", RuntimeWarning)
                if unpatched:
                    report.notes.append(
                        "nnfs.init() had patched numpy (float32 np.dot); undone during the "
                        "check so that it computes in float64"
                    )
                self._check(pin)
        except UserCodeError as exc:
            report.status = ERROR
            report.problems.insert(0, str(exc))
        except ProtocolError as exc:
            report.problems.append(str(exc))
        except ArgumentError:
            raise
        except Exception as exc:  # an object the checker cannot handle: a verdict, not a crash
            report.status = ERROR
            report.problems.insert(
                0,
                f"the check could not evaluate {type(self.obj).__name__}: "
                f"{type(exc).__name__}: {exc} (an unsupported object, or a gradcheck bug)",
            )
        finally:
            snapshot.restore()
            pin.restore()
            if self.subject is not None:
                report.evaluations = self.subject.evaluations
                if pin.draws:
                    report.notes.append(
                        "forward draws random numbers: the random state was pinned before "
                        "every forward call"
                    )
        report.seconds = time.perf_counter() - start
        report.finish()
        if report.status in (FAILED, ERROR) and raise_on_failure:
            raise GradientError(report)
        if report.status == INCONCLUSIVE:
            warnings.warn(report.message, GradcheckWarning, stacklevel=3)
        return report

    # -- the check ----------------------------------------------------------------------
    def _check(self, pin: RandomPin) -> None:
        report, obj, x, y = self.report, self.obj, self.x, self.y
        is_layer = report.kind == "layer"
        training = wants_training(obj, self.training) if is_layer else (False, False)
        subject = self.subject = Subject(obj, report.kind, pin, training)
        if training[0]:
            report.notes.append(f"forward called as forward(inputs, {training[1]})")
        if is_layer:
            self._setup_params(subject)
        else:
            subject.y_true = y
            subject.n_samples = x.shape[0]
        report.shapes["inputs" if is_layer else "y_pred"] = list(x.shape)
        report.mode = self.mode or "exhaustive"

        # a first call on other data, so that a cache filled once or a gradient
        # accumulated across calls shows up as a wrong or unrepeatable gradient
        self._warm_up(subject)
        first = self._analytic_pass(subject, first=True)
        if first is None:
            return
        grads, out = first
        if not is_layer and not self._loss_output_ok(out):
            return
        size = x.size + sum(v.size for v in subject.params.values())
        mode = self.mode or ("exhaustive" if size <= EXHAUSTIVE_LIMIT else "fast")
        report.mode = mode
        objective = subject.objective(out, scale=True)
        if mode == "exhaustive":
            # (in fast mode the warm-up call already exposes caches and accumulation)
            self._check_repeatable(subject, grads)
            if self.unheld:  # nothing can be concluded from finite differences
                report.gradients.append(
                    GradientResult("dinputs", INCONCLUSIVE, diagnosis=self.unheld)
                )
                return
        self._numerics(subject, grads, objective)

    def _setup_params(self, subject: Subject) -> None:
        obj, report = self.obj, self.report
        if self.param_names is not None:
            found = {}
            for name in self.param_names:
                value = getattr(obj, name, None)
                if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
                    raise ArgumentError(
                        f"params names {name!r}, but {type(obj).__name__}.{name} is not a "
                        "float array"
                    )
                found[name] = value
        else:
            found = parameter_candidates(obj)
        narrow = [n for n, v in found.items() if v.dtype != np.float64]
        if narrow:
            report.notes.append(
                f"{', '.join(narrow)} held as {found[narrow[0]].dtype}: checked in float64 copies"
            )
        for name, value in found.items():
            copy = value.astype(np.float64)
            setattr(obj, name, copy)
            subject.params[name] = copy
            l1, l2 = regularizer(obj, name)
            if l1 or l2:
                subject.reg[name] = (l1, l2)
        if subject.reg:
            report.notes.append(
                "regularization included in the objective for " + ", ".join(subject.reg)
            )
        for name, value in subject.params.items():
            report.shapes[name] = list(value.shape)

    def _analytic_pass(
        self, subject: Subject, *, first: bool, x: np.ndarray | None = None
    ) -> tuple[dict[str, np.ndarray], Any] | None:
        """Forward and backward once; collect gradients; record protocol problems."""
        report, obj, y = self.report, self.obj, self.y
        x = self.x if x is None else x
        attrs = vars(obj)
        x_in = x.copy()
        if report.kind == "layer":
            saved = {n: p.copy() for n, p in subject.params.items()}
            started = time.perf_counter()
            out = subject.forward(x_in)
            self.forward_seconds = time.perf_counter() - started
            changed = dict.fromkeys(self._keep_params(subject, saved, False), "forward")
        else:
            attrs.pop("output", None)
            out = subject.forward(x_in, None if y is None else y.copy())
            if first:
                self._classify_loss(out)
        if first and not np.array_equal(x_in, x):
            report.problems.append(
                f"forward modified its {'inputs' if report.kind == 'layer' else 'y_pred'} "
                "argument in place (the caller's array would change)"
            )
        if first and report.kind == "layer":
            subject.output_known = True
            self._drop_non_params(subject)
            if subject.returns_output:
                report.notes.append("forward returns its output instead of setting self.output")

        # backward, with copies we can inspect afterwards
        if report.kind == "layer":
            out_arr = np.asarray(out)
            if first:
                self._choose_eps(out_arr)
                self._set_dvalues(subject, out_arr)
            dv_in = subject.dvalues.reshape(out_arr.shape).copy()
            before = dict(attrs)
            saved = {n: p.copy() for n, p in subject.params.items()}
            returned = subject.backward(dv_in, None)
            changed.update(dict.fromkeys(self._keep_params(subject, saved, True), "backward"))
            if first:
                self._report_changed(changed)
            dv_ref = subject.dvalues.reshape(out_arr.shape)
            y_in = None
        else:
            if first:
                self._choose_eps(np.asarray(out))
            dv_ref = np.array(attrs["output"], dtype=np.float64) if report.kind == "fused" else x
            dv_in = dv_ref.copy()
            y_in = None if y is None else y.copy()
            before = dict(attrs)
            returned = subject.backward(dv_in, y_in)
        if first:
            if not np.array_equal(dv_in, dv_ref):
                report.problems.append(
                    "backward modified its dvalues argument in place (e.g. "
                    "self.dinputs = dvalues followed by an in-place update): copy it first"
                )
            if y_in is not None and not np.array_equal(y_in, y):
                report.problems.append("backward modified its y_true argument in place")

        grads: dict[str, np.ndarray] = {}
        dinputs = attrs.get("dinputs")
        if dinputs is None and isinstance(returned, np.ndarray):
            dinputs = returned
            if first:
                report.notes.append("backward returns dinputs instead of setting self.dinputs")
        new_names = [
            k
            for k, v in attrs.items()
            if (k not in before or before[k] is not v) and k != "dinputs"
        ]
        if dinputs is None:
            if first:
                report.gradients.append(
                    GradientResult(
                        "dinputs", MISSING, diagnosis="backward did not set self.dinputs"
                    )
                )
        else:
            grads["dinputs"] = dinputs
        for name in list(subject.params):
            grad = attrs.get(f"d{name}")
            if grad is not None:
                grads[f"d{name}"] = grad
            elif first:
                hint = misnamed_gradient(
                    f"d{name}",
                    [n for n in new_names if not n.startswith("d") or n[1:] not in subject.params],
                )
                report.gradients.append(
                    GradientResult(
                        f"d{name}",
                        MISSING,
                        diagnosis=(
                            f"backward did not set self.d{name} (the gradient of {name}){hint}"
                        ),
                    )
                )
        grads = {
            k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in grads.items()
        }
        return grads, out

    def _keep_params(
        self, subject: Subject, saved: dict[str, np.ndarray], rebinding: bool
    ) -> list[str]:
        """Put back parameters a call changed; return their names.

        An array that forward rebinds is a cache or a buffer (running statistics), not a
        parameter, and is left alone (``rebinding=False``); backward rebinding a
        parameter is a change.
        """
        attrs = vars(self.obj)
        changed = []
        for name, value in saved.items():
            ours = subject.params[name]
            if name not in attrs or (attrs[name] is not ours and not rebinding):
                continue
            if attrs[name] is not ours or not np.array_equal(ours, value):
                changed.append(name)
                np.copyto(ours, value)
                attrs[name] = ours
        return changed

    def _report_changed(self, changed: dict[str, str]) -> None:
        """Trainable parameters (those with a gradient) must not change in forward/backward.

        Buffers such as a batch-norm's running statistics may; they have no gradient.
        """
        attrs = vars(self.obj)
        for method in ("forward", "backward"):
            names = [n for n, m in changed.items() if m == method and f"d{n}" in attrs]
            if names:
                self.report.problems.append(
                    f"{method} modified {', '.join(f'self.{n}' for n in names)} (an optimizer "
                    f"step inside {method}?): parameters should change only in the optimizer"
                )

    def _classify_loss(self, out: Any) -> None:
        report = self.report
        if np.ndim(out) == 0 and "output" in vars(self.obj):
            report.kind = "fused"
            self.subject.kind = "fused"
        elif np.ndim(out) == 0:
            report.notes.append(
                "forward returns a scalar, not per-sample losses: checked as the gradient "
                "of that scalar"
            )
            self.subject.kind = "fused"

    def _loss_output_ok(self, out: Any) -> bool:
        arr = np.asarray(out)
        if arr.dtype.kind not in "biuf":
            self.report.problems.append(f"forward returned {type(out).__name__}, not numbers")
            return False
        if self.subject.kind == "loss" and arr.size != self.x.shape[0]:
            self.report.problems.append(
                f"forward returned {arr.size} values for {self.x.shape[0]} samples; a loss's "
                "forward returns one loss per sample"
            )
            return False
        if not np.all(np.isfinite(arr)):
            self.report.problems.append("forward returned a non-finite loss for finite y_pred")
            return False
        return True

    def _drop_non_params(self, subject: Subject) -> None:
        """Arrays that forward rebinds are caches, not parameters."""
        attrs = vars(self.obj)
        for name in list(subject.params):
            if attrs.get(name) is not subject.params[name]:
                del subject.params[name]
                subject.reg.pop(name, None)
                self.report.shapes.pop(name, None)

    def _choose_eps(self, out: np.ndarray) -> None:
        if out.dtype.kind == "f" and out.dtype.itemsize < 8:
            self.eps = float(np.finfo(out.dtype).eps)
            self.report.dtype = str(out.dtype)
            self.report.notes.append(
                f"forward returns {out.dtype} although it was given float64: precision is "
                f"forced inside the object, so steps and tolerances follow {out.dtype}"
            )

    def _set_dvalues(self, subject: Subject, out: np.ndarray) -> None:
        if out.ndim == 0 or out.shape[0] != self.x.shape[0]:
            raise ProtocolError(
                f"forward output has shape {out.shape}; a layer keeps the batch axis "
                f"({self.x.shape[0]} samples)"
            )
        if not np.all(np.isfinite(out)):
            raise ProtocolError("forward output is not finite for finite inputs")
        if self.dvalues_given is not None:
            if self.dvalues_given.shape != out.shape:
                raise ArgumentError(
                    f"dvalues has shape {self.dvalues_given.shape}, but the layer's output has "
                    f"shape {out.shape}"
                )
            dv = self.dvalues_given
        else:
            dv = self.rng.standard_normal(out.shape)
        subject.dvalues = dv.reshape(out.shape[0], -1)

    # -- stale state ----------------------------------------------------------------------
    def _other_data(self) -> np.ndarray:
        """Different data of the same shape and domain as ``x``."""
        x = self.x
        other = x[::-1] if x.shape[0] > 1 else x
        if self.report.kind == "layer":
            return -0.5 * other + 0.25
        return np.roll(other, 1, axis=1) if x.shape[1] > 1 else other

    def _warm_up(self, subject: Subject) -> None:
        """Forward and backward once on other data; the results are discarded."""
        attrs = vars(self.obj)
        for name in ["output", "dinputs", *(f"d{p}" for p in subject.params)]:
            attrs.pop(name, None)
        other = self._other_data()
        y = None if self.y is None else self.y.copy()
        try:
            out = subject.forward(other.copy(), y)
            if self.report.kind == "layer":
                dv = self.rng.standard_normal(np.shape(out))
                subject.backward(dv, None)
            else:
                dv = attrs.get("output") if np.ndim(out) == 0 else other
                if isinstance(dv, np.ndarray):
                    subject.backward(np.array(dv, dtype=np.float64), y)
        except (UserCodeError, ProtocolError):
            pass  # the pass on the caller's data reports it
        finally:
            subject.pin.settle()

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
