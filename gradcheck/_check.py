"""``check_layer`` and ``check_loss``: the analytic passes, the protocol checks, the numerics."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradcheck import _numerics as nm
from gradcheck import _validate
from gradcheck._diagnose import diagnose, shape_problem
from gradcheck._report import (
    ERROR,
    FAILED,
    INCONCLUSIVE,
    MISSING,
    PASSED,
    GradientError,
    GradientResult,
    Report,
)
from gradcheck._state import RandomPin, Snapshot, numpy_unpatched
from gradcheck._subject import (
    ProtocolError,
    Subject,
    UserCodeError,
    misnamed_gradient,
    parameter_candidates,
    regularizer,
    wants_training,
)

EXHAUSTIVE_LIMIT = 20_000  # automatic mode: exhaustive up to this many elements in all
SAMPLED_COORDINATES = 2048  # elements sampled to locate an error in a huge input batch
SAMPLED_COORDINATES_LOOP = 64  # ... in a huge parameter (each costs a full forward call)
LOCATE_LIMIT = 50_000  # arrays larger than this are located by sampling in fast mode
FAST_DIRECTIONS = 2  # random directions per gradient in fast mode
STACK_BUDGET = 1_000_000  # array elements per stacked forward call
LOSS_STEP_FLOOR = 1e-3  # predictions: steps relative to |p| down to this scale


class GradcheckWarning(UserWarning):
    """A check that could not decide (``inconclusive``); the report says where."""


def check_layer(
    layer: Any,
    inputs: Any,
    *,
    dvalues: Any = None,
    mode: str | None = None,
    step: float | None = None,
    seed: int | None = None,
    training: bool | None = None,
    params: Sequence[str] | None = None,
    raise_on_failure: bool = True,
) -> Report:
    """Check every gradient a layer's ``backward`` sets against finite differences.

    The objective is ``sum(dvalues * layer.output)`` (plus the layer's book-style
    regularization loss, when it has ``weight_regularizer_l1`` and friends), so
    ``dinputs`` and each ``d<param>`` are compared with its numeric gradient with respect
    to ``inputs`` and to every parameter array (``weights``, ``biases``, ...).

    Parameters
    ----------
    layer : object
        An NNFS-style layer or activation: ``forward(inputs)`` (or
        ``forward(inputs, training)``) sets ``self.output``; ``backward(dvalues)`` sets
        ``self.dinputs`` and ``self.d<param>`` for each parameter.
    inputs : array_like
        A 2-D batch ``(samples, features)``; integers are converted to float64.
    dvalues : array_like, optional
        The upstream gradient; default: standard normal, drawn from ``seed``.
    mode : {None, "exhaustive", "fast"}, optional
        ``"exhaustive"`` compares every element; ``"fast"`` compares random projections
        and falls back to elements only on a mismatch. ``None`` picks exhaustive up to
        20,000 elements in all, else fast.
    step : float, optional
        Relative finite-difference step ``h`` (steps are ``h * max(1, |x|)``); default
        ``eps ** (1/3)`` of the precision computed in (about 6e-6 in float64).
    seed : int, optional
        Seed for ``dvalues`` and the random directions (default 0: reproducible).
    training : bool, optional
        Value passed to ``forward(inputs, training)`` when forward takes it (default True
        when the argument is required).
    params : sequence of str, optional
        Parameter attribute names to check; default: every float array the layer holds
        that its output depends on.
    raise_on_failure : bool, default True
        Raise :class:`GradientError` when the check fails; else return the report.

    Returns
    -------
    Report
        ``report.ok``, ``str(report)`` (a table), ``report.gradients``, ...

    Raises
    ------
    GradientError
        A gradient is wrong, missing, misshapen or not finite; an argument was mutated;
        ``backward`` depends on stale state; or the layer raised.
    TypeError, ValueError
        The arguments are unusable (message names the argument and the fix).

    Notes
    -----
    - **Resolution.** In float64 an element is compared within the estimated rounding
      error of the central difference (about ``1e-10`` of the objective's scale divided
      by the step) plus ``256 eps max|gradient|``; suspects are refined by Richardson
      extrapolation, whose truncation estimate joins the tolerance. Single-element errors
      around ``1e-8`` of the gradient's size are caught; ``report.gradients[i].resolution``
      gives the figure for each check.
    - **Kinks.** At a non-differentiable point (ReLU at exactly 0, ``|x|`` at 0) any value
      between the one-sided derivatives is accepted; the report counts such kinks.
    - **float32 / nnfs.init().** Parameters are checked in float64 copies and
      ``nnfs.init()``'s float32 ``np.dot`` is undone during the check; if forward still
      returns float32, tolerances follow float32 and the report says so.
    - **Randomness.** The global numpy/Python random state (and generators the layer
      holds) is reset before every forward call, so dropout draws one mask; the state is
      restored afterwards.
    - The layer and the caller's arrays are left exactly as they were, also on failure.

    Examples
    --------
    >>> from nnfs_core import Layer_Dense
    >>> import numpy as np
    >>> check_layer(Layer_Dense(4, 3), np.ones((2, 4))).ok
    True
    """
    _validate.protocol_object(layer, "layer")
    _validate.options(mode, step)
    x = _validate.batch(inputs, "inputs")
    report = Report(name=type(layer).__name__, kind="layer")
    run = _Run(report, layer, x, None, mode=mode, step=step, seed=seed)
    run.dvalues_given = None if dvalues is None else np.asarray(dvalues, dtype=np.float64)
    run.training = training
    run.param_names = params
    return run.execute(raise_on_failure)


def check_loss(
    loss: Any,
    y_pred: Any,
    y_true: Any,
    *,
    mode: str | None = None,
    step: float | None = None,
    seed: int | None = None,
    raise_on_failure: bool = True,
) -> Report:
    """Check a loss's ``backward`` (or a fused softmax + loss) against finite differences.

    A plain loss's ``forward(y_pred, y_true)`` returns per-sample losses and
    ``backward(y_pred, y_true)`` must set ``dinputs`` to the gradient of their **mean**.
    A fused softmax + loss (recognised by ``forward`` returning a scalar and setting
    ``self.output``) takes logits: ``backward(self.output, y_true)`` must set ``dinputs``
    to the gradient of the returned mean loss with respect to the logits.

    Parameters
    ----------
    loss : object
        The loss or fused softmax-loss object.
    y_pred : array_like
        2-D predictions ``(samples, classes)``: probabilities for a cross-entropy loss,
        logits for a fused softmax-loss.
    y_true : array_like
        Sparse labels ``(samples,)`` of ints in ``[0, classes)``, or one-hot labels /
        targets of ``y_pred``'s shape.
    mode, step, seed, raise_on_failure
        As in :func:`check_layer`. Steps for a plain loss are relative to ``|y_pred|``
        down to ``1e-3``, so that probabilities are never stepped below zero.

    Returns
    -------
    Report
        The report; ``report.kind`` is ``"loss"`` or ``"fused"``.

    Raises
    ------
    GradientError
        The gradient is wrong, missing or misshapen, an argument was mutated (the book's
        fused backward writes into ``dvalues``), or the object raised.
    TypeError, ValueError
        Unusable arguments, e.g. labels out of range or of the wrong shape.

    Notes
    -----
    Cross-entropy clips ``y_pred`` to ``[1e-7, 1 - 1e-7]`` in forward; a backward that does
    not clip disagrees inside the clipped region, and the check reports it there. Feed
    probabilities away from 0 and 1 (``gradcheck.strategies.probability_batches``).

    Examples
    --------
    >>> from nnfs_core import Loss_CategoricalCrossentropy
    >>> import numpy as np
    >>> probs = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4]])
    >>> check_loss(Loss_CategoricalCrossentropy(), probs, np.array([0, 1])).ok
    True
    """
    _validate.protocol_object(loss, "loss")
    _validate.options(mode, step)
    x = _validate.batch(y_pred, "y_pred")
    y = _validate.labels(y_true, x)
    report = Report(name=type(loss).__name__, kind="loss")
    return _Run(report, loss, x, y, mode=mode, step=step, seed=seed).execute(raise_on_failure)


class _Run:
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
        self.rng = np.random.default_rng(0 if seed is None else seed)
        self.dvalues_given: np.ndarray | None = None
        self.training: bool | None = None
        self.param_names: Sequence[str] | None = None
        self.eps = float(np.finfo(np.float64).eps)
        self.subject: Subject | None = None

    # -- the frame: restore everything, whatever happens ------------------------------
    def execute(self, raise_on_failure: bool) -> Report:
        report = self.report
        start = time.perf_counter()
        snapshot = Snapshot(self.obj)
        pin = RandomPin(self.obj)
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
        self._numerics(subject, grads, objective)

    def _setup_params(self, subject: Subject) -> None:
        obj, report = self.obj, self.report
        if self.param_names is not None:
            found = {}
            for name in self.param_names:
                value = getattr(obj, name, None)
                if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
                    raise ValueError(
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
            out = subject.forward(x_in)
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
            returned = subject.backward(dv_in, None)
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
                        diagnosis=f"backward did not set self.d{name} (the gradient of {name}){hint}",
                    )
                )
        grads = {
            k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in grads.items()
        }
        return grads, out

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
                raise ValueError(
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

    def _check_repeatable(self, subject: Subject, grads: dict[str, np.ndarray]) -> None:
        """Forward and backward again on the same data: the same gradients?"""
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
                self.report.problems.append(
                    f"backward depends on stale state: repeating forward and backward on the "
                    f"same data changed {name} by up to {np.nanmax(diff):.3g} (a cache filled "
                    f"only once, or a gradient accumulated with +=?)"
                )

    # -- numerics -------------------------------------------------------------------------
    def _numerics(
        self, subject: Subject, grads: dict[str, np.ndarray], objective: tuple[float, float]
    ) -> None:
        report, x = self.report, self.x
        variables: dict[str, np.ndarray] = {"dinputs": x}
        variables.update({f"d{n}": v for n, v in subject.params.items()})
        mode = report.mode
        step = self.step or nm.default_step(self.eps)

        checks: dict[str, _Variable] = {}
        for name, var in variables.items():
            grad = grads.get(name)
            if grad is None:
                continue  # reported as missing
            invalid = self._validate_grad(name, grad, var)
            if invalid is not None:
                report.gradients.append(invalid)
                continue
            param = None if name == "dinputs" else name[1:]
            if param is not None and not self._depends_on(subject, param):
                report.notes.append(
                    f"{param} does not affect the output; its gradient was not compared"
                )
                continue
            floor = LOSS_STEP_FLOOR if subject.kind == "loss" and param is None else 1.0
            eps_a = max(self.eps, float(np.finfo(grad.dtype).eps))
            checks[name] = _Variable(
                name, var, np.asarray(grad, np.float64), param, floor, self.eps, eps_a
            )

        f0, f_scale = objective
        self._probe_precision(subject, list(checks.values()), f0)
        done: dict[str, GradientResult] = {}
        self._projection_failures: dict[str, GradientResult] = {}
        if mode == "fast" and checks:
            done = self._project(subject, list(checks.values()), f0, f_scale, step)
            if len(done) < len(checks):
                report.notes.append(
                    "fast mode: a random projection disagreed or met a kink; "
                    "compared element by element to decide and locate"
                )
        for name, v in checks.items():
            if name not in done:
                done[name] = self._elementwise(subject, v, f0, f_scale, step, mode)
        report.gradients.extend(done.values())
        order = {n: i for i, n in enumerate(variables)}
        report.gradients.sort(key=lambda g: order.get(g.name, len(order)))
        kinks = sum(g.kinks for g in report.gradients)
        if kinks:
            report.notes.append(
                f"{kinks} element(s) at a kink (non-differentiable point): the analytic value "
                "lies between the one-sided derivatives, accepted as a subgradient"
            )

    def _probe_precision(self, subject: Subject, variables: list[_Variable], f0: float) -> None:
        """Find variables along which the objective is only float32-accurate.

        Float32 arithmetic inside forward (``nnfs.init()``'s ``np.dot``, a cast) does not
        always show in the output's dtype. Along a random direction, difference quotients
        at steps 1e-9 and 1e-8 agree closely in float64 and are noise in float32.
        """
        if self.eps > 1e-10 or not variables:
            return
        fine = np.finfo(np.float64).eps

        def noisy(group: list[_Variable]) -> bool:
            dirs = {
                v.name: self.rng.standard_normal(v.value.shape)
                * np.maximum(v.floor, np.abs(v.value))
                for v in group
            }
            quotients = []
            for delta in (1e-9, 1e-8):
                x, params = self.x, {}
                for v in group:
                    x = v.moved(x, params, delta, dirs[v.name])
                quotients.append((subject.total_with(x, params)[0] - f0) / delta)
            d1, d2 = quotients
            return bool(abs(d1 - d2) > 1e-2 * max(abs(d1), abs(d2)) or not np.isfinite(d1 - d2))

        if not noisy(variables):
            return
        low = [v for v in variables if len(variables) == 1 or noisy([v])]
        for v in low:
            v.eps = max(v.eps, float(np.finfo(np.float32).eps))
            v.eps_analytic = max(v.eps_analytic, v.eps)
        if low:
            self.report.dtype = "float32"
            names = ", ".join(v.param or "inputs" for v in low)
            self.report.notes.append(
                f"the objective is only float32-accurate in {names} (float32 arithmetic inside "
                f"forward, e.g. nnfs.init()'s np.dot): steps and tolerances follow float32"
            )
        del fine

    def _validate_grad(self, name: str, grad: Any, var: np.ndarray) -> GradientResult | None:
        if not isinstance(grad, np.ndarray):
            grad = np.asarray(grad)
        if grad.dtype.kind not in "f":
            return GradientResult(
                name,
                FAILED,
                diagnosis=f"has dtype {grad.dtype}; a gradient must be floating point "
                "(an integer array truncates, e.g. zeros_like of integer inputs)",
            )
        if grad.shape != var.shape:
            return GradientResult(
                name, FAILED, diagnosis=shape_problem(name, grad.shape, var.shape)
            )
        if not np.all(np.isfinite(grad)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(grad))[0])
            return GradientResult(
                name,
                FAILED,
                index=bad,
                diagnosis=f"not finite (first at index {bad}) although the inputs are finite",
            )
        return None

    def _depends_on(self, subject: Subject, param: str) -> bool:
        """Whether the output changes when the parameter does (else it is a buffer)."""
        if f"d{param}" in vars(self.obj) or param in ("weights", "biases"):
            return True
        value = subject.params[param]
        base, _ = subject.total(self.x)
        bumped = value + 1e-3 * (np.abs(value) + 1.0) * self.rng.standard_normal(value.shape)
        moved, _ = subject.total_with(self.x, {param: bumped})
        return not np.isclose(base, moved, rtol=1e-12, atol=0.0)

    def _row_independent(self, subject: Subject) -> bool:
        """Verify that row i of the output depends on row i of the input alone."""
        x, y = self.x, self.y
        n = x.shape[0]
        base = self._row_outputs(subject, x, y)
        if base is None:
            return False
        shift = np.roll(np.arange(n), 1)
        z = np.roll(x[shift], 1, axis=1) if x.shape[1] > 1 else x[shift] * 0.5
        if subject.kind == "layer":
            z = z * -0.75 + 0.125
        yz = None if y is None else y[shift]
        probes = (
            (np.concatenate([x, z]), None if y is None else np.concatenate([y, yz]), slice(0, n)),
            (
                np.concatenate([z, x]),
                None if y is None else np.concatenate([yz, y]),
                slice(n, 2 * n),
            ),
        )
        got = [self._row_outputs(subject, stacked, ys) for stacked, ys, _ in probes]
        if got[0] is None or got[1] is None:
            return False
        # each block must come out the same wherever it sits in the batch
        if not (self._same(got[0][:n], base) and self._same(got[1][n:], base)):
            return False
        if not self._same(got[0][n:], got[1][:n]):
            return False
        flipped = self._row_outputs(subject, x[::-1], None if y is None else y[::-1])
        return flipped is not None and self._same(flipped[::-1], base)

    def _row_outputs(
        self, subject: Subject, x: np.ndarray, y: np.ndarray | None
    ) -> np.ndarray | None:
        try:
            out = np.asarray(subject.forward(x.copy(), None if y is None else y.copy()), float)
        except (UserCodeError, ProtocolError):
            return None
        if out.ndim == 0 or out.shape[0] != x.shape[0]:
            return None
        return out.reshape(x.shape[0], -1)

    def _same(self, a: np.ndarray, b: np.ndarray) -> bool:
        if a.shape != b.shape:
            return False
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        return bool(np.all(np.abs(a - b) <= 64 * self.eps * (np.abs(b) + scale) + 1e-300))

    def _elementwise(
        self,
        subject: Subject,
        v: _Variable,
        f0: float,
        f_scale: float,
        step: float,
        mode: str,
    ) -> GradientResult:
        """Compare every element (or, for a huge array in fast mode, a sample)."""
        rowwise = v.param is None and subject.kind in ("layer", "loss")
        if rowwise:
            rowwise = self._row_independent(subject)
            if not rowwise:
                self.report.notes.append(
                    "rows are not independent (batch statistics, random draws or a batch-size "
                    "dependence): inputs perturbed one evaluation at a time"
                )
        index, method = None, "elementwise"
        if mode == "fast" and v.value.size > LOCATE_LIMIT:
            index, method = self._sample_index(v.grad, rowwise), "sampled"
        if rowwise:
            at, base = self._row_evaluators(subject)
        else:
            at = _loop_at(v.value, lambda point: subject.total_with(*self._point(v, point))[0])
            base = _constant(f0, f_scale)
        step = self.step or nm.default_step(v.eps)
        cmp = nm.compare(
            v.value,
            v.grad,
            at,
            base,
            step=step,
            floor=v.floor,
            index=index,
            eps=v.eps,
            eps_analytic=v.eps_analytic,
            one_sided=None if v.param is None else step,
            abs_floor=self._abs_floor(subject),
        )
        result = self._result(v, cmp, method)
        projected = self._projection_failures.get(v.name)
        if method == "sampled" and projected is not None and result.status == PASSED:
            projected.diagnosis = (
                f"a random projection disagrees, but none of the {result.checked} sampled "
                "elements is wrong: the error sits in elements not sampled; "
                "mode='exhaustive' locates it"
            )
            return projected
        return result

    def _abs_floor(self, subject: Subject) -> float:
        """Losses: clipping at 1e-7 moves the gradient of a mean by up to 1e-7 / samples."""
        return 0.0 if subject.kind == "layer" else nm.CLIP_FLOOR / self.x.shape[0]

    def _point(self, v: _Variable, point: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return (point, {}) if v.param is None else (self.x, {v.param: point})

    def _row_evaluators(self, subject: Subject) -> tuple[nm.EvalAt, nm.EvalBase]:
        x = self.x
        n_cols = x.shape[1]
        v0, s0 = subject.rows(np.arange(x.shape[0]), x.copy())

        def base(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return v0[idx // n_cols], s0[idx // n_cols]

        def at(idx: np.ndarray, deltas: np.ndarray) -> np.ndarray:
            values = np.empty(idx.size)
            chunk = max(1, STACK_BUDGET // max(1, n_cols))
            for lo in range(0, idx.size, chunk):
                part = slice(lo, lo + chunk)
                rows, cols = np.divmod(idx[part], n_cols)
                stacked = x[rows].copy()
                stacked[np.arange(rows.size), cols] += deltas[part]
                values[part] = subject.rows(rows, stacked)[0]
            return values

        return at, base

    def _project(
        self,
        subject: Subject,
        variables: list[_Variable],
        f0: float,
        f_scale: float,
        step: float,
    ) -> dict[str, GradientResult]:
        """Random-direction checks, all gradients jointly, then one by one if that fails.

        Returns the gradients verified this way; the others need element-wise checks.
        """
        verdict = self._project_set(subject, variables, f0, f_scale, step)
        if verdict is not None:
            return {v.name: verdict(v) for v in variables}
        passed = {}
        for v in variables:
            single = (
                self._project_set(subject, [v], f0, f_scale, step) if len(variables) > 1 else None
            )
            if single is not None:
                passed[v.name] = single(v)
        return passed

    def _project_set(
        self,
        subject: Subject,
        variables: list[_Variable],
        f0: float,
        f_scale: float,
        step: float,
    ) -> Callable[[_Variable], GradientResult] | None:
        k = FAST_DIRECTIONS
        dirs = {
            v.name: self.rng.standard_normal((k, *v.value.shape))
            * np.maximum(v.floor, np.abs(v.value))
            for v in variables
        }
        analytic = sum(np.tensordot(dirs[v.name], v.grad, axes=v.grad.ndim) for v in variables)
        alpha_scale = sum(
            np.tensordot(np.abs(dirs[v.name]), np.abs(v.grad), axes=v.grad.ndim) for v in variables
        )

        def at(idx: np.ndarray, deltas: np.ndarray) -> np.ndarray:
            values = np.empty(idx.size)
            for j, (i, d) in enumerate(zip(idx, deltas, strict=True)):
                x = self.x
                params = {}
                for v in variables:
                    moved = v.value + d * dirs[v.name][i]
                    if v.param is None:
                        x = moved
                    else:
                        params[v.param] = moved
                values[j] = subject.total_with(x, params)[0]
            return values

        eps = max(v.eps for v in variables)
        cmp = nm.compare(
            np.zeros(k),
            analytic,
            at,
            _constant(f0, f_scale),
            step=self.step or nm.default_step(eps),
            floor=1.0,
            eps=eps,
            eps_analytic=max(v.eps_analytic for v in variables),
            alpha_scale=alpha_scale,
            one_sided=float(np.sqrt(eps)),
            abs_floor=self._abs_floor(subject)
            * sum(np.abs(dirs[v.name]).reshape(k, -1).sum(axis=1) for v in variables),
        )
        w = cmp.worst()
        if np.any(cmp.verdict != nm.PASS):
            if len(variables) == 1 and np.any(cmp.verdict == nm.FAIL):
                self._projection_failures[variables[0].name] = GradientResult(
                    variables[0].name,
                    FAILED,
                    error=float(cmp.error[w]),
                    tolerance=float(cmp.tolerance[w]),
                    analytic=float(cmp.analytic[w]),
                    numeric=float(cmp.numeric[w]),
                    checked=k,
                    method="projection",
                )
            return None
        resolution = float(np.median(cmp.tolerance) / max(np.max(np.abs(cmp.analytic)), 1e-300))

        def result(v: _Variable) -> GradientResult:
            return GradientResult(
                v.name,
                PASSED,
                error=float(cmp.error[w]),
                tolerance=float(cmp.tolerance[w]),
                analytic=float(cmp.analytic[w]),
                numeric=float(cmp.numeric[w]),
                checked=k,
                method="projection" if len(variables) == 1 else "joint projection",
                resolution=resolution,
            )

        return result

    def _sample_index(self, grad: np.ndarray, cheap: bool) -> np.ndarray:
        """Coordinates to compare in a huge array: random ones and the largest entries."""
        size = grad.size
        budget = SAMPLED_COORDINATES if cheap else SAMPLED_COORDINATES_LOOP
        picks = self.rng.choice(size, size=min(size, budget), replace=False)
        top = np.argsort(-np.abs(grad.ravel()))[: budget // 8]
        return np.unique(np.concatenate([picks, top]))

    def _result(self, v: _Variable, cmp: nm.Comparison, method: str) -> GradientResult:
        grad = v.grad
        wrong = cmp.verdict == nm.FAIL
        unsure = cmp.verdict == nm.UNSURE
        status = FAILED if wrong.any() else INCONCLUSIVE if unsure.any() else PASSED
        w = cmp.worst()
        g = max(float(np.max(np.abs(grad))) if grad.size else 0.0, 1e-300)
        result = GradientResult(
            v.name,
            status,
            error=float(cmp.error[w]),
            tolerance=float(cmp.tolerance[w]),
            index=tuple(int(i) for i in np.unravel_index(int(cmp.index[w]), grad.shape)),
            analytic=float(cmp.analytic[w]),
            numeric=float(cmp.numeric[w]),
            kinks=int(np.sum(cmp.verdict == nm.KINK)),
            inconclusive=int(unsure.sum()),
            failed=int(wrong.sum()),
            checked=int(cmp.index.size),
            method=method,
            resolution=float(np.median(cmp.tolerance) / g),
        )
        if status == FAILED:
            numeric = np.full(grad.size, np.nan)
            numeric[cmp.index] = cmp.numeric
            wrong_full = np.zeros(grad.size, bool)
            wrong_full[cmp.index] = wrong
            result.diagnosis = diagnose(
                grad,
                numeric.reshape(grad.shape),
                wrong_full.reshape(grad.shape),
                batch=self.x.shape[0],
                param=None if v.param is None else v.value,
            )
        return result


class _Variable:
    """One thing to differentiate by: the inputs or a parameter, with its gradient."""

    def __init__(
        self,
        name: str,
        value: np.ndarray,
        grad: np.ndarray,
        param: str | None,
        floor: float,
        eps: float,
        eps_analytic: float,
    ) -> None:
        self.name, self.value, self.grad, self.param, self.floor = name, value, grad, param, floor
        self.eps, self.eps_analytic = eps, eps_analytic

    def moved(
        self, x: np.ndarray, params: dict[str, np.ndarray], delta: float, direction: np.ndarray
    ) -> np.ndarray:
        """Add ``delta * direction`` to this variable inside ``(x, params)``."""
        point = self.value + delta * direction
        if self.param is None:
            return point
        params[self.param] = point
        return x


def _constant(value: float, scale: float) -> nm.EvalBase:
    return lambda idx: (np.full(idx.size, value), np.full(idx.size, scale))


def _loop_at(var: np.ndarray, evaluate: Callable[[np.ndarray], float]) -> nm.EvalAt:
    """Evaluator that perturbs one element per forward call."""

    def at(idx: np.ndarray, deltas: np.ndarray) -> np.ndarray:
        values = np.empty(idx.size)
        point = var.copy()
        flat = point.reshape(-1)
        for k, (j, d) in enumerate(zip(idx, deltas, strict=True)):
            original = flat[j]
            flat[j] = original + d
            values[k] = evaluate(point.copy())
            flat[j] = original
        return values

    return at
