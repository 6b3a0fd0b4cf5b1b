"""Run the planned checks on Hypothesis-generated data and collect one result per class.

Each :class:`~gradcheck.targets.discovery.CheckSpec` becomes a Hypothesis property run
programmatically (``max_examples`` examples, a fixed seed, no database): every example is
drawn and checked by the object of the check's kind (:mod:`gradcheck.targets.cases`:
layers, losses, fused losses, function pairs), through the public API with
``raise_on_failure=False``. A failed or errored report is raised back into Hypothesis so
that it shrinks to a minimal example (within a budget), and the shrunk report is kept.

Hypothesis and the engine are imported lazily, when a check runs.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.errors import CheckAbortedError as _FailureError
from gradcheck.report import ERROR, FAILED, INCONCLUSIVE, PASSED, SKIPPED, UNFINISHED
from gradcheck.targets.cases import BuildError, cases_for, quiet
from gradcheck.targets.discovery import CheckSpec, Planned
from gradcheck.targets.options import DEFAULT_EXAMPLES, DEFAULT_SEED

# The results live in gradcheck.targets.results; imported from here by other code too.
from gradcheck.targets.results import RANK, Case, CheckResult, ClassResult, worst_of
from gradcheck.targets.sparse_upstream import ONE_NONZERO, right_only_for_one_nonzero

__all__ = [
    "Case",
    "CheckResult",
    "ClassResult",
    "DEFAULT_EXAMPLES",
    "DEFAULT_SEED",
    "SHRINK_CALLS",
    "load_engine",
    "run_check",
    "run_class",
    "run_engine",
]

# Shrinking budget once a failure is found: enough to reach a small example, bounded so
# that a failing class costs seconds, not minutes. Counted in examples, never in seconds:
# the same target and seed shrink to the same example on a fast or a slow machine.
SHRINK_CALLS = 150


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
        status: str = {"skip": SKIPPED, "unfinished": UNFINISHED}.get(planned.status, ERROR)
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
    status = min((c.status for c in checks), key=RANK.__getitem__)
    worst = worst_of(checks)
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
        # a budget of 0 (the suite's ``no_shrinking``) stops at the first failure: without
        # the phase Hypothesis does not keep drawing cases that could no longer be checked
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target)
        + ((Phase.shrink,) if SHRINK_CALLS > 0 else ()),
        print_blob=False,
    )
    @given(data=st.data())
    def prop(data: Any) -> None:
        state.example(spec, data)

    try:
        with quiet():
            prop()
    except _FailureError as failure:
        verdict = failure.result
    except Exception as exc:  # noqa: BLE001 - Flaky, or a bug in the checker itself
        verdict = state.first_failure or _Verdict(
            ERROR, f"the checker itself raised {type(exc).__name__}: {exc}", None, None)
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
        if verdict.status == FAILED and spec.kind == "layer" and spec.input_parts is None \
                and verdict.report is not None and not verdict.report.problems \
                and right_only_for_one_nonzero(
                    verdict.case, lambda case, dv: run_engine(spec, case, dvalues=dv)[0]):
            verdict.message = f"{ONE_NONZERO}; {verdict.message}"
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

    The diagnosis of the largest failing example met, else of a rerun on random rows (the
    kind's ``wider``); a kind with ``wider_first`` (losses) asks the rerun first. A rerun
    that passes gives nothing. An accumulated gradient's increment is judged on several
    samples (:func:`_batched_increments`).
    """
    batched = _batched_increments(spec, verdict, failures)
    return _diagnose_shrunk(spec, verdict, failures) or batched


#: how an accumulated gradient's finding ends when its increment passed
#: (protocol/accumulation.problem)
_INCREMENT_RIGHT = "the increment (what one backward adds) is right"


def _one_sample(spec: CheckSpec, case: Case | None) -> bool:
    """Whether every input array of the example holds one sample."""
    if case is None:
        return False
    axis = -1 if spec.batch_last else 0
    arrays = [a for a in case.arrays.values() if np.ndim(a) >= 1]
    return bool(arrays) and all(np.shape(a)[axis] == 1 for a in arrays)


