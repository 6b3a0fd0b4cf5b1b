"""The data a loss takes, found by probing it.

Its label kinds (sparse, one-hot, binary, continuous), its prediction domain
(probabilities, values in (0, 1), any real), whether one-hot labels agree with sparse
ones, whether large magnitudes are fed, and whether it is a fused loss (a scalar from
logits).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.engine import ranges
from gradcheck.errors import SkipError
from gradcheck.protocol.names import DINPUTS_NAMES
from gradcheck.protocol.roles import roles_of
from gradcheck.targets import shapes
from gradcheck.targets.branches import raised_in_label_branch
from gradcheck.targets.building import Constructor
from gradcheck.targets.classes import Found
from gradcheck.targets.loading import describe_exception
from gradcheck.targets.loading import quiet as _quiet
from gradcheck.targets.probe_calls import REJECTED, tries, user_call
from gradcheck.targets.specs import LABEL_KINDS, LABEL_TEXT, CheckSpec

__all__ = ["probe_loss"]


def _forward(obj: Any) -> Any:
    """The object's forward, whatever it is called (``forward``, ``__call__``, ...).

    Called as ``forward(y_pred, y_true)`` whatever order it takes them in.
    """
    roles = roles_of(obj)
    method = getattr(obj, roles.forward)
    return _LabelsFirst(method) if roles.labels_first else method


def _backward(obj: Any) -> Any:
    """The object's backward, called as ``backward(dvalues, y_true)`` whatever its order."""
    roles = roles_of(obj)
    method = getattr(obj, roles.backward)
    return _LabelsFirst(method) if roles.backward_labels_first else method


class _LabelsFirst:
    """A ``method(y_true, y_pred)`` called as ``(y_pred, y_true)`` (Keras' order).

    ``__wrapped__`` and ``labels_at`` let :func:`raised_in_label_branch` read the user's
    method, whose labels come first.
    """

    labels_at = 0

    def __init__(self, method: Any) -> None:
        self.method = self.__wrapped__ = method

    def __call__(self, y_pred: Any, y_true: Any, *args: Any, **kwargs: Any) -> Any:
        return self.method(y_true, y_pred, *args, **kwargs)


def _probe_labels(kind: str, n: int, c: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "sparse":
        return np.array([0, 2, 3][:n], dtype=np.int64)
    if kind == "one_hot":
        return np.eye(c, dtype=np.float64)[[1, 0, 3][:n]]
    if kind == "binary":
        return np.array([[1, 0, 1, 1], [0, 1, 1, 0], [0, 0, 1, 0]], dtype=np.float64)[:n, :c]
    return rng.uniform(0.05, 0.95, size=(n, c))


def _per_sample(result: Any, n: int, c: int | None = None) -> np.ndarray | None:
    """Per-sample losses ``(n,)``; per-element ones ``(n, c)`` as each sample's mean."""
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(values)):
        return None
    if values.shape in ((n,), (n, 1)):
        return values.reshape(n)
    if c is not None and values.shape == (n, c):
        return values.mean(axis=1)
    return None


@dataclass
class _Probe:
    """One loss being probed: the object, its probability rows and the probe's generator."""

    found: Found
    build: Constructor
    obj: Any
    rng: np.random.Generator
    probs: np.ndarray
    n: int = 3
    c: int = 4

    def labels(self, kind: str, c: int | None = None) -> np.ndarray:
        return _probe_labels(kind, self.n, self.c if c is None else c, self.rng)

    def spec(self, kind: str, labels: str, domain: str, **more: Any) -> CheckSpec:
        return CheckSpec(self.found, self.build, kind, labels=labels, domain=domain, **more)


