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
where no level agrees (a kink exactly at the point), the default step is kept and the
element-wise numerics handle the kink as for single layers.
"""

from __future__ import annotations

import numpy as np

from gradcheck.engine.numerics import C_ROUND
from gradcheck.protocol.model import ModelSubject

LADDER = 10  # levels h, h/4, ..., h / 4**9 (6e-6 down to about 2e-11 in float64)
RATIO = 4.0
DIRECTIONS = 2


def choose_step(
    subject: ModelSubject,
    label: str,
    default: float,
    eps: float,
    scale: float,
    rng: np.random.Generator,
) -> float:
    """The largest step of the ladder on one linear piece along random directions.

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
    for _ in range(DIRECTIONS):
        u = rng.standard_normal(value.shape) * np.maximum(1.0, np.abs(value))
        d = np.empty(LADDER)
        for k, h in enumerate(steps):
            up = subject.total_with(None, {label: value + h * u})[0]  # type: ignore[arg-type]
            down = subject.total_with(None, {label: value - h * u})[0]  # type: ignore[arg-type]
            d[k] = (up - down) / (2 * h)
        rounding = C_ROUND * eps * scale / steps
        gap = np.abs(np.diff(d))
        agree = np.isfinite(gap) & (gap <= 2 * (rounding[:-1] + rounding[1:]))
        ok = np.flatnonzero(agree[:-1] & agree[1:])
        if ok.size:
            found.append(float(steps[ok[0]]))
    # no linear piece found: the default step, and the element-wise numerics decide
    return min(found) if found else default