def _batched_increments(spec: CheckSpec, verdict: _Verdict, failures: list[_Verdict]) -> bool:
    """An increment called right on one sample, judged again on several.

    A shrunk example has one sample, where a bias increment taken as the batch mean
    equals the sum: "the increment is right" would be untrue. The finding of the largest
    failing example with several samples is given instead (else of a rerun on random
    rows), naming that example; without one, the text says what was compared.
    """
    report = verdict.report
    if report is None or not _one_sample(spec, verdict.case):
        return False
    rows = [g for g in report.gradients if g.status == FAILED and g.checked == 0
            and (g.diagnosis or "").endswith(_INCREMENT_RIGHT)]
    if not rows:
        return False
    batches = [v for v in failures if v.case is not None and not _one_sample(spec, v.case)]
    if not batches:
        batches = _wider(spec, verdict)

    def size(v: _Verdict) -> int:
        return sum(int(np.size(a)) for a in v.case.arrays.values()) if v.case else 0

    for g in rows:
        found = [(size(v), v, d.diagnosis) for v in batches if v.report is not None
                 for d in v.report.gradients
                 if d.name == g.name and d.status == FAILED and d.checked == 0
                 and d.diagnosis]
        if found:
            _, v, text = max(found, key=lambda item: item[0])
            where = f", {v.case.describe()}" if v.case is not None else ""
            g.diagnosis = f"{text} (on a larger failing example{where})"
        else:
            g.diagnosis = (f"{g.diagnosis} on this example of one sample, where a sum and a "
                           "mean over the batch agree")
    return True


def _diagnose_shrunk(spec: CheckSpec, verdict: _Verdict, failures: list[_Verdict]) -> bool:
    """:func:`_diagnose`'s steps after the increments."""
    if _findings_from(verdict, failures) or (
            _residue(verdict) and _findings_from(verdict, _wider(spec, verdict))):
        return True
    if cases_for(spec).wider_first:
        return _diagnose_from(verdict, _wider(spec, verdict)) or \
            _diagnose_from(verdict, failures)
    return _diagnose_from(verdict, failures) or (
        _undiagnosed(verdict) and _diagnose_from(verdict, _wider(spec, verdict)))


def _residue(verdict: _Verdict) -> bool:
    """A trivial example whose failed gradient is non-zero where the numeric one is zero.

    What a gradient left over from earlier calls looks like at inputs of 0: run again on
    random rows, the finding (if any) shows.
    """
    return verdict.case is not None and verdict.report is not None \
        and _trivial(verdict.case) and any(
            g.status == FAILED and g.checked and g.numeric == 0 and g.analytic != 0
            for g in verdict.report.gradients)


def _findings_from(shrunk: _Verdict, failures: list[_Verdict]) -> bool:
    """A larger example's finding about a gradient, in place of the shrunk one's guess.

    A gradient failed on a larger example without a numeric comparison (a finding: it
    accumulates across backward calls) fails on the shrunk example by its numbers alone,
    where the finding cannot show (inputs at 0 add nothing to a sum; then the shrunk
    example is run again on random rows for it). The finding is what to fix; the shrunk
    example keeps its numbers. Returns whether any was given.
    """
    if shrunk.report is None:
        return False
    added = False
    for g in shrunk.report.gradients:
        if g.status != FAILED or g.checked == 0:
            continue
        found = [(v, d.diagnosis) for v in failures
                 if v is not shrunk and v.report is not None
                 for d in v.report.gradients
                 if d.name == g.name and d.status == FAILED and d.checked == 0
                 and d.diagnosis]
        if found:
            v, text = found[0]
            where = f", {v.case.describe()}" if v.case else ""
            g.diagnosis = f"{text} (on a larger failing example{where})"
            added = True
    return added


def _wider(spec: CheckSpec, shrunk: _Verdict) -> list[_Verdict]:
    """The shrunk failure run again on 4+ random rows: evidence for a diagnosis."""
    case = shrunk.case
    if case is None:
        return []
    wider = cases_for(spec).wider(spec, case, np.random.default_rng(case.seed))
    if wider is None:
        return []
    report, problem = run_engine(spec, wider)
    if problem is not None or report is None or report.status != FAILED:
        return []
    return [_Verdict(FAILED, "", report, wider)]


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
            case = cases_for(spec).draw(spec, draw)
        except BuildError as error:
            verdict: _Verdict | None = _Verdict(ERROR, str(error), None, None)
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
        # the closest call among the passed examples; an inconclusive one (its errors at
        # undecidable elements) only until one passes
        decided = self.closest is not None and self.closest.status == PASSED
        if report.status == PASSED and (ratio >= self.closest_ratio or not decided) \
                or self.closest is None:
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


def run_engine(spec: CheckSpec, case: Case, *, dvalues: np.ndarray | None = None
               ) -> tuple[Any, str | None]:
    """Run the engine on one case; ``(report, None)`` or ``(None, problem)``."""
    return cases_for(spec).run(spec, case, dvalues=dvalues)
