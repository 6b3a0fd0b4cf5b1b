"""Run the planned checks on Hypothesis-generated data and collect one result per class.

Each :class:`~gradcheck.targets.discovery.CheckSpec` becomes a Hypothesis property run
programmatically (``max_examples`` examples, a fixed seed, no database): every example
builds the class, draws its parameters and data from :mod:`gradcheck.strategies`, and
runs :func:`gradcheck.check_layer` or :func:`gradcheck.check_loss` with
``raise_on_failure=False``. A failed or errored report is raised back into Hypothesis so
that it shrinks to a minimal example (within a budget), and the shrunk report is kept.

Hypothesis and the engine are imported lazily, when a check runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.errors import CheckAbortedError as _FailureError
from gradcheck.report import ERROR, FAILED, INCONCLUSIVE, PASSED, SKIPPED, UNFINISHED
from gradcheck.targets.discovery import CheckSpec, Planned, prepare, wrap_backward_only

__all__ = [
    "Case",
    "CheckResult",
    "ClassResult",
    "DEFAULT_EXAMPLES",
    "DEFAULT_SEED",
    "FUSED_MAX_LOGIT",
    "MAX_CLASSES",
    "MAX_FEATURES",
    "MAX_SAMPLES",
    "MIN_PROBABILITY",
    "SHRINK_CALLS",
    "draw_case",
    "load_engine",
    "run_check",
    "run_class",
    "checker_raised",
    "run_engine",
]

# Worst first: the status of a class is the worst status of its checks.
_RANK = {ERROR: 0, FAILED: 1, UNFINISHED: 2, INCONCLUSIVE: 3, PASSED: 4, SKIPPED: 5}

DEFAULT_EXAMPLES = 20
DEFAULT_SEED = 0
MAX_SAMPLES = 6
MAX_FEATURES = 6
MAX_CLASSES = 6
# Shrinking budget once a failure is found: enough to reach a small example, bounded so
# that a failing class costs seconds, not minutes. Counted in examples, never in seconds:
# the same target and seed shrink to the same example on a fast or a slow machine.
SHRINK_CALLS = 150
# Probabilities fed to cross-entropy-like losses stay this far from 0 (and the clip).
MIN_PROBABILITY = 1e-3
# Fused softmax + loss logits: |logit| <= 5 keeps every softmax probability above the
# book's 1e-7 clip for up to 10 classes, where the forward is flat.
FUSED_MAX_LOGIT = 5.0
# Real predictions and targets of regression losses: |x| <= 10, now and then scaled up to
# the check's max_magnitude (1e3).
_REAL_MAGNITUDE = 10.0


@dataclass
class Case:
    """One generated example: the built object and the arrays fed to it."""

    obj: Any
    arrays: dict[str, np.ndarray]
    sizes: dict[str, int]
    seed: int

    def describe(self) -> str:
        """Shapes and sizes, e.g. ``inputs (2, 3); n_inputs=3, n_neurons=1``."""
        parts = [f"{k} {tuple(v.shape)}" for k, v in self.arrays.items()]
        if self.sizes:
            parts.append(", ".join(f"{k}={v}" for k, v in self.sizes.items()))
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able example: sizes, seed, and arrays (values when small, else shapes)."""
        out: dict[str, Any] = {"sizes": dict(self.sizes), "seed": self.seed}
        for name, value in self.arrays.items():
            out[name] = value.tolist() if value.size <= 64 else {"shape": list(value.shape)}
        params = {}
        for name, value in getattr(self.obj, "__dict__", {}).items():
            if isinstance(value, np.ndarray) and value.size <= 64 and name in _PARAM_NAMES:
                params[name] = value.tolist()
        if params:
            out["parameters"] = params
        return out


_PARAM_NAMES = {"weights", "biases"}