def probe_loss(found: Found, build: Constructor, obj: Any,
               unchecked: list[str] | None = None) -> list[CheckSpec]:
    """The checks of a built loss: one per label kind it takes (failures included).

    Forward is called on probability rows with each label kind; what it returns decides
    the reading: a scalar (a fused loss, or a scalar loss of probabilities), per-sample
    losses of class labels (cross-entropy), or of other targets (binary, continuous).
    """
    n, c = 3, 4
    rng = np.random.default_rng(0)
    probe = _Probe(found, build, obj, rng, rng.dirichlet(np.ones(c), size=n) * 0.9 + 0.1 / c)
    accepted: dict[str, Any] = {}
    for kind in LABEL_KINDS:
        accepted[kind] = tries(_forward(obj), probe.probs.copy(), probe.labels(kind))
    scalars = {k for k, v in accepted.items() if v is not None and np.ndim(v) == 0
               and math.isfinite(float(v))}
    per_sample = {k for k, v in accepted.items() if v is not None and _per_sample(v, n, c)
                  is not None}
    if found.kind == "fused" or (scalars and not per_sample):
        return _scalar_specs(probe, scalars)
    if not per_sample:
        # Nothing accepted: show the user's error for the most common label kind.
        user_call(f"{found.name}.forward(y_pred, y_true)", _forward(obj), probe.probs.copy(),
                  probe.labels("sparse"))
        raise SkipError("forward returned no per-sample losses (shape (N,)) for any label kind")
    return _class_label_specs(probe, per_sample, unchecked) or _target_specs(probe, per_sample)


def _scalar_specs(probe: _Probe, scalars: set[str]) -> list[CheckSpec]:
    """A loss returning one number: fused (of logits), or a scalar loss of probabilities."""
    found, obj, n, c = probe.found, probe.obj, probe.n, probe.c
    kinds: list[str] = [k for k in ("sparse", "one_hot") if k in scalars]
    if not kinds and "binary" in scalars:
        kinds = ["binary"]  # e.g. sigmoid + binary cross-entropy, fused
    if not kinds and "continuous" in scalars:
        kinds = ["continuous"]  # soft targets only: a KL divergence's p_true, say
    if not kinds:
        user_call(f"{found.name}.forward(logits, sparse labels)", _forward(obj),
                  probe.probs.copy(), probe.labels("sparse"))
        raise SkipError("forward returned no finite scalar loss for sparse or one-hot labels")
    if found.kind != "fused" and "continuous" in scalars and _regression(obj, n, c):
        # a mean squared (absolute, Huber) error returning the mean: a loss of continuous
        # targets, checked as one (its scalar forward is the objective), not a fused loss
        return [probe.spec("loss", "continuous", "real")]
    if found.kind != "fused" and not _finite_on_logits(obj, n, c, kinds[0], probe.rng):
        # a scalar cross-entropy of probabilities (the mean of -log p): not fused, its
        # predictions are probability rows, as a per-sample loss's are
        return [probe.spec("loss", k, "probabilities") for k in kinds]
    if kinds == ["one_hot"] and "binary" in scalars and not _softmax_like(obj, n, c):
        # sigmoid + binary cross-entropy, fused: several labels per row. A softmax one
        # stays on one-hot rows, where its (softmax - y) gradient holds (a row of zeros or
        # two ones is no label of it), as does a loss of probabilities above
        kinds = ["binary"]
    one_column = _one_column_only(obj, probe.probs, probe.labels(kinds[0]))
    if one_column:
        specs = [probe.spec("fused", "binary", "real", input_width=1)]
    else:
        specs = [probe.spec("fused", k, "real") for k in kinds]
    finding = _range_finding(obj, (n, 1) if one_column else (n, c),
                             probe.labels(specs[0].labels or "sparse", 1 if one_column else c),
                             "logits")
    for spec in specs:
        spec.range_finding = finding
    if one_column:
        return specs
    return specs + _failing_branches(found, probe.build, obj, probe.probs, set(kinds), "fused",
                                     "real")


def _class_label_specs(probe: _Probe, per_sample: set[str],
                       unchecked: list[str] | None) -> list[CheckSpec]:
    """Per-sample losses of class labels (cross-entropy), or ``[]`` for other targets."""
    found, obj = probe.found, probe.obj
    if "sparse" not in per_sample and "one_hot" in per_sample:
        broken = _failing_branches(found, probe.build, obj, probe.probs, {"one_hot"}, "loss",
                                   "probabilities")
        if broken:  # a sparse branch that raises: a cross-entropy with a bug there
            return [probe.spec("loss", "one_hot", "probabilities"), *broken]
    if "sparse" in per_sample or ("one_hot" in per_sample and "binary" not in per_sample):
        kinds = [k for k in ("sparse", "one_hot") if k in per_sample]
        specs = [probe.spec("loss", k, "probabilities") for k in kinds]
        if "sparse" in per_sample:
            specs += _one_hot_agrees(found, probe.build, obj, probe.probs, probe.n, probe.c,
                                     specs, unchecked)
        return specs
    return []


