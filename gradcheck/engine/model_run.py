"""One check of a whole network: the frame, the analytic passes, a verdict per parameter.

The steps:

1. the parameters found (:mod:`gradcheck.protocol.model`) by a first forward and
   backward, which also shows whether the network draws random numbers (dropout): from
   then on the random state is pinned before every evaluation;
2. two analytic passes on the same data: their gradients must agree (stale state);
3. per parameter, a step of its own (:mod:`gradcheck.engine.model_steps`), then the
   engine's :class:`~gradcheck.engine.verify.Verification` on that parameter alone: its
   own tolerance, kinks accepted as subgradients, projections first in fast mode;
4. the cross-parameter diagnosis (:mod:`gradcheck.engine.model_diagnose`).

The parameters, the model and every random state are restored afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.engine import numerics as nm
from gradcheck.engine.budget import EXHAUSTIVE_LIMIT
from gradcheck.engine.frame import framed
from gradcheck.engine.model_diagnose import diagnose_network
from gradcheck.engine.model_steps import choose_step
from gradcheck.engine.state import RandomPin, Snapshot
from gradcheck.engine.verify import Context, Verification
from gradcheck.protocol.model import BookModelSubject, ModelSubject
from gradcheck.report import (
    MISSING,
    GradientResult,
    Report,
)

__all__ = ["ModelRun"]


class ModelRun:
    """One check of one network.

    Parameters
    ----------
    report : Report
        Filled in by the run.
    root : object
        What the check must leave as it was (the model, or the parameter dict).
    build : callable
        ``build(pin) -> ModelSubject``.
    mode, step, seed
        As in :func:`gradcheck.check_model`.
    batch : int
        Samples in the batch (a gradient too large by this factor is diagnosed), 1 if
        unknown.
    """

    def __init__(
        self,
        report: Report,
        root: Any,
        build: Callable[[RandomPin], ModelSubject],
        *,
        mode: str | None,
        step: float | None,
        seed: int | None,
        batch: int = 1,
    ) -> None:
        self.report, self.root, self.build = report, root, build
        self.mode, self.step = mode, step
        self.seed = 0 if seed is None else seed
        self.rng = np.random.default_rng(self.seed)
        self.eps = float(np.finfo(np.float64).eps)
        self.x = np.zeros((max(1, batch), 1))
        self.subject: ModelSubject | None = None
        self.steps: dict[str, float] = {}

    def execute(self, raise_on_failure: bool) -> Report:
        """Run the check with every state restored afterwards; raise or return the report."""
        __tracebackhide__ = True
        snapshot = Snapshot(self.root)
        pin = RandomPin(self.root, self.seed)
        return framed(
            self.report, lambda: self._check(pin), name=self.report.name, noun="model",
            pin=pin, restore=snapshot.restore,
            evaluations=lambda: None if self.subject is None else self.subject.evaluations,
            draws_note=("the network draws random numbers (dropout): the random state was "
                        "pinned before every evaluation"),
            raise_on_failure=raise_on_failure,
        )

    def _check(self, pin: RandomPin) -> None:
        report = self.report
        subject = self.build(pin)
        self.subject = subject
        if isinstance(subject, BookModelSubject):
            subject.prepare()
        subject.setup()  # a first forward and backward: parameters, and random draws seen
        pin.settle()
        if subject.narrow[0]:
            self.eps = float(np.finfo(np.float32).eps)
            report.dtype = "float32"
            report.notes.append(
                "the loss comes in float32 although the parameters are float64 copies: "
                "precision is forced inside the network, so steps and tolerances follow float32"
            )
        for label, expected in subject.missing.items():
            report.gradients.append(GradientResult(
                expected, MISSING,
                diagnosis=f"the model gives no gradient {expected} for parameter {label}",
            ))
        report.notes += subject.notes
        objective, grads = subject.analytic()
        # copies: a model may hand out the same arrays again (a dict it keeps)
        grads = {k: g if g is None else np.array(g, copy=True) for k, g in grads.items()}
        _, again = subject.analytic()
        self._stale(subject, grads, again)
        for label, value in subject.params.items():
            report.shapes[label] = list(value.shape)
        size = sum(v.size for v in subject.params.values())
        mode = self.mode or ("exhaustive" if size <= EXHAUSTIVE_LIMIT else "fast")
        report.mode = mode
        results: dict[str, GradientResult] = {}
        numeric: dict[str, np.ndarray] = {}
        kinks = 0
        for label, param in list(subject.parameters.items()):
            grad = grads.get(label)
            if grad is None:
                continue
            step, piece, eps = self._step(subject, label, grad, objective, report)
            part = Report(name=report.name, kind=report.kind)
            part.mode = mode
            with subject.only(label):
                # the float32 probe's steps (1e-9, 1e-8) straddle the kinks of late
                # layers in a deep ReLU network and would take a float64 network for a
                # float32 one: it runs only for a parameter on which the step ladder
                # found no linear piece (the precision is the loss's dtype otherwise).
                # Central differences from the first level on: a loss is curved in
                # every parameter of a network, and a one-sided first difference's
                # truncation, which its tolerance does not count, passed correct
                # networks at error/tolerance up to 0.9999 (benchmarks/network_margins.py)
                context = Context(part, self.x, None, self.rng, eps, step, None,
                                  probe=not piece, central=True)
                Verification(context, subject).run({param.gradient_label: grad}, objective)
            for result in part.gradients:
                results[label] = result
                kinks += result.kinks
                if result.elements is not None:
                    numeric[label] = result.elements.numeric
            if part.dtype != "float64":
                report.dtype = part.dtype
            report.notes += [n for n in part.notes if n not in report.notes and "kink" not in n]
        report.gradients.extend(results.values())
        report.step = nm.default_step(self.eps) if self.step is None else self.step
        if self.step is None:
            own = {k: s for k, s in self.steps.items() if s != report.step}
            if own:
                report.notes.append(
                    "steps of their own (on one linear piece of the network): "
                    + ", ".join(f"{k} {s:.2g}" for k, s in own.items())
                )
        if kinks:
            report.notes.append(
                f"{kinks} element(s) at a kink (non-differentiable point) inside the network: "
                "the analytic value lies between the one-sided derivatives, accepted"
            )
        values = {label: p.value for label, p in subject.parameters.items()}
        report.notes += diagnose_network(
            results, values, {k: g for k, g in grads.items() if g is not None}, numeric,
            batch=self.x.shape[0],
        )

    def _step(self, subject: ModelSubject, label: str, grad: np.ndarray,
              objective: tuple[float, float], report: Report) -> tuple[float, bool, float]:
        """The parameter's step, whether it lies on one linear piece, and the precision."""
        if self.step is not None:
            return self.step, True, self.eps
        value = subject.params[label]
        try:
            condition = float(np.abs(value * np.asarray(grad, np.float64)).sum())
        except (TypeError, ValueError):
            condition = 0.0  # a misshapen gradient: reported by the verification
        scale = objective[1] + (condition if np.isfinite(condition) else 0.0)
        default = nm.default_step(self.eps)
        choice = choose_step(subject, label, default, self.eps, scale, self.rng)
        if choice.narrow:
            eps = float(np.finfo(np.float32).eps)
            report.dtype = "float32"
            report.notes.append(
                f"the loss is only float32-accurate in {label} (it stays still under steps "
                "float64 arithmetic would see): steps and tolerances follow float32"
            )
            return nm.default_step(eps), True, eps
        self.steps[label] = default if choice.step is None else choice.step
        return self.steps[label], choice.step is not None, self.eps

    def _stale(self, subject: ModelSubject, first: dict[str, Any],
               second: dict[str, Any]) -> None:
        """Two passes on the same data must give the same gradients."""
        for label, a in first.items():
            b = second.get(label)
            if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
                continue
            if a.shape != b.shape or a.dtype.kind != "f":
                continue
            diff = np.abs(np.asarray(a, float) - np.asarray(b, float))
            scale = float(np.nanmax(np.abs(a))) if a.size else 0.0
            if np.any(diff > 1e3 * self.eps * scale + 1e-300):
                gradient = subject.parameters[label].gradient_label
                self.report.problems.append(
                    f"backward depends on stale state: a second forward and backward on the "
                    f"same data changed {gradient} by up to {np.nanmax(diff):.3g} (a gradient "
                    "accumulated with +=, or a cache filled only once?)"
                )