@dataclass
class CheckResult:
    """The outcome of one check (one class, one variant) over all its examples."""

    spec: CheckSpec
    status: str
    message: str
    report: Any = None  # gradcheck.Report: the shrunk failure, or the closest call
    examples: int = 0
    passed: int = 0
    inconclusive: int = 0
    seconds: float = 0.0
    example: Case | None = None
    first: Case | None = None
    evidence: Any = None  # the report of the largest failing example (for pictures)
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Worst error over its tolerance (NaN when unknown)."""
        worst = getattr(self.report, "worst", None)
        if worst is None or not worst.tolerance or math.isnan(worst.tolerance):
            return float("nan")
        return float(worst.error / worst.tolerance)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able representation."""
        report = self.report
        out: dict[str, Any] = {
            "variant": self.spec.variant,
            "status": self.status,
            "message": self.message,
            "constructor": {**self.spec.build.shown},
            "labels": self.spec.labels,
            "y_pred_domain": self.spec.domain if self.spec.kind != "layer" else None,
            "training": self.spec.training,
            "examples": self.examples,
            "examples_passed": self.passed,
            "examples_inconclusive": self.inconclusive,
            "seconds": round(self.seconds, 4),
            "gradients": [g.to_dict() for g in report.gradients] if report is not None else [],
            "problems": list(report.problems) if report is not None else [],
            "notes": list(dict.fromkeys([*self.notes, *(report.notes if report else [])])),
            "mode": getattr(report, "mode", None),
            "dtype": getattr(report, "dtype", None),
        }
        if self.example is not None:
            out["example"] = self.example.to_dict()
        return out


@dataclass
class ClassResult:
    """Everything found about one class: its checks, or why it was skipped."""

    name: str
    kind: str
    module: str
    status: str
    message: str
    checks: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    unchecked: list[str] = field(default_factory=list)

    @property
    def worst_check(self) -> CheckResult | None:
        """The check that decides the class's status."""
        if not self.checks:
            return None
        return min(self.checks, key=lambda c: (_RANK[c.status], -_nan_low(c.ratio)))

    def to_dict(self, target: str) -> dict[str, Any]:
        """JSON-able representation (the CLI's ``--json`` result entry)."""
        worst = self.worst_check
        return {
            "name": self.name,
            "kind": self.kind,
            # The contract's statuses: a class that finite differences could not decide on
            # any example was not verified, so it is reported as skipped (and flagged).
            "status": SKIPPED if self.status == INCONCLUSIVE else self.status,
            "inconclusive": self.status == INCONCLUSIVE,
            "message": self.message,
            "module": self.module,
            "target": target,
            "seconds": round(self.seconds, 4),
            "examples": sum(c.examples for c in self.checks),
            "gradients": worst.to_dict()["gradients"] if worst is not None else [],
            "notes": list(self.notes),
            "unchecked": list(self.unchecked),
            "checks": [c.to_dict() for c in self.checks],
        }


def _nan_low(value: float) -> float:
    return -1.0 if math.isnan(value) else value


# ----------------------------------------------------------------------------- running
def load_engine() -> None:
    """Import Hypothesis and the engine now, so that no class's time limit pays for it."""
    import hypothesis  # noqa: F401
    import hypothesis.extra.numpy  # noqa: F401

    import gradcheck.api  # noqa: F401
    import gradcheck.strategies  # noqa: F401


def run_class(planned: Planned, *, examples: int = DEFAULT_EXAMPLES, seed: int = DEFAULT_SEED,
              on_check: Callable[[CheckSpec], None] | None = None) -> ClassResult:
    """Run every check planned for one class.

    Parameters
    ----------
    planned : Planned
        From :func:`gradcheck.targets.discovery.plan_checks`.
    examples : int
        Hypothesis examples per check.
    seed : int
        Hypothesis seed: the same seed gives the same examples.
    on_check : callable, optional
        Called with each spec before it runs (progress display).

    Returns
    -------
    ClassResult
    """
    found = planned.found
    kind = planned.specs[0].kind if planned.specs else found.kind
    if planned.status != "check":
        status = SKIPPED if planned.status == "skip" else ERROR
        return ClassResult(found.name, kind, found.module, status, planned.reason,
                           notes=list(planned.notes), unchecked=list(planned.unchecked))
    start = time.perf_counter()
    checks = []
    for spec in planned.specs:
        if on_check is not None:
            on_check(spec)
        result = run_check(spec, examples=examples, seed=seed)
        result.notes = list(dict.fromkeys([*planned.notes, *result.notes]))
        checks.append(result)
    status = min((c.status for c in checks), key=_RANK.__getitem__)
    worst = min(checks, key=lambda c: (_RANK[c.status], -_nan_low(c.ratio)))
    message = worst.message
    if len(checks) > 1 and status != PASSED:
        message = f"[{worst.spec.variant}] {message}"
    return ClassResult(found.name, kind, found.module, status, message, checks,
                       list(planned.notes), time.perf_counter() - start,
                       list(planned.unchecked))


