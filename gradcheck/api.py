"""``check_layer`` and ``check_loss``: the public entry points."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

# imported for its effect: it installs the reports' repr and HTML (gradcheck.views sits
# above gradcheck.report, so the report cannot import it)
from gradcheck import views  # noqa: F401
from gradcheck.cost_api import check_cost, is_cost
from gradcheck.derivative_api import check_derivative
from gradcheck.engine import ranges
from gradcheck.engine import validate as _validate
from gradcheck.engine.capture import captured
from gradcheck.engine.function_run import FunctionRun, prepare_arguments
from gradcheck.engine.layer_run import LayerRun
from gradcheck.engine.loss_run import LossRun
from gradcheck.engine.templates import judge_template
from gradcheck.errors import GradcheckWarning, GradientError
from gradcheck.model_api import check_model, check_params
from gradcheck.protocol import cacheless
from gradcheck.protocol.function import FunctionSubject
from gradcheck.report import ERROR, FAILED, UNFINISHED, Kind, Report, Status
from gradcheck.views import with_output

__all__ = [
    "GradcheckWarning",
    "check_derivative",
    "check_function",
    "check_layer",
    "check_loss",
    "check_model",
    "check_params",
]


def check_layer(
    layer: Any,
    inputs: Any,
    *,
    dvalues: Any = None,
    mode: str | None = None,
    step: float | None = None,
    seed: int | None = None,
    training: bool | None = None,
    only: Sequence[str] | None = None,
    raise_on_failure: bool = True,
    verbose: bool = False,
    params: Sequence[str] | None = None,
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
        A batch of any number of dimensions, the batch axis first (``(samples,
        features)``, ``(N, C, H, W)``, ``(N, T, D)``). Integers are treated as numbers
        (converted to float64) unless forward uses them as indices (embedding ids): then
        they are passed as they are and no input gradient is expected.
    dvalues : array_like, optional
        The upstream gradient; default: standard normal, drawn from ``seed``.
    mode : {None, "exhaustive", "fast"}, optional
        ``"exhaustive"`` compares every element; ``"fast"`` compares random projections
        and falls back to elements only on a mismatch. ``None`` picks exhaustive when its
        estimated cost is small: always up to 20,000 elements in all, never above
        2,000,000, in between while forward calls times their cost estimated from the
        array sizes (stacking probed) stays within one reference second
        (:mod:`gradcheck.engine.budget`); else fast. Never decided by a clock.
    step : float, optional
        Relative finite-difference step ``h`` (steps are ``h * max(1, |x|)``); default
        ``eps ** (1/3)`` of the precision computed in (about 6e-6 in float64).
    seed : int, optional
        Seed for ``dvalues`` and the random directions (default 0: reproducible).
    training : bool, optional
        Value passed to ``forward(inputs, training)`` when forward takes it (default True
        when the argument is required).
    only : sequence of str, optional
        The parameters to check, by where they live (``"weights"``, ``"params['W']"``,
        ``"dense.weights"``); default: every float array the layer reaches (attributes,
        dicts, lists, sub-layers) for which backward gives a gradient. Arrays without a
        gradient are constants (listed in ``report.constants``), except conventional
        parameter names (``weights``, ``biases``, ``W``, ``gamma``, ...), whose missing
        gradient fails.
    raise_on_failure : bool, default True
        Raise :class:`GradientError` when the check fails; else return the report.
    verbose : bool, default False
        Print what the checked code printed or logged while it was checked (after the
        check). It is kept in ``report.output`` either way, out of the way; the report's
        ``repr`` counts its lines.
    params : sequence of str, optional
        Deprecated spelling of ``only`` (``params`` names the dict of arrays in
        :func:`check_params`); warns ``DeprecationWarning``.

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
    - **Fast mode.** Two Gaussian directions ``u`` (scaled per element by
      ``max(1, |x|)``) for all gradients jointly; each compares ``<analytic, u>`` with a
      central directional difference (the element-wise step). An error vector ``e`` shows as
      ``<e, u> ~ N(0, sigma^2)``; it escapes one direction with probability at most
      ``0.8 * tol / sigma`` and both with the square of that: an error ten times the
      projection's tolerance is missed with probability below 0.7 %, a hundred times
      below 0.007 %. Inputs that are exactly 0 (where ReLU-like maps have their kink),
      when they are at most a quarter of the batch, are left out of the directions and
      compared one by one. Any disagreement or kink falls back to element-wise checks, on a
      sample sized by a forward-call budget from the array sizes for huge parameters
      (the same sample on any machine); a projection failure is never overruled by a
      sample that missed the element.
    - **Resources.** Stacked evaluations are chunked to a memory budget (64 MiB per
      call); BLAS/OpenMP thread pools are capped to one thread during the check and
      restored afterwards. Both are set with :func:`gradcheck.configure`.
    - **Kinks.** At a non-differentiable point (ReLU at exactly 0, ``|x|`` at 0) any value
      between the one-sided derivatives is accepted; the report counts such kinks.
    - **float32 / nnfs.init().** Parameters are checked in float64 copies and
      ``nnfs.init()``'s float32 ``np.dot`` is undone during the check; if forward still
      returns float32, tolerances follow float32 and the report says so.
    - **Randomness.** A layer seen drawing from the global numpy/Python random state (or
      from generators it holds) gets it re-seeded before every forward call, so dropout
      draws one mask; the state is restored afterwards.
    - The layer and the caller's arrays are left exactly as they were, also on failure.

    Examples
    --------
    >>> from nnfs_core import Layer_Dense
    >>> import numpy as np
    >>> check_layer(Layer_Dense(4, 3), np.ones((2, 4))).ok
    True
    """
    __tracebackhide__ = True  # a failing check shows the verdict, not gradcheck's frames
    only = _renamed(only, params, "only", "params")
    _validate.protocol_object(layer, "layer")
    _validate.options(mode, step)
    packing = _validate.several_inputs(layer, inputs)
    if packing is not None:
        constants = {i for i, _, _ in packing.constants}  # (a mask: not differentiated)
        parts = [_validate.batch(a, f"inputs[{i}]").astype(np.float64)
                 for i, a in enumerate(inputs) if i not in constants]
        x = packing.pack(parts)
    else:
        x = _validate.batch(inputs, "inputs")
    report = Report(name=type(layer).__name__, kind=Kind.LAYER)
    given = None if dvalues is None else np.asarray(dvalues, dtype=np.float64)
    run = LayerRun(report, layer, x, mode=mode, step=step, seed=seed, dvalues=given,
                   training=training, params=only, packing=packing)

    def explained() -> None:
        if packing is None:
            ranges.explain(report, layer, x, training=training)

    # partial, not lambda: a failing check's traceback shows no frame of this module
    return with_output(partial(_executed, run, layer, raise_on_failure, explained), verbose=verbose)


