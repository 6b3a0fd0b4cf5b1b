"""Name the likely bug behind a wrong gradient, from the pattern of the error."""

from __future__ import annotations

import numpy as np

__all__ = ["diagnose", "shape_problem"]


def shape_problem(name: str, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """Explain a gradient of the wrong shape."""
    text = f"{name} has shape {got}, expected {expected}"
    if len(got) == len(expected) == 2 and got == expected[::-1]:
        return text + ": transposed (e.g. dvalues.T @ inputs instead of inputs.T @ dvalues)?"
    if int(np.prod(got)) == int(np.prod(expected)) and tuple(d for d in got if d != 1) == tuple(
        d for d in expected if d != 1
    ):
        return text + ": keepdims=True missing in a sum?"
    if len(got) == 2 and len(expected) == 2 and (got[0] != expected[0] or got[1] != expected[1]):
        return text + ": summed over the wrong axis, or the wrong operand order?"
    return text


def diagnose(
    analytic: np.ndarray,
    numeric: np.ndarray,
    wrong: np.ndarray,
    *,
    batch: int,
    param: np.ndarray | None = None,
    name: str = "dinputs",
    at: np.ndarray | None = None,
    kinks: np.ndarray | None = None,
) -> str | None:
    """A likely cause for a failed gradient, or ``None`` when the evidence is ambiguous.

    Parameters
    ----------
    analytic, numeric : ndarray
        Same shape; ``numeric`` may hold NaN where an element was not compared.
    wrong : ndarray of bool
        Elements judged wrong.
    batch : int
        Number of samples (a ratio equal to it means a missing ``/ samples``).
    param : ndarray, optional
        The parameter itself, to recognise a wrong regularization term.
    name : str
        The gradient: axis 0 of ``dinputs`` is the samples; of ``dweights``, the input
        features (its columns are the neurons).
    at : ndarray, optional
        The values of the variable (inputs or parameter) the gradient was compared at.
    kinks : ndarray of bool, optional
        Elements at a non-differentiable point.

    Notes
    -----
    A pattern is only named when the evidence fits it and nothing simpler: a factor
    needs at least three wrong elements at two or more distinct points (one point, such
    as every input shrunk to 0, fits any factor); the batch size is only named for
    batches above 2; rows are samples only in ``dinputs``; a column is not named when
    the wrong elements are exactly those where the input has one sign; and wrong values
    at kinks are described as such, never as an indexing slip.
    """
    known = np.isfinite(numeric) & np.isfinite(analytic)
    if not known.any() or not wrong.any():
        return None
    a, n = analytic[known], numeric[known]
    big = max(float(np.max(np.abs(n))), float(np.max(np.abs(a))), 1e-300)
    if np.max(np.abs(a)) <= 1e-12 * big:
        return (
            "the gradient is all zeros where the numeric one is not: never computed from dvalues?"
        )
    if np.max(np.abs(n)) <= 1e-12 * big:
        return (
            "the numeric gradient is zero here (the output does not depend on it): "
            "a gradient where none should be?"
        )
    sel = wrong & known
    at_kink = sel & kinks if kinks is not None else np.zeros_like(sel)
    if at_kink.any() and at_kink.sum() == sel.sum():
        where = tuple(int(i) for i in np.argwhere(at_kink)[0])
        return (
            f"wrong only at non-differentiable points ({int(at_kink.sum())}, first at {where}): "
            "the analytic value lies outside every combination of the one-sided "
            "derivatives there (e.g. a gradient routed to every tied maximum)"
        )

    ratio = _fit_ratio(a, n) if _enough_points(sel & ~at_kink, numeric, at) else None
    if ratio is not None:
        for value, text in (
            (-1.0, "sign flipped"),
            (float(batch), f"too large by the batch size ({batch}): a missing `/ samples`?"),
            (1.0 / batch, f"too small by the batch size ({batch}): divided by samples twice?"),
            (2.0, "twice the true value: a factor 2 too many?"),
            (0.5, "half the true value: a missing factor 2?"),
        ):
            if "batch size" in text and batch <= 2:
                continue  # a batch of 1 or 2 cannot tell the batch size from a factor
            if abs(ratio - value) <= 1e-4 * max(1.0, abs(value)):
                if batch == 2 and value == 2.0:  # both readings, neither claimed
                    return ("twice the true value: a factor 2 too many, or a missing "
                            "`/ samples` (the batch has 2 samples)?")
                if batch == 2 and value == 0.5:
                    return ("half the true value: a missing factor 2, or divided by samples "
                            "twice (the batch has 2 samples)?")
                return text
        if abs(ratio - 1.0) > 1e-4:
            return f"proportional to the true gradient, scaled by {ratio:.6g}"

    small = _small_relative_error(analytic, numeric, sel & ~at_kink, known)
    if small is not None:
        return small
    samples = name == "dinputs" and analytic.ndim >= 2 and analytic.shape[0] > 1
    if int(wrong.sum()) == 1:
        where = tuple(int(i) for i in np.argwhere(wrong)[0])
        if samples and where[0] == analytic.shape[0] - 1:
            return (
                f"only element {where}, in the last sample, is wrong: an off-by-one over "
                "samples (range(samples - 1))?"
            )
        if analytic.size >= 4:
            return f"only element {where} is wrong: an indexing slip?"
        return None

    if analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1] and known.all():
        if np.allclose(analytic, numeric.T, rtol=1e-4, atol=1e-7 * big):
            return (
                "equals the transpose of the true gradient: a missing or extra .T "
                "(square shapes hide it)"
            )

    if param is not None and int(np.sum(sel)) >= 2:
        diff = (analytic - numeric)[sel]
        for basis, text in (
            (
                param[sel],
                "the error is proportional to the parameter: L2 regularization term wrong?",
            ),
            (
                np.sign(param[sel]),
                "the error is proportional to sign(parameter): L1 regularization term wrong?",
            ),
        ):
            k = _fit_ratio(diff, basis)
            if k is not None and abs(k) > 0:
                return text + f" (factor {k:.3g})"

    by_value = _value_condition(wrong, known, at)
    if by_value is not None:
        return by_value
    if analytic.ndim == 2 and analytic.shape[0] > 1:
        rows = np.unique(np.nonzero(wrong)[0])
        if rows.size == 1 and int(wrong.sum()) >= 2:
            row = int(rows[0])
            if samples and row == analytic.shape[0] - 1:
                return (
                    f"wrong only in the last sample (row {row}): an off-by-one over samples "
                    "(range(samples - 1))?"
                )
            if samples:
                return f"wrong only in sample {row}"
            if name == "dweights":
                return f"wrong only in row {row} of dweights (input feature {row})"
            return f"wrong only in row {row}"
    if analytic.ndim == 2 and analytic.shape[1] > 1 and analytic.shape[0] > 1:
        cols = np.unique(np.nonzero(wrong)[1])
        if cols.size == 1 and np.all(wrong[:, cols[0]] | ~known[:, cols[0]]):
            col = int(cols[0])
            what = {"dinputs": "input feature", "dweights": "neuron"}.get(name, "column")
            return f"wrong in the whole of column {col} ({what} {col}) and nowhere else"
    zero_a = sel & (np.abs(analytic) <= 1e-12 * big) & (np.abs(numeric) > 1e-9 * big)
    zero_n = sel & (np.abs(numeric) <= 1e-12 * big) & (np.abs(analytic) > 1e-9 * big)
    if zero_a.sum() == wrong.sum():
        return (
            "zero where the true gradient is not: a mask that zeroes too much "
            "(wrong comparison or wrong array)?"
        )
    if zero_n.sum() == wrong.sum():
        return (
            "non-zero where the output does not depend on the input: a missing mask, or the "
            "forward clips/saturates here while backward does not"
        )
    share = int(wrong.sum())
    return f"wrong in {share} of {wrong.size} elements" if share < wrong.size else None