@dataclass
class _Verdict:
    status: str
    message: str
    report: Any
    case: Case | None


def run_check(spec: CheckSpec, *, examples: int = DEFAULT_EXAMPLES,
              seed: int = DEFAULT_SEED) -> CheckResult:
    """Run one check over ``examples`` generated examples; shrink a failure.

    Parameters
    ----------
    spec : CheckSpec
        What to build and which data to feed it.
    examples : int
        Number of Hypothesis examples.
    seed : int
        Hypothesis seed.

    Returns
    -------
    CheckResult
        ``failed``/``error`` with the shrunk report, ``passed`` when at least one example
        passed and none failed, ``inconclusive`` when no example could be decided.
    """
    if spec.failure is not None:
        return CheckResult(spec, FAILED, spec.failure)
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    state = _State()
    start = time.perf_counter()

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        print_blob=False,
    )
    @given(data=st.data())
    def prop(data: Any) -> None:
        state.example(spec, data)

    try:
        with _quiet():
            prop()
    except _FailureError as failure:
        verdict = failure.result
    except Exception as exc:  # noqa: BLE001 - Flaky, or a bug in the checker itself
        from gradcheck.engine.blame import checker_bug

        verdict = state.first_failure or _Verdict(
            ERROR, checker_bug(exc) or f"the checker itself raised {type(exc).__name__}: {exc}",
            None, None)
    else:
        verdict = None
    seconds = time.perf_counter() - start
    result = CheckResult(spec, PASSED, "", examples=state.count, passed=state.passed,
                         inconclusive=state.inconclusive, seconds=seconds, first=state.first)
    if verdict is not None:
        result.status, result.report, result.example = verdict.status, verdict.report, \
            verdict.case
        result.evidence = _largest_report(verdict, list(state.failures.values()))
        shape = f" (minimal example: {verdict.case.describe()})" if verdict.case else ""
        if _diagnose(spec, verdict, list(state.failures.values())):
            verdict.message = _report_message(verdict.report)
        result.message = verdict.message + shape
    elif state.passed == 0:
        result.status, result.report = INCONCLUSIVE, state.closest
        result.message = (
            f"inconclusive on all {state.count} examples: finite differences could not "
            "decide" + (f" ({state.closest.summary()})" if state.closest is not None else "")
        )
    else:
        result.report = state.closest
        result.message = _passed_message(state)
    return result


def _largest_report(shrunk: _Verdict, failures: list[_Verdict]) -> Any:
    """The report of the largest failing example met (what a picture of the bug shows)."""
    same = [v for v in failures if v.report is not None and v.status == shrunk.status]
    if not same:
        return shrunk.report
    return max(same, key=lambda v: sum(int(np.size(a)) for a in v.case.arrays.values())
               if v.case else 0).report


def _undiagnosed(verdict: _Verdict) -> bool:
    """Whether a failed gradient of the verdict's report has no diagnosis."""
    report = verdict.report
    return report is not None and any(
        g.status == FAILED and not g.diagnosis for g in report.gradients
    )


def _diagnose(spec: CheckSpec, verdict: _Verdict, failures: list[_Verdict]) -> bool:
    """Give the shrunk failure a diagnosis from a larger example; whether one was added.

    A layer takes the diagnosis of the largest failing example met, else of a rerun on
    random rows. A loss (or fused loss) first takes that of a rerun on random predictions
    and targets of its kinds: Hypothesis's favourite values (ties, equal rows, bounds) make
    a pattern such as "wrong where positive" describe what is really a flipped sign, and
    distinct random values tell them apart. A rerun that passes gives nothing.
    """
    if spec.kind in ("loss", "fused"):
        return _diagnose_from(verdict, _wider(spec, verdict)) or \
            _diagnose_from(verdict, failures)
    return _diagnose_from(verdict, failures) or (
        _undiagnosed(verdict) and _diagnose_from(verdict, _wider(spec, verdict)))