def check_loss(
    loss: Any,
    y_pred: Any,
    y_true: Any,
    *,
    mode: str | None = None,
    step: float | None = None,
    seed: int | None = None,
    raise_on_failure: bool = True,
    verbose: bool = False,
    activation: Any = None,
) -> Report:
    """Check a loss's ``backward`` (or a fused softmax + loss) against finite differences.

    A plain loss's ``forward(y_pred, y_true)`` returns per-sample losses and
    ``backward(y_pred, y_true)`` must set ``dinputs`` to the gradient of their **mean**.
    A fused softmax + loss (recognised by ``forward`` returning a scalar and setting
    ``self.output``) takes logits: ``backward(self.output, y_true)`` must set ``dinputs``
    to the gradient of the returned mean loss with respect to the logits.

    A cost object (Nielsen's ``QuadraticCost``/``CrossEntropyCost``: ``fn(a, y)`` and
    ``delta(z, a, y)``, the class itself or an instance) is checked as its book uses it:
    ``delta(z, activation(z), y)`` against finite differences of
    ``fn(activation(z), y)`` with respect to ``z``; then ``y_pred`` is ``z``, the output
    layer's weighted input (a column per sample), and ``y_true`` the desired output ``y``
    of the same shape (:func:`gradcheck.cost_api.check_cost`; ``report.kind`` is
    ``"derivative"``).

    Parameters
    ----------
    loss : object
        The loss or fused softmax-loss object, or a cost object (class or instance).
    y_pred : array_like
        2-D predictions ``(samples, classes)``: probabilities for a cross-entropy loss,
        logits for a fused softmax-loss; ``z`` for a cost object.
    y_true : array_like
        Sparse labels ``(samples,)`` of ints in ``[0, classes)``, or one-hot labels /
        targets of ``y_pred``'s shape.
    mode, step, seed, raise_on_failure
        As in :func:`check_layer`. Steps for a plain loss are relative to ``|y_pred|``
        down to ``1e-3``, so that probabilities are never stepped below zero.
    verbose : bool, default False
        Print what the checked code printed or logged while it was checked (after the
        check). It is kept in ``report.output`` either way, out of the way; the report's
        ``repr`` counts its lines.
    activation : callable, optional
        A cost object's output activation, ``a = activation(z)`` (default: the sigmoid,
        as in the book). Only for cost objects.

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
    __tracebackhide__ = True
    if is_cost(loss):  # Nielsen's QuadraticCost / CrossEntropyCost: fn(a, y), delta(z, a, y)
        _validate.options(mode, step)
        return with_output(partial(check_cost, loss, y_pred, y_true, activation=activation,
                                   mode=mode, step=step, seed=seed,
                                   raise_on_failure=raise_on_failure), verbose=verbose)
    if activation is not None:
        raise TypeError("activation= is for cost objects (fn(a, y) and delta(z, a, y)); "
                        f"{type(loss).__name__} is not one")
    _validate.protocol_object(loss, "loss")
    _validate.options(mode, step)
    x = _validate.batch(y_pred, "y_pred", matrix=True).astype(np.float64)
    y = _validate.labels(y_true, x)
    report = Report(name=type(loss).__name__, kind=Kind.LOSS)
    run = LossRun(report, loss, x, y, mode=mode, step=step, seed=seed)
    explained = partial(ranges.explain, report, loss, x, y)
    return with_output(partial(_executed, run, loss, raise_on_failure, explained),
                       verbose=verbose)


def check_function(
    forward: Any,
    backward: Any,
    *args: Any,
    dvalues: Any = None,
    mode: str | None = None,
    step: float | None = None,
    seed: int | None = None,
    raise_on_failure: bool = True,
    verbose: bool = False,
    douts: Any = None,
    **kwargs: Any,
) -> Report:
    """Check a CS231n-style pair of functions with a cache against finite differences.

    ``forward(*args, **kwargs)`` returns ``(out, cache)`` or ``(out_1, ..., out_k,
    cache)``; ``backward(dout_1, ..., dout_k, cache)`` returns one gradient per float array
    among ``args``, in order (a tuple, or one array when there is one). The objective is
    ``sum_i sum(dout_i * out_i)``. With ``backward=None`` the function is a loss returning
    ``(loss, grad)``, ``(loss, grad_1, ...)`` or ``(loss, dict)``: each gradient is checked
    as the gradient of ``loss`` with respect to the float argument of its shape
    (``svm_loss_naive(W, X, y, reg) -> (loss, dW)``: ``dW`` against ``W``, not ``X``);
    among arguments of the same shape the returned name (``dW`` for ``W``, a dict's key)
    decides, then the first. A returned value of no argument's shape, or not named as a
    gradient (a hidden state ``h``), is set aside and noted. A function and its derivative
    (``mse``, ``mse_prime``) are refused with a pointer to :func:`check_derivative`.

    Parameters
    ----------
    forward : callable
        E.g. ``conv_forward_naive``; its name names the report.
    backward : callable or None
        E.g. ``conv_backward_naive``; None for a loss function (``softmax_loss``).
    *args
        Forward's positional arguments. Float arrays are differentiated (gradients are
        named after them: ``x`` -> ``dx``, ``gamma`` -> ``dgamma``); the rest (ints,
        dicts such as ``conv_param`` or ``bn_param``, integer or boolean arrays such as
        labels, word ids and masks) are settings.
    dvalues : array or sequence of arrays, optional
        The upstream gradients (CS231n's ``dout``), one per output; default: standard
        normal from ``seed``. The same name as in :func:`check_layer`.
    mode, step, seed, raise_on_failure
        As in :func:`check_layer`.
    verbose : bool, default False
        Print what the checked code printed or logged while it was checked (after the
        check). It is kept in ``report.output`` either way, out of the way; the report's
        ``repr`` counts its lines.
    douts : array or sequence of arrays, optional
        Deprecated spelling of ``dvalues``; warns ``DeprecationWarning``.
    **kwargs
        Further settings for forward.

    Returns
    -------
    Report
        ``report.kind == "function"``, one gradient result per float argument.

    Raises
    ------
    GradientError
        A gradient is wrong, missing, misshapen (``dgamma`` of shape ``(1, D)`` for a
        ``(D,)`` gamma) or not finite; forward wrote into an argument; backward wrote into
        an upstream gradient or into an array forward was given (held in the cache); or a
        function raised.
    TypeError, ValueError
        The arguments are unusable (message names the argument and the fix).

    Notes
    -----
    - Every call gets fresh copies of every argument: a ``bn_param`` that forward writes
      running statistics into, a ``dropout_param``, and the float arrays themselves, so a
      forward that shifts its input in place still gets the right numeric gradient (and is
      reported for the write).
    - Randomness: ``dropout_param["seed"]`` makes dropout deterministic; without it, the
      global numpy random state is pinned before every forward call (and restored).
    - Kinks, float32, fast mode and ``inconclusive`` work as in :func:`check_layer`.
      Outputs and gradients that are all zero verify nothing: ``inconclusive`` (a template
      returning zeros never passes).
    - A setting named like one of this function's options (``dvalues``, ``douts``,
      ``mode``, ``step``, ``seed``, ``raise_on_failure``) must be passed positionally.

    Examples
    --------
    >>> import numpy as np
    >>> def scale_forward(x, w):
    ...     return x * w, (x, w)
    >>> def scale_backward(dout, cache):
    ...     x, w = cache
    ...     return dout * w, (dout * x).sum(axis=0)
    >>> check_function(scale_forward, scale_backward, np.ones((2, 3)), np.arange(3.0)).ok
    True
    """
    __tracebackhide__ = True
    dvalues = _renamed(dvalues, douts, "dvalues", "douts")
    _validate.options(mode, step)
    values, given = prepare_arguments(forward, backward, args, dvalues)
    probed = io.StringIO()
    with captured(probed):  # reading the pair calls forward: what it prints is kept too
        pairs = cacheless.readings(forward, backward, values, dict(kwargs))
    if pairs:
        check = partial(_check_cacheless, pairs, (forward, backward), values, kwargs, given,
                        mode=mode, step=step, seed=seed, raise_on_failure=raise_on_failure)
        return with_output(partial(_prefixed, probed.getvalue(), check), verbose=verbose)
    subject = FunctionSubject(forward, backward, values, dict(kwargs))
    report = Report(name=subject.name, kind=Kind.FUNCTION)
    run = FunctionRun(report, subject, mode=mode, step=step, seed=seed, douts=given)
    return with_output(partial(_prefixed, probed.getvalue(),
                               partial(run.execute, raise_on_failure)), verbose=verbose)


def _prefixed(text: str, check: Callable[[], Report]) -> Report:
    """The check's report, with ``text`` (printed before the check) before its output."""
    __tracebackhide__ = True
    try:
        report = check()
    except GradientError as failure:
        failure.report.output = text + failure.report.output
        raise
    report.output = text + report.output
    return report