def _target_specs(probe: _Probe, per_sample: set[str]) -> list[CheckSpec]:
    """Per-sample losses of binary or continuous targets, on (0, 1) or on real values."""
    obj, n, c, rng = probe.obj, probe.n, probe.c, probe.rng
    domain = _domain(obj, n, c, rng)
    kinds: list[str] = [k for k in ("binary", "continuous") if k in per_sample] or ["one_hot"]
    large = shapes.LARGE_MAGNITUDE if domain == "real" and _takes_large_predictions(
        obj, n, c, rng) else None
    finding = None
    if domain == "real" and large is None:
        finding = _range_finding(obj, (n, c), probe.labels(kinds[0]), "predictions")
    return [probe.spec("loss", k, domain, max_magnitude=large, range_finding=finding)
            for k in kinds]


def _range_finding(obj: Any, shape: tuple[int, int], labels: np.ndarray,
                   inputs: str) -> str | None:
    """A loss on real values that stops being finite only at large magnitudes.

    Its values are scaled to a largest ``|x|`` of ``m`` (the labels kept); a finding when
    the loss (and a fused loss's ``self.output``, its probabilities) is finite up to some
    ``m`` between 10 and 1e3, not beyond, and grows no faster
    than its inputs up to there (a cross-entropy on unshifted logits, ``log(1 +
    exp(-z))``, ``log(cosh(e))``): its true value is finite where an intermediate
    overflows. An exponential loss, huge there by right, is not one.
    """
    n = shape[0]
    base = np.random.default_rng(7).normal(size=shape)
    base /= float(np.max(np.abs(base)))

    def value_at(magnitude: float) -> float | None:
        value = tries(_forward(obj), base * magnitude, labels.copy())
        held = getattr(obj, "output", None)  # a fused loss's probabilities, kept
        if value is None or (isinstance(held, np.ndarray) and held.shape == shape
                             and held.dtype.kind in "fc" and not np.all(np.isfinite(held))):
            return None
        values = np.asarray(value, dtype=np.float64) if np.ndim(value) else None
        total = float(np.mean(values)) if values is not None else _scalar(value)
        if values is not None and values.shape not in ((n,), (n, 1), shape):
            return None
        return total if total is not None and math.isfinite(total) else None

    threshold = ranges.threshold(lambda m: value_at(m) is not None,
                                 high=shapes.LARGE_MAGNITUDE)
    if threshold is None or not ranges.grows_linearly(value_at, threshold):
        return None
    return ranges.finding(
        threshold, inputs=inputs, why=f"the loss grows no faster than its {inputs}",
        fix=ranges.LOSS_FIX)