def _wider(spec: CheckSpec, shrunk: _Verdict) -> list[_Verdict]:
    """The shrunk failure run again on 4+ random rows: evidence for a diagnosis."""
    case = shrunk.case
    if case is None:
        return []
    rng = np.random.default_rng(case.seed)
    if spec.kind in ("loss", "fused") and "y_pred" in case.arrays:
        arrays = _random_loss_arrays(spec, case.arrays, rng)
        if arrays is None:
            return []
        wider = Case(case.obj, arrays, case.sizes, case.seed)
    elif spec.kind == "layer" and "inputs" in case.arrays and case.arrays["inputs"].ndim >= 2:
        x = case.arrays["inputs"]
        rows = rng.standard_normal((max(4, x.shape[0]), *x.shape[1:]))
        wider = Case(case.obj, {"inputs": rows}, case.sizes, case.seed)
    else:
        return []
    report, problem = run_engine(spec, wider)
    if problem is not None or report is None or report.status != FAILED:
        return []
    return [_Verdict(FAILED, "", report, wider)]


def _random_loss_arrays(spec: CheckSpec, arrays: dict[str, np.ndarray],
                        rng: np.random.Generator) -> dict[str, np.ndarray] | None:
    """Random ``y_pred`` and ``y_true`` of the check's domain and label kind, 4+ rows."""
    y_pred = arrays["y_pred"]
    if y_pred.ndim != 2:
        return None
    n, c = max(4, y_pred.shape[0]), y_pred.shape[1]
    if spec.kind == "fused":
        pred = np.clip(rng.standard_normal((n, c)) * 2.0, -FUSED_MAX_LOGIT, FUSED_MAX_LOGIT)
    elif spec.domain == "probabilities":
        pred = rng.dirichlet(np.ones(c), size=n) * (1.0 - c * MIN_PROBABILITY) + MIN_PROBABILITY
    elif spec.domain == "unit":
        pred = 1.0 / (1.0 + np.exp(-rng.uniform(-3.0, 3.0, size=(n, c))))
    else:
        pred = rng.standard_normal((n, c))
    ids = rng.integers(0, c, size=n)
    if spec.labels == "sparse":
        true: np.ndarray = ids
    elif spec.labels == "one_hot":
        true = np.eye(c)[ids]
    elif spec.labels == "binary":
        true = rng.integers(0, 2, size=(n, c)).astype(np.float64)
    elif spec.domain == "real":
        true = rng.standard_normal((n, c))
    else:
        true = rng.uniform(0.0, 1.0, size=(n, c))
    if true.shape[1:] != arrays["y_true"].shape[1:]:
        return None  # targets of another shape than drawn: nothing to compare with
    return {"y_pred": pred, "y_true": true.astype(arrays["y_true"].dtype)}


def _diagnose_from(shrunk: _Verdict, failures: list[_Verdict]) -> bool:
    """Give the shrunk failure the diagnoses of the largest failing example that has one.

    A shrunk example (one sample, one feature, inputs at 0) rarely holds the evidence a
    diagnosis needs; a larger failing example met on the way often does. Returns whether
    any was added.
    """
    if shrunk.report is None:
        return False

    def size(v: _Verdict) -> int:
        return sum(int(np.size(a)) for a in v.case.arrays.values()) if v.case else 0

    added = False
    for g in shrunk.report.gradients:
        if g.status != FAILED or g.diagnosis:
            continue
        found = [
            (size(v), v, d.diagnosis)
            for v in failures
            if v is not shrunk and v.report is not None
            for d in v.report.gradients
            if d.name == g.name and d.status == FAILED and d.diagnosis
        ]
        if found:
            _, v, text = max(found, key=lambda item: item[0])
            where = f", {v.case.describe()}" if v.case else ""
            g.diagnosis = f"{text} (on a larger failing example{where})"
            added = True
    return added


def _passed_message(state: _State) -> str:
    report = state.closest
    text = f"{state.passed} of {state.count} examples passed"
    if state.inconclusive:
        text += f", {state.inconclusive} inconclusive"
    worst = getattr(report, "worst", None)
    if worst is not None and not math.isnan(worst.error):
        text += f"; closest call {worst.name} error {worst.error:.2g} (tolerance " \
                f"{worst.tolerance:.2g})"
    return text