def _executed(run: LayerRun | LossRun, obj: Any, raise_on_failure: bool,
              explain: Callable[[], None]) -> Report:
    """The run's report, judged: a template, a range, a failure raised when asked.

    An unfinished template's report made ``unfinished``; a forward not finite on the
    caller's data explained as a range finding.
    """
    __tracebackhide__ = True
    report = run.execute(raise_on_failure=False)
    judge_template(report, obj)
    if report.status == FAILED:
        explain()
    if report.status in (FAILED, ERROR, UNFINISHED) and raise_on_failure:
        raise GradientError(report)
    return report


def _check_cacheless(pairs: list[cacheless.CachelessPair], sources: tuple[Any, Any],
                     values: tuple[Any, ...], kwargs: dict[str, Any], given: Any, *,
                     mode: str | None, step: float | None, seed: int | None,
                     raise_on_failure: bool) -> Report:
    """A pair without a cache, in the inputs reading, then (if that fails) the output one.

    The first reading that passes is the report (its note says which held); when none
    does, the inputs reading's report, noting that the output reading is wrong too.
    """
    __tracebackhide__ = True
    reports = []
    for pair in pairs:
        subject = FunctionSubject(pair.forward, pair.backward, values, dict(kwargs))
        subject.sources = list(sources)
        report = Report(name=subject.name, kind=Kind.FUNCTION)
        run = FunctionRun(report, subject, mode=mode, step=step, seed=seed, douts=given)
        report = run.execute(raise_on_failure=False)
        report.notes.insert(0, pair.note)
        reports.append(report)
        if report.status in (Status.PASSED, Status.ERROR, Status.UNFINISHED):
            break
    report = next((r for r in reports if r.status == Status.PASSED), reports[0])
    if report is reports[0] and len(reports) > 1:
        report.notes.insert(1, f"read with the output instead, it is wrong too: "
                               f"{reports[1].summary()}")
    if report.status in (Status.FAILED, Status.ERROR, Status.UNFINISHED) \
            and raise_on_failure:
        raise GradientError(report)
    return report


def _renamed(value: Any, old_value: Any, name: str, old: str) -> Any:
    """The value of an option given under its name or its deprecated old one (warned)."""
    if old_value is None:
        return value
    if value is not None:
        raise TypeError(f"{old} is the old name of {name}: give only {name}")
    warnings.warn(f"{old}= is deprecated: call it {name}= (the same value)",
                  DeprecationWarning, stacklevel=3)
    return old_value
