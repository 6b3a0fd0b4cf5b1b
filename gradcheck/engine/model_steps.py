"""A finite-difference step per parameter of a whole network, chosen from the numerics alone.

In a deep ReLU network with small weights the pre-activations of late layers sit far
below the default step (1e-7 and less), so a step on a late bias crosses ReLU kinks in
every sample, while the first layer's weights move the loss so little that a tiny step
drowns them in rounding. No single step decides every parameter.

For each parameter the step is taken from a ladder ``h, h/4, h/16, ...``: along random
directions (scaled per element like the element steps, ``max(1, |x|)``), the central
differences of consecutive levels must agree within their rounding error; the largest
step from which on three levels agree is on one linear piece for this parameter. The
choice never looks at the analytic gradient, so it cannot shop for a passing verdict;
where no level agrees (a kink exactly at the point, or float32 arithmetic inside), the
caller keeps the default step and the element-wise numerics decide as for single layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcheck.engine.numerics import C_ROUND
from gradcheck.protocol.model import ModelSubject

__all__ = ["DIRECTIONS", "LADDER", "RATIO", "SILENT", "StepChoice", "choose_step"]

LADDER = 10  # levels h, h/4, ..., h / 4**9 (6e-6 down to about 2e-11 in float64)
RATIO = 4.0
DIRECTIONS = 2
# a loss that should move by this many of its float64 rounding units and does not move at
# all is computed in lower precision than float64
SILENT = 1e4


@dataclass
class StepChoice:
    """The step for one parameter, and what the ladder learnt on the way."""

    step: float | None  # None: no linear piece found
    narrow: bool = False  # the loss stayed still where float64 arithmetic would move it


def choose_step(
    subject: ModelSubject,
    label: str,
    default: float,
    eps: float,
    scale: float,
    rng: np.random.Generator,
) -> StepChoice:
    """The largest step of the ladder on one linear piece along random directions.

    ``step`` is None when no level agrees with the next ones along any direction (a kink
    at the point itself, or a loss computed in lower precision than its dtype says);
    ``narrow`` tells the second case: a level at which the loss, moving at the rate seen on
    the larger steps, should have changed by far more than its float64 rounding, and did
    not change at all.

    Parameters
    ----------
    subject : ModelSubject
        The network (the parameter is moved with ``total_with``; nothing is left changed).
    label : str
        The parameter.
    default : float
        The first (largest) relative step, the engine's default.
    eps : float
        Machine epsilon of the loss's computation.
    scale : float
        Absolute scale of the loss's terms (its rounding is ``eps * scale``).
    rng : Generator
        Source of the directions.
    """
    value = subject.params[label]
    steps = default / RATIO ** np.arange(LADDER)
    found = []
    any_moved = narrow = False
    for _ in range(DIRECTIONS):
        u = rng.standard_normal(value.shape) * np.maximum(1.0, np.abs(value))
        d = np.empty(LADDER)
        moved = np.empty(LADDER, dtype=bool)
        for k, h in enumerate(steps):
            up = subject.total_with(None, {label: value + h * u})[0]  # type: ignore[arg-type]
            down = subject.total_with(None, {label: value - h * u})[0]  # type: ignore[arg-type]
            d[k] = (up - down) / (2 * h)
            moved[k] = up != down
        if not moved.any():
            continue  # the loss does not depend on it here (a dead unit): any step
        any_moved = True
        rate = float(np.max(np.abs(d[moved])))
        expected = 2 * rate * steps
        narrow = narrow or bool(np.any(~moved & (expected > SILENT * eps * scale)))
        rounding = C_ROUND * eps * scale / steps
        gap = np.abs(np.diff(d))
        # levels where the loss did not move agree trivially (a step below the precision
        # the loss is computed in): they never count
        agree = moved[:-1] & moved[1:] & np.isfinite(gap) & (
            gap <= 2 * (rounding[:-1] + rounding[1:])
        )
        ok = np.flatnonzero(agree[:-1] & agree[1:])
        if ok.size:
            found.append(float(steps[ok[0]]))
    if narrow:
        return StepChoice(None, narrow=True)
    if found:
        return StepChoice(min(found))
    return StepChoice(None if any_moved else default)