class _State:
    """Bookkeeping across the examples of one Hypothesis run."""

    def __init__(self) -> None:
        self.count = 0
        self.passed = 0
        self.inconclusive = 0
        self.closest: Any = None
        self.closest_ratio = -1.0
        self.first: Case | None = None
        self.first_is_trivial = True
        self.first_failure: _Verdict | None = None
        self.failures: dict[str, _Verdict] = {}
        self.calls_after_failure = 0

    def example(self, spec: CheckSpec, data: Any) -> None:
        drawn: list[Any] = []

        def draw(strategy: Any) -> Any:
            value = data.draw(strategy)
            drawn.append(value)
            return value

        if self.first_failure is not None:
            self.calls_after_failure += 1
            over = self.calls_after_failure > SHRINK_CALLS
        else:
            over = False
        try:
            case = draw_case(spec, draw)
        except _FailureError as failure:
            verdict: _Verdict | None = failure.result
            key = _fingerprint(drawn)
        else:
            key = _fingerprint(drawn)
            if over:
                # Out of shrinking budget: replay known failures, stop exploring.
                if key in self.failures:
                    raise _FailureError(self.failures[key])
                return
            self.count += 1
            if self.first is None or (self.first_is_trivial and not _trivial(case)):
                # Hypothesis starts from the simplest example (all zeros): keep the first
                # example with non-zero data for plots.
                self.first, self.first_is_trivial = case, _trivial(case)
            verdict = self._check(spec, case)
        if verdict is None:
            return
        self.failures[key] = verdict
        if self.first_failure is None:
            self.first_failure = verdict
        raise _FailureError(verdict)

    def _check(self, spec: CheckSpec, case: Case) -> _Verdict | None:
        report, problem = run_engine(spec, case)
        if problem is not None:
            return _Verdict(ERROR, problem, None, case)
        if report.status in (FAILED, ERROR, UNFINISHED):
            return _Verdict(report.status, _report_message(report), report, case)
        if report.status == INCONCLUSIVE:
            self.inconclusive += 1
        else:
            self.passed += 1
        ratio = _ratio(report)
        if report.status == PASSED and ratio >= self.closest_ratio or self.closest is None:
            self.closest, self.closest_ratio = report, ratio
        return None


def _trivial(case: Case) -> bool:
    arrays = [*case.arrays.values(), *(
        v for v in getattr(case.obj, "__dict__", {}).values() if isinstance(v, np.ndarray)
    )]
    return any(a.dtype.kind == "f" and (a.size < 2 or not np.any(a)) for a in arrays)


def _report_message(report: Any) -> str:
    if report.problems:
        return report.problems[0]
    bad = [g for g in report.gradients if g.status in (FAILED, "missing")]
    if bad:
        return bad[0].describe()
    return report.summary()


def _ratio(report: Any) -> float:
    worst = report.worst
    if worst is None or not worst.tolerance or math.isnan(worst.tolerance) \
            or math.isnan(worst.error):
        return 0.0
    return float(worst.error / worst.tolerance)


