"""What checking a target gives: results per class and per check.

The results of the targets layer, kept apart from the code that produces them (the
runner, the network runner) and from their presentation (:mod:`gradcheck.views`, the
JSON document of :mod:`gradcheck.cli`). :class:`Case` is one generated example. A class's
status is the worst status of its checks (:data:`RANK`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gradcheck.report import ERROR, FAILED, INCONCLUSIVE, PASSED, SKIPPED, UNFINISHED

if TYPE_CHECKING:
    from gradcheck.targets.specs import CheckSpec, Planned

__all__ = ["RANK", "Case", "CheckResult", "ClassResult", "checked_once", "not_run",
           "unloadable_file", "worst_of"]

# Worst first: the status of a class is the worst status of its checks.
RANK: dict[str, int] = {ERROR: 0, FAILED: 1, UNFINISHED: 2, INCONCLUSIVE: 3, PASSED: 4,
                        SKIPPED: 5}


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

    def worst(self) -> dict[str, Any]:
        """What decided the check, for the JSON document's ``worst`` entry.

        ``decided_by`` is ``"protocol"`` for a check failed by a protocol finding alone
        (its gradients agreed, so no error or tolerance is given: theirs would read like a
        pass), ``"gradient"`` with the worst gradient's error, tolerance and their ratio,
        or ``"none"`` when nothing was compared.
        """
        report = self.report
        if self.status == FAILED and getattr(report, "failed_on_protocol", False):
            return {"decided_by": "protocol", "gradient": None, "error": None,
                    "tolerance": None, "ratio": None}
        worst = getattr(report, "worst", None)
        if worst is None:
            return {"decided_by": "none", "gradient": None, "error": None,
                    "tolerance": None, "ratio": None}

        def number(value: float) -> float | None:
            return None if not math.isfinite(value) else float(value)

        return {"decided_by": "gradient", "gradient": worst.name,
                "error": number(worst.error), "tolerance": number(worst.tolerance),
                "ratio": number(self.ratio)}

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
            "range_finding": getattr(self.spec, "range_finding", None),
            "worst": self.worst(),
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
        return worst_of(self.checks)

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



def worst_of(checks: list[CheckResult]) -> CheckResult:
    """The check that decides a class's status: the worst status, then the largest ratio."""
    return min(checks, key=lambda c: (RANK[c.status], -_nan_low(c.ratio)))


def not_run(planned: Planned) -> ClassResult:
    """The row of a plan that was skipped, or failed while planning: its reason."""
    found = planned.found
    status = SKIPPED if planned.status == "skip" else ERROR
    return ClassResult(found.name, found.kind, found.module, status, planned.reason)


def checked_once(spec: CheckSpec, report: Any, seconds: float) -> ClassResult:
    """The row of a check made once on fixed data (a program, a dict network): its report."""
    found = spec.found
    verdict = str(report.status)
    check = CheckResult(spec, verdict, report.summary(), report=report, examples=1,
                        passed=int(verdict == PASSED),
                        inconclusive=int(verdict == INCONCLUSIVE), seconds=seconds)
    return ClassResult(found.name, found.kind, found.module, verdict, check.message, [check],
                       seconds=seconds)


def unloadable_file(spec: str, reason: str) -> ClassResult:
    """The ``error`` row of a file of a directory that could not be loaded."""
    return ClassResult(spec, "file", spec, ERROR, reason)
