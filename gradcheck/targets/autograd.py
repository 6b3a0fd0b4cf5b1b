"""Autograd engines in a target: found by what they define, checked one row per operation.

A class with operator overloads (``__add__``, ``__mul__`` ...), a ``backward()`` without
required arguments and no ``forward`` is an engine
(:func:`gradcheck.protocol.autograd.looks_like_engine`); discovery marks it
``kind="engine"`` so that it is never taken for a layer. :func:`run_autograd` runs
:func:`gradcheck.check_engine` once and turns its report into one
:class:`~gradcheck.targets.runner.CheckResult` per operation, so that the CLI's table,
JSON and JUnit show one row per operation (``checked with``: the operation).
"""

from __future__ import annotations

import dataclasses
import time

from gradcheck.autograd_api import check_engine
from gradcheck.report import ERROR, PASSED, SKIPPED, EngineReport, Kind, OpResult
from gradcheck.targets.building import Constructor
from gradcheck.targets.classes import Found
from gradcheck.targets.results import CheckResult, ClassResult
from gradcheck.targets.specs import CheckSpec, Planned

__all__ = ["plan_autograd", "run_autograd"]

_RANK = {ERROR: 0, "failed": 1, "inconclusive": 2, PASSED: 3, SKIPPED: 4}


def plan_autograd(found: Found) -> Planned:
    """The plan of an engine class: one check, of every operation it defines."""
    found = dataclasses.replace(found, kind=Kind.ENGINE.value, verdict="check", reason="")
    return Planned(found, specs=[CheckSpec(found, Constructor(label="operations"),
                                           Kind.ENGINE.value)])


def run_autograd(planned: Planned, *, seed: int = 0) -> ClassResult:
    """Check an engine class with :func:`gradcheck.check_engine`; one check per operation.

    Parameters
    ----------
    planned : Planned
        From :func:`plan_autograd`.
    seed : int
        Seed of the leaf values and upstream gradients.
    """
    found = planned.found
    start = time.perf_counter()
    try:
        report = check_engine(found.cls, seed=seed, raise_on_failure=False)
    except TypeError as exc:  # operator overloads and backward(), but no data and grad
        return ClassResult(found.name, found.kind, found.module, SKIPPED, str(exc))
    seconds = time.perf_counter() - start
    if not report.gradients:
        message = report.problems[0] if report.problems else report.summary()
        status = ERROR if report.status == ERROR else SKIPPED
        return ClassResult(found.name, found.kind, found.module, status, message,
                           notes=list(report.notes), seconds=seconds)
    checks = [_op_check(found, report, op, seconds / len(report.gradients))
              for op in report.gradients if isinstance(op, OpResult)]
    worst = min(checks, key=lambda c: _RANK.get(c.status, 4))
    message = worst.message if worst.status != PASSED else report.summary()
    if worst.status != PASSED:
        message = f"[{worst.spec.variant}] {message}"
    notes = list(report.notes)
    if report.absent:
        notes.append("not defined (not checked): " + ", ".join(report.absent))
    checks[0].notes = list(notes)  # (shown under the first row with --verbose)
    return ClassResult(found.name, found.kind, found.module, str(report.status)
                       if report.status != "passed" else PASSED, message, checks, notes,
                       seconds)


def _op_check(found: Found, report: EngineReport, op: OpResult, seconds: float) -> CheckResult:
    """One operation as a check: its own small report, so the table shows its numbers."""
    spec = CheckSpec(found, Constructor(label=op.name), Kind.ENGINE.value)
    single = EngineReport(name=f"{report.name}.{op.name}", kind=Kind.ENGINE.value,
                          status=op.status, dtype=report.dtype, gradients=[op],
                          seconds=seconds)
    status = str(op.status)
    message = op.describe() if status != PASSED else (
        f"{op.expressions} expressions, worst `{op.expression}`")
    return CheckResult(spec, status, message, report=single, examples=op.expressions,
                       passed=int(status == PASSED), inconclusive=int(status == "inconclusive"),
                       seconds=seconds)
