"""Name the likely bug behind a wrong gradient, from the pattern of the error."""

from __future__ import annotations

import numpy as np


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
) -> str | None:
    """A likely cause for a failed gradient, or ``None``.

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

    ratio = _fit_ratio(a, n)
    if ratio is not None:
        for value, text in (
            (-1.0, "sign flipped"),
            (float(batch), f"too large by the batch size ({batch}): a missing `/ samples`?"),
            (1.0 / batch, f"too small by the batch size ({batch}): divided by samples twice?"),
            (2.0, "twice the true value: a factor 2 too many?"),
            (0.5, "half the true value: a missing factor 2?"),
        ):
            if batch > 1 or value not in (float(batch), 1.0 / batch):
                if abs(ratio - value) <= 1e-4 * max(1.0, abs(value)):
                    return text
        if abs(ratio - 1.0) > 1e-4:
            return f"proportional to the true gradient, scaled by {ratio:.6g}"

    if int(wrong.sum()) == 1:
        where = tuple(int(i) for i in np.argwhere(wrong)[0])
        if analytic.ndim == 2 and analytic.shape[0] > 1 and where[0] == analytic.shape[0] - 1:
            return (
                f"only element {where}, in the last row, is wrong: an off-by-one over samples "
                "(range(samples - 1))?"
            )
        return f"only element {where} is wrong: an indexing slip?"

    if analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1] and known.all():
        if np.allclose(analytic, numeric.T, rtol=1e-4, atol=1e-7 * big):
            return (
                "equals the transpose of the true gradient: a missing or extra .T "
                "(square shapes hide it)"
            )

    if param is not None and int(np.sum(wrong & known)) >= 2:
        sel = wrong & known
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

    if analytic.ndim == 2 and analytic.shape[0] > 1:
        rows = np.unique(np.nonzero(wrong)[0])
        if rows.size == 1:
            return (
                f"wrong only in row {int(rows[0])}: an off-by-one over samples "
                "(range(samples - 1))?"
            )
    if analytic.ndim == 2 and analytic.shape[1] > 1:
        cols = np.unique(np.nonzero(wrong)[1])
        if cols.size == 1:
            return f"wrong only in column {int(cols[0])}"
    zero_a = wrong & known & (np.abs(analytic) <= 1e-12 * big) & (np.abs(numeric) > 1e-9 * big)
    zero_n = wrong & known & (np.abs(numeric) <= 1e-12 * big) & (np.abs(analytic) > 1e-9 * big)
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