def _enough_points(sel: np.ndarray, numeric: np.ndarray, at: np.ndarray | None) -> bool:
    """A factor is evidence only from 3+ wrong elements at 2+ distinct points."""
    if int(sel.sum()) < 3:
        return False
    if at is None:
        return True
    values = np.asarray(at)[sel]
    return np.unique(values).size >= 2


def _value_condition(
    wrong: np.ndarray, known: np.ndarray, at: np.ndarray | None
) -> str | None:
    """The wrong elements are exactly those where the variable has one sign."""
    if at is None or np.shape(at) != wrong.shape or wrong.all():
        return None
    x = np.asarray(at)
    for mask, text in (
        (x < 0, "negative (< 0)"),
        (x <= 0, "not positive (<= 0)"),
        (x > 0, "positive (> 0)"),
        (x >= 0, "not negative (>= 0)"),
        (x == 0, "exactly 0"),
    ):
        if mask.any() and not mask.all() and np.array_equal(wrong & known, mask & known):
            return (
                f"wrong exactly where the input is {text}: a mask or a branch on the wrong "
                "side of a comparison?"
            )
    return None


def _fit_ratio(a: np.ndarray, n: np.ndarray) -> float | None:
    """``c`` with ``a ~ c * n`` when that fit is near exact, else ``None``."""
    denom = float(np.dot(n, n))
    if denom <= 0:
        return None
    c = float(np.dot(a, n)) / denom
    resid = np.linalg.norm(a - c * n)
    if resid <= 1e-4 * max(np.linalg.norm(a), 1e-300):
        return c
    return None


def _small_relative_error(analytic: np.ndarray, numeric: np.ndarray, sel: np.ndarray,
                          known: np.ndarray) -> str | None:
    """A small relative error of the same size on most elements: rounded constants.

    A GELU whose derivative writes sqrt(2/pi) with six digits is off by about 2e-7 of
    every value; only the elements where the tolerance is tightest fail, which looks like
    a single slip but is not one.
    """
    if not sel.any():
        return None
    with np.errstate(all="ignore"):
        rel = np.abs(analytic - numeric) / np.abs(numeric)
    worst = float(np.max(rel[sel]))
    if not np.isfinite(worst) or worst >= 1e-4 or worst <= 0.0:
        return None
    scale = float(np.max(np.abs(numeric[known])))
    usable = known & (np.abs(numeric) > 1e-3 * scale)
    if int(usable.sum()) < 4:
        return None
    typical = float(np.median(rel[usable]))
    if typical < 1e-8:  # the other elements agree to rounding: the error is local
        return None
    return (f"off by a small relative error on most elements (typically {typical:.1g}, at "
            f"most {worst:.1g}), not at one place: a constant written with too few digits "
            f"(e.g. sqrt(2/pi) as 0.797885) or a formula that approximates the forward's?")
