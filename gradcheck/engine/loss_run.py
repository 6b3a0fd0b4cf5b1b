"""One check of a loss (or a fused activation + loss).

The steps of :class:`gradcheck.engine.run.Run` that belong to a subject whose backward
takes the predictions and the labels:

- backward given the predictions (a fused loss: the activation's output);
- a forward returning a scalar: checked as the gradient of that scalar (fused);
- per-element losses ``(N, C)``: the reduction backward differentiates, observed;
- the output's checks: numbers, one loss per sample, finite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck.engine import reduction
from gradcheck.engine.run import Run
from gradcheck.engine.state import RandomPin
from gradcheck.protocol import implied
from gradcheck.protocol.subject import LossSubject, get_output
from gradcheck.report import Kind

__all__ = ["LossRun"]


class LossRun(Run[LossSubject]):
    """One check of a loss: objective the mean of its losses (or the scalar it returns).

    Parameters as :class:`gradcheck.engine.run.Run`: ``x`` the predictions, ``y`` the
    labels.
    """

    def _new_subject(self, pin: RandomPin) -> LossSubject:
        return LossSubject(self.obj, pin)

    def _after_first_forward(self, subject: LossSubject, out: Any) -> LossSubject:
        return self._classify_loss(subject, out)

    def _upstream(self, subject: LossSubject, out: np.ndarray, first: bool) -> np.ndarray:
        return subject.backward_argument(self.x)

    def _first_output_ok(self, subject: LossSubject, out: Any,
                         grads: dict[str, np.ndarray]) -> bool:
        if not self._loss_output_ok(subject, out):
            return False
        if subject.losses_per_sample:
            self._observe_reduction(subject, out, grads)
        return True

    def _other_values(self, other: np.ndarray) -> np.ndarray:
        x = self.x
        return np.roll(other, 1, axis=1) if x.ndim > 1 and x.shape[1] > 1 else other.copy()

    def _warm_backward(self, subject: LossSubject, other: np.ndarray, out: Any, y: Any,
                       seen: list[Any]) -> None:
        output = get_output(self.obj)
        dv = output if np.ndim(out) == 0 else other
        if isinstance(dv, np.ndarray):
            subject.backward(np.array(dv, dtype=np.float64), y)

    def _classify_loss(self, subject: LossSubject, out: Any) -> LossSubject:
        """A loss whose forward returns a scalar is checked as the gradient of that scalar."""
        report = self.report
        if np.ndim(out) != 0:
            return subject
        fused = subject.as_scalar()
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

    def _loss_output_ok(self, subject: LossSubject, out: Any) -> bool:
        """Whether the loss's output can be checked: numbers, one per sample, finite."""
        arr = np.asarray(out)
        if arr.dtype.kind not in "biuf":
            self.report.problems.append(f"forward returned {type(out).__name__}, not numbers")
            return False
        per_position = int(np.prod(self.x.shape[:-1]))
        if subject.losses_per_sample and arr.size not in (
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