def _fingerprint(drawn: list[Any]) -> str:
    digest = hashlib.sha1()
    for value in drawn:
        if isinstance(value, np.ndarray):
            digest.update(str(value.shape).encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep what user code prints (and numpy's warnings) out of the CLI's output."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ----------------------------------------------------------------------------- data
def draw_case(spec: CheckSpec, draw: Callable[[Any], Any]) -> Case:
    """Build the object and draw the data for one example of ``spec``.

    Raises ``_FailureError`` (status ``error``) when the user's constructor raises.
    """
    from hypothesis import strategies as st


    if spec.kind == "function":
        from gradcheck.targets.functions import draw_function_case

        return draw_function_case(spec, draw)  # type: ignore[arg-type]
    if spec.kind == "derivative":
        from gradcheck.targets.derivatives import draw_derivative_case

        return draw_derivative_case(spec, draw)  # type: ignore[arg-type]
    n = draw(st.integers(1, MAX_SAMPLES))
    sizes: dict[str, int] = {}
    if spec.kind == "layer":
        if spec.build.sizes:
            first = draw(st.integers(1, MAX_FEATURES))
            square = draw(st.booleans())
            for name in spec.build.sizes:
                sizes[name] = first if square else draw(st.integers(1, MAX_FEATURES))
        if spec.input_width is not None:
            width = spec.input_width
        elif spec.build.input_size in sizes:
            width = sizes[spec.build.input_size]
        else:
            width = draw(st.integers(1, MAX_FEATURES))
        obj = _build(spec, sizes)
        _draw_parameters(obj, spec.params, draw)
        arrays = {"inputs": _draw_inputs(spec, n, width, draw)}
    else:
        c = draw(st.integers(2, MAX_CLASSES))
        sizes = dict.fromkeys(spec.build.sizes, c)
        obj = _build(spec, sizes)
        y_pred = _float64(draw(_predictions(spec, n, c)))
        y_true = draw(_targets(spec, n, c))
        if spec.max_magnitude is not None and draw(st.booleans()):
            # scaled, not redrawn (as for layers): errors near 1e3, where squares reach
            # 1e6 and exp overflows; 0/1 targets stay 0/1
            y_pred, y_true = _scaled(spec, y_pred, y_true)
        arrays = {"y_pred": y_pred, "y_true": y_true}
    seed = draw(st.integers(0, 2**16 - 1))
    return Case(obj, arrays, sizes, seed)


def _draw_inputs(spec: CheckSpec, n: int, width: int, draw: Callable[[Any], Any]
                 ) -> np.ndarray:
    """A layer's inputs: the probed shape and domain; now and then large magnitudes."""
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from gradcheck import strategies as gs

    shape = spec.input_shape if spec.input_shape is not None else (width,)
    if spec.input_domain == "ids":
        assert spec.input_high is not None
        return draw(arrays(np.int64, (n, *shape), elements=st.integers(0, spec.input_high - 1)))
    magnitude = 10.0
    flat = int(np.prod(shape)) if shape else 1
    values = _float64(draw(gs.input_batches(n_samples=n, n_features=flat,
                                            max_magnitude=magnitude,
                                            zeros=spec.input_domain != "positive")))
    large = spec.max_magnitude is not None and draw(st.booleans())
    if large and spec.max_magnitude is not None:
        # scaled, not redrawn: the strategy's favourite values (its bounds, ties, equal
        # rows) become large ones, e.g. logits of 1000 where exp overflows
        values = values * (spec.max_magnitude / magnitude)
    if spec.input_domain == "positive":
        values = np.abs(values)
    values = values.reshape((n, *shape))
    if getattr(spec, "batch_last", False):
        return np.ascontiguousarray(np.moveaxis(values, 0, -1))  # (features, n)
    return values


def _scaled(spec: CheckSpec, y_pred: np.ndarray, y_true: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """A regression loss's example at large magnitude: real values times ``1e3 / 10``."""
    assert spec.max_magnitude is not None
    factor = spec.max_magnitude / _REAL_MAGNITUDE
    if spec.labels == "continuous" and np.issubdtype(y_true.dtype, np.floating):
        y_true = y_true * factor
    return y_pred * factor, y_true


def _build(spec: CheckSpec, sizes: dict[str, int]) -> Any:
    try:
        with _quiet():
            obj = spec.build.build(spec.found.cls, sizes)
            prepare(obj)
    except Exception as exc:  # noqa: BLE001 - the user's constructor
        from gradcheck.targets.discovery import describe_exception

        call = ", ".join(f"{k}={v!r}" for k, v in {**spec.build.fixed, **sizes}.items())
        raise _FailureError(_Verdict(
            ERROR, f"{spec.name}({call}) raised {describe_exception(exc)}", None, None
        )) from exc
    if spec.backward_only:
        obj = wrap_backward_only(spec.found.cls, obj)
    return obj


def _draw_parameters(obj: Any, names: list[str], draw: Callable[[Any], Any]) -> None:
    """Replace the constructor's parameter values by drawn ones (zeros included).

    ``names`` are the places planning found (``weights``, ``params['W']``); values are
    written into the existing arrays, so aliases and views keep seeing them.
    """
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from gradcheck import strategies as gs
    from gradcheck.protocol.params import find_candidates

    wanted = set(names)
    found = find_candidates(obj)
    for places, value in zip(found.groups, found.arrays, strict=True):
        if not wanted & {p.describe() for p in places} or not value.flags.writeable:
            continue
        if value.ndim == 2:
            new = draw(gs.input_batches(n_samples=value.shape[0], n_features=value.shape[1],
                                        max_magnitude=1.0))
        else:
            elements = st.one_of(st.just(0.0), st.floats(-1.0, 1.0))
            new = draw(arrays(np.float64, value.shape, elements=elements))
        value[...] = new


def _float64(values: Any) -> np.ndarray:
    # Explicit dtype: after nnfs.init() numpy's defaults would make float32 arrays.
    return np.array(values, dtype=np.float64)


def _predictions(spec: CheckSpec, n: int, c: int) -> Any:
    from gradcheck import strategies as gs

    if spec.kind == "fused":
        return gs.logit_batches(n_samples=n, n_classes=c, max_magnitude=FUSED_MAX_LOGIT)
    if spec.domain == "probabilities":
        return gs.probability_batches(n_samples=n, n_classes=c,
                                      min_probability=MIN_PROBABILITY)
    if spec.domain == "unit":
        # sigmoid of |x| <= 6 keeps predictions in [0.0025, 0.9975], off the clip
        return gs.input_batches(n_samples=n, n_features=c, max_magnitude=6.0).map(
            lambda x: 1.0 / (1.0 + np.exp(-x))
        )
    return gs.input_batches(n_samples=n, n_features=c, max_magnitude=_REAL_MAGNITUDE)


def _targets(spec: CheckSpec, n: int, c: int) -> Any:
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from gradcheck import strategies as gs

    if spec.labels == "sparse":
        return gs.sparse_labels(n_samples=n, n_classes=c)
    if spec.labels == "one_hot":
        return gs.one_hot_labels(n_samples=n, n_classes=c)
    if spec.labels == "binary":
        return arrays(np.float64, (n, c), elements=st.sampled_from([0.0, 1.0]))
    if spec.domain == "real":
        return gs.input_batches(n_samples=n, n_features=c,
                                max_magnitude=_REAL_MAGNITUDE).map(_float64)
    return arrays(np.float64, (n, c), elements=st.floats(0.0, 1.0))


# ----------------------------------------------------------------------------- engine
def run_engine(spec: CheckSpec, case: Case, *, dvalues: np.ndarray | None = None
               ) -> tuple[Any, str | None]:
    """Run the engine on one case; ``(report, None)`` or ``(None, problem)``.

    An exception the engine lets through (bad data for this object, or a bug in the
    checker) becomes the class's error message instead of a crash.
    """
    from gradcheck import check_layer, check_loss

    if spec.kind == "function":
        from gradcheck.targets.functions import run_function_engine

        return run_function_engine(spec, case)  # type: ignore[arg-type]
    if spec.kind == "derivative":
        from gradcheck.targets.derivatives import run_derivative_engine

        with _quiet():
            return run_derivative_engine(spec, case)  # type: ignore[arg-type]
    try:
        with _quiet():
            if spec.kind == "layer":
                report = check_layer(
                    case.obj, case.arrays["inputs"], dvalues=dvalues, seed=case.seed,
                    training=True if spec.training else None, raise_on_failure=False,
                )
            else:
                report = check_loss(case.obj, case.arrays["y_pred"], case.arrays["y_true"],
                                    seed=case.seed, raise_on_failure=False)
    except (ValueError, TypeError) as exc:
        return None, f"the check rejected the call: {type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - never crash on one class
        return checker_raised(spec, exc)
    return report, None


def checker_raised(spec: Any, exc: Exception) -> tuple[Any, str | None]:
    """An exception the engine let through, as ``run_engine`` returns it.

    Gradcheck's own bug: an ``error`` report saying so, its traceback in the notes
    (shown under ``-v``). Anything else: the problem, as before.
    """
    from gradcheck.engine.blame import checker_bug, traceback_text
    from gradcheck.report import Report

    bug = checker_bug(exc)
    if bug is None:
        return None, f"the checker raised {type(exc).__name__}: {exc}"
    report = Report(name=spec.name, kind=spec.kind, status=ERROR, problems=[bug],
                    notes=["traceback of the gradcheck bug:\n" + traceback_text(exc)])
    return report, None