def _scalar(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _one_hot_agrees(found: Found, build: Constructor, obj: Any, probs: np.ndarray, n: int,
                    c: int, specs: list[CheckSpec], unchecked: list[str] | None
                    ) -> list[CheckSpec]:
    """Check that one-hot labels give the losses the same sparse labels give.

    A loss that accepts sparse labels takes one-hot ones too (the NNFS protocol): a
    one-hot path that mis-shapes, gives other values or non-finite ones is a failure of
    that kind, never a silent narrowing to sparse labels; one that raises is reported as
    not checked.
    """
    sparse = np.array([0, 2, 3][:n], dtype=np.int64)
    reference = _per_sample(tries(_forward(obj), probs.copy(), sparse), n)
    if reference is None:
        return []
    try:
        with _quiet(io.StringIO()):
            result = _forward(obj)(probs.copy(), np.eye(c, dtype=np.float64)[sparse])
    except Exception as exc:  # noqa: BLE001 - the user's code, reported
        specs[:] = [s for s in specs if s.labels != "one_hot"]
        line = raised_in_label_branch(_forward(obj), exc)
        if line is not None:
            # a branch for one-hot labels that raises: a bug of that branch (a typo)
            return [CheckSpec(found, build, "loss", labels="one_hot", domain="probabilities",
                              failure=_branch_failure("one-hot", exc, line))]
        categorical = _categorical(found.cls)
        backward = "unknown" if _sparse_by_name(found.cls) else _backward_one_hot(
            obj, probs, sparse, c)
        if backward == "both":
            # observed: backward gives one-hot labels the gradient it gives the same labels
            # sparse, so the class takes both kinds; a forward raising on them is a bug of
            # this class, not a narrowing, whatever the class is called
            return [CheckSpec(found, build, "loss", labels="one_hot", domain="probabilities",
                              failure=_one_hot_failure(exc, categorical))]
        if unchecked is not None:
            why = ""
            if categorical:
                why = (" (this categorical cross-entropy handles sparse labels only, in "
                       "forward and backward: the book's takes both)")
            elif _sparse_by_name(found.cls):
                why = " (sparse labels by its name)"
            elif backward == "sparse":
                why = " (its backward takes sparse labels only too: a loss of sparse labels)"
            unchecked.append(f"one-hot labels: forward raised {describe_exception(exc)}{why}")
        return []
    values = _per_sample(result, n)
    shape = np.shape(result)
    if values is None:
        problem = (f"forward with one-hot labels returned shape {shape}, not per-sample "
                   f"losses of shape ({n},) as with sparse labels")
    elif not np.allclose(values, reference, rtol=1e-6, atol=1e-9):
        problem = ("forward with one-hot labels gives other losses than with the same labels "
                   f"sparse: {np.round(values, 6).tolist()} vs "
                   f"{np.round(reference, 6).tolist()}")
    else:
        return []
    specs[:] = [s for s in specs if s.labels != "one_hot"]
    return [CheckSpec(found, build, "loss", labels="one_hot", domain="probabilities",
                      failure=problem)]


def _categorical(cls: type) -> bool:
    """Whether the class, or a class it derives from, is named a categorical cross-entropy.

    ``Loss_CategoricalCrossentropy``, ``CategoricalCrossEntropy``: only the words of the
    report depend on it (the family takes sparse and one-hot labels, as the book's class
    does); whether one-hot labels are failed is observed (:func:`_backward_one_hot`).
    Not ``SparseCategoricalCrossentropy``. A class named otherwise is read by the classes
    it derives from.
    """
    for klass in cls.__mro__:  # (the most derived name that says cross-entropy decides)
        name = klass.__name__.lower().replace("_", "")
        if "crossentropy" in name:
            return "categorical" in name and "sparsecategorical" not in name
    return False


def _sparse_by_name(cls: type) -> bool:
    """Whether the class declares sparse labels by its own name (``SparseCategorical...``).

    Keras's spelling: a class named so takes integer labels by contract, even when the
    backward it derives handles one-hot labels too. The one name that narrows; names never
    widen what a class is checked on.
    """
    return "sparse" in cls.__name__.lower()


def _one_hot_failure(exc: BaseException, categorical: bool,
                     fix: str = "np.sum(y_pred * y_true, axis=1)") -> str:
    """The failure of a forward that raises on one-hot labels its backward handles."""
    why = ("a categorical cross-entropy takes sparse and one-hot labels (the book's has a "
           "branch for each)") if categorical else (
        "it gives them the gradient it gives the same labels sparse, so the class takes "
        "both kinds")
    needs = "needs one for one-hot labels too" if categorical else \
        "must take one-hot labels too"
    return (f"forward raised {describe_exception(exc)} on one-hot labels, which its "
            f"backward handles: {why}; forward {needs} ({fix})")


def _backward_one_hot(obj: Any, probs: np.ndarray, sparse: np.ndarray, c: int) -> str:
    """What backward does with one-hot labels: ``"both"``, ``"sparse"`` or ``"unknown"``.

    Observed, whatever the class is called: backward (after a forward on the sparse
    labels, for a backward that reads forward's caches) with the sparse labels and with
    the same labels one-hot. ``"both"``: the same gradient for both; ``"sparse"``: it
    raises on one-hot labels, or gives them another gradient; ``"unknown"``: no gradient
    from sparse labels, or one that does not depend on the labels it is given (a backward
    reading labels forward kept says nothing about the labels it takes).
    """
    def gradient(labels: np.ndarray) -> np.ndarray | None:
        tries(_forward(obj), probs.copy(), sparse.copy())
        return _backward_gradient(obj, probs, labels)

    by_sparse = gradient(sparse)
    other = gradient((sparse + 1) % c)  # other labels: the gradient must move with them
    if by_sparse is None or other is None or np.allclose(other, by_sparse):
        return "unknown"
    by_one_hot = gradient(np.eye(c, dtype=np.float64)[sparse])
    if by_one_hot is None or by_sparse.shape != by_one_hot.shape \
            or not np.allclose(by_sparse, by_one_hot):
        return "sparse"
    return "both"


def _backward_gradient(obj: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """The gradient ``backward(x, y)`` sets (``dinputs`` or a spelling) or returns.

    ``None`` when backward raises (what an earlier call left in ``dinputs`` is not its).
    """
    returned = tries(_backward(obj), np.array(x, dtype=np.float64), y.copy(),
                     rejected=REJECTED)
    if returned is REJECTED:
        return None
    for name in DINPUTS_NAMES:
        value = getattr(obj, name, None)
        if isinstance(value, np.ndarray) and value.shape == x.shape:
            return np.array(value, dtype=np.float64)
    if isinstance(returned, np.ndarray) and returned.shape == x.shape:
        return np.array(returned, dtype=np.float64)
    return None


def _one_column_only(obj: Any, logits: np.ndarray, labels: np.ndarray) -> bool:
    """A fused loss whose gradient is right on one output column only.

    A sigmoid + binary cross-entropy that reshapes its labels to ``(-1, 1)`` takes
    ``(N, C)`` logits without complaint and gives a gradient ``C`` times too large there:
    it supports one output column, and is checked on ``(N, 1)`` logits.
    """
    wide = _gradient_agrees(obj, logits, labels)
    if wide is None or wide:
        return False
    n = logits.shape[0]
    column = logits[:, :1].copy()
    targets = np.array([1.0, 0.0, 1.0, 0.0, 1.0][:n]).reshape(n, 1)
    return bool(_gradient_agrees(obj, column, targets))


def _gradient_agrees(obj: Any, x: np.ndarray, y: np.ndarray) -> bool | None:
    """Whether backward's gradient agrees with forward's slope along one direction."""
    direction = np.random.default_rng(11).normal(size=x.shape)
    h = 1e-5
    up = tries(_forward(obj), x + h * direction, y.copy())
    down = tries(_forward(obj), x - h * direction, y.copy())
    here = tries(_forward(obj), x.copy(), y.copy())
    if any(v is None or np.size(v) != 1 or not np.all(np.isfinite(v))
           for v in (up, down, here)):
        return None
    held = getattr(obj, "output", None)
    dvalues = held if isinstance(held, np.ndarray) and held.shape == x.shape else x
    gradient = _backward_gradient(obj, dvalues, y)
    if gradient is None:
        return None
    slope = (float(np.sum(up)) - float(np.sum(down))) / (2 * h)
    projected = float(np.vdot(gradient, direction))
    return abs(projected - slope) <= 1e-4 * (abs(slope) + abs(projected)) + 1e-9


def _branch_failure(kind: str, exc: BaseException, line: int) -> str:
    del line  # (describe_exception names the file and line)
    return (f"forward raised {describe_exception(exc)} on {kind} labels, inside its own "
            f"branch for them (an `if` on the labels' shape): that branch has a bug")


def _failing_branches(found: Found, build: Constructor, obj: Any, probs: np.ndarray,
                      taken: set[str], kind: str, domain: str) -> list[CheckSpec]:
    """Sparse or one-hot labels the code has a branch for, that raise: failed checks.

    One-hot labels beside sparse ones are failed too when forward raises on them outside
    any branch but backward gives them the gradient it gives the same labels sparse
    (:func:`_backward_one_hot`): the class takes both kinds (a fused loss, whatever it is
    called).
    """
    n, c = probs.shape
    out = []
    for labels in ("sparse", "one_hot"):
        if labels in taken or not taken & {"sparse", "one_hot"}:
            continue
        y = _probe_labels(labels, n, c, np.random.default_rng(0))
        try:
            with _quiet(io.StringIO()):
                _forward(obj)(probs.copy(), y)
        except Exception as exc:  # noqa: BLE001 - the user's code, reported
            line = raised_in_label_branch(_forward(obj), exc)
            if line is not None:
                text = LABEL_TEXT[labels].replace(" labels", "")
                out.append(CheckSpec(found, build, kind, labels=labels, domain=domain,
                                     failure=_branch_failure(text, exc, line)))
            elif labels == "one_hot" and "sparse" in taken and not _sparse_by_name(
                    found.cls) and _backward_one_hot(
                    obj, probs, _probe_labels("sparse", n, c, np.random.default_rng(0)),
                    c) == "both":
                out.append(CheckSpec(found, build, kind, labels=labels, domain=domain,
                                     failure=_one_hot_failure(
                                         exc, _categorical(found.cls),
                                         "y_true = np.argmax(y_true, axis=1) when it is 2-D")))
    return out


def _takes_large_predictions(obj: Any, n: int, c: int, rng: np.random.Generator) -> bool:
    """Whether a real-valued loss stays finite on predictions and targets near ``1e3``.

    Regression losses (squared, absolute, log-cosh errors) are fed such examples too, where
    overflow-only bugs live; a loss that overflows there legitimately (``exp`` of the
    error) is only fed moderate values. Losses over probabilities or ``(0, 1)`` are never
    fed them: their predictions are bounded.
    """
    big = shapes.LARGE_MAGNITUDE
    y_pred = rng.uniform(-big, big, size=(n, c))
    y_true = rng.uniform(-big, big, size=(n, c))
    return _per_sample(tries(_forward(obj), y_pred, y_true), n, c) is not None


def _regression(obj: Any, n: int, c: int) -> bool:
    """Whether a scalar loss vanishes where the predictions equal their real targets.

    A squared, absolute or Huber error does, and grows away from there; a (fused)
    cross-entropy does not, and a loss of probabilities is not finite at negative targets.
    """
    targets = np.random.default_rng(11).normal(size=(n, c))
    with np.errstate(all="ignore"):
        at = _scalar(tries(_forward(obj), targets.copy(), targets.copy()))
        off = _scalar(tries(_forward(obj), targets + 0.5, targets.copy()))
    return at is not None and off is not None and abs(at) <= 1e-12 < off


def _softmax_like(obj: Any, n: int, c: int) -> bool:
    """Whether a scalar loss of logits is unchanged by a constant added to a row's logits.

    A softmax cross-entropy is; a sigmoid one is not.
    """
    logits = np.random.default_rng(9).normal(size=(n, c))
    labels = _probe_labels("one_hot", n, c, np.random.default_rng(0))
    with np.errstate(all="ignore"):
        before = tries(_forward(obj), logits.copy(), labels.copy())
        after = tries(_forward(obj), logits + 1.5, labels.copy())
    try:
        return bool(np.isclose(float(before), float(after), rtol=1e-9, atol=1e-12))
    except (TypeError, ValueError):
        return False


def _finite_on_logits(obj: Any, n: int, c: int, kind: str, rng: np.random.Generator
                      ) -> bool:
    """Whether a scalar loss is finite on real predictions (logits, negatives included).

    A fused softmax + cross-entropy takes any logits; a cross-entropy of probabilities
    (``-mean(log p)``) gives NaN on a negative one and is read as a loss of probabilities.
    """
    logits = np.random.default_rng(7).normal(size=(n, c)) * 2.0
    logits[:, 0] = -np.abs(logits[:, 0]) - 0.5  # a negative prediction on every row
    with np.errstate(all="ignore"):
        value = tries(_forward(obj), logits, _probe_labels(kind, n, c, rng))
    try:
        return value is not None and np.ndim(value) == 0 and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _domain(obj: Any, n: int, c: int, rng: np.random.Generator) -> str:
    """``"real"`` if the loss responds to predictions outside [0, 1], else ``"unit"``."""
    sign = np.where(rng.uniform(size=(n, c)) < 0.5, -1.0, 1.0)
    outside = sign * rng.uniform(1.5, 3.0, size=(n, c))
    targets = rng.uniform(-1.0, 2.0, size=(n, c))
    before = _per_sample(tries(_forward(obj), outside.copy(), targets.copy()), n, c)
    after = _per_sample(tries(_forward(obj), outside + 0.05 * sign, targets.copy()), n, c)
    if before is None or after is None or np.array_equal(before, after):
        return "unit"
    return "real"
