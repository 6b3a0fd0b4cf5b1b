"""Range findings: a value that stops being finite only at large input magnitudes.

An intermediate overflows (``np.exp(x)`` is inf above 709.78) though the value itself is
bounded (a tanh, softmax or sigmoid written with ``np.exp``) or grows no faster than its
inputs (a cross-entropy on unshifted logits, ``log(1 + exp(-x))``, ``log(cosh(x))``).
Such a finding is reported with the magnitude where it starts, apart from the gradient
verdict (the gradients are checked below it); a value that is legitimately huge there
(``exp`` itself, an exponential loss) is not a finding. Used by the probes of layers,
losses and derivative pairs (:mod:`gradcheck.targets`).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["HIGH", "LOW", "OVERFLOW", "finding", "grows_linearly", "threshold"]

#: the magnitudes searched: below LOW a non-finite value is not an overflow at large
#: magnitudes (a bug, or a function's own domain); finite at HIGH, nothing to report
LOW, HIGH = 10.0, 1e3
#: what overflows, in the words of the finding
OVERFLOW = "an intermediate overflows (np.exp(x) is inf above 709.78)"


def threshold(finite: Callable[[float], bool], *, low: float = LOW,
              high: float = HIGH) -> float | None:
    """The smallest magnitude at which a value stops being finite (bisection).

    Parameters
    ----------
    finite : callable
        ``magnitude -> bool``: whether the value is finite when its inputs are scaled to
        that largest magnitude.
    low, high : float
        The range searched.

    Returns
    -------
    float or None
        ``None`` when the value is not finite at ``low`` already or still finite at
        ``high``: no overflow at large magnitudes.
    """
    if not finite(low) or finite(high):
        return None
    for _ in range(30):
        middle = (low + high) / 2
        if finite(middle):
            low = middle
        else:
            high = middle
        if high - low < 1e-3 * high:
            break
    return high


def grows_linearly(value_at: Callable[[float], float | None], at: float) -> bool:
    """Whether a value grows no faster than its inputs up to the magnitude ``at``.

    A loss on logits grows at most like the logits (a cross-entropy, ``log(1 + exp(-x))``),
    so its true value is finite where an intermediate overflows; an exponential loss is
    huge there by right. Compared at magnitude 1 and at ``0.9 * at`` (finite by then).
    """
    small, near = value_at(1.0), value_at(0.9 * at)
    if small is None or near is None:
        return False
    return abs(near) <= 100.0 * 0.9 * at * max(1.0, abs(small))


def finding(threshold: float, *, who: str = "forward", inputs: str = "inputs",
            why: str = "its outputs are bounded", fix: str) -> str:
    """The text of a range finding, for the report row (``range: ...``).

    Parameters
    ----------
    threshold : float
        The magnitude where the value stops being finite.
    who : str
        What is not finite (``forward``, ``sigmoid_prime``).
    inputs : str
        What is large (``inputs``, ``logits``, ``predictions``).
    why : str
        Why that is an overflow, not the value's own size.
    fix : str
        How to rewrite it.
    """
    return (f"{who} is not finite (inf or nan) for {inputs} of magnitude {threshold:.4g} "
            f"and above, though {why}: {OVERFLOW}; rewrite it without the overflowing term "
            f"({fix}). Gradients were checked below that")
