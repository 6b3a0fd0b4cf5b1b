"""Name the likely bug behind a wrong gradient, from the pattern of the error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = ["NOTHING", "RULES", "diagnose", "shape_problem"]


def shape_problem(name: str, got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """Explain a gradient of the wrong shape."""
    text = f"{name} has shape {got}, expected {expected}"
    if len(got) == len(expected) == 2 and got == expected[::-1]:
        return text + ": transposed (e.g. dvalues.T @ inputs instead of inputs.T @ dvalues)?"
    if int(np.prod(got)) == int(np.prod(expected)) and tuple(d for d in got if d != 1) == tuple(
        d for d in expected if d != 1
    ):
        return text + ": keepdims=True missing in a sum?"
    if int(np.prod(got)) == int(np.prod(expected)) and len(got) != len(expected):
        return text + f": flattened? reshape it to {expected}"
    if len(got) == 2 and len(expected) == 2 and (got[0] != expected[0] or got[1] != expected[1]):
        return text + ": summed over the wrong axis, or the wrong operand order?"
    return text


@dataclass
class _Evidence:
    """One failed gradient as the rules see it.

    ``analytic``, ``numeric`` (NaN where not compared), ``wrong`` (elements judged
    wrong), ``batch``, ``param``, ``name``, ``at`` and ``kinks``: as :func:`diagnose`
    takes them; the rest is derived once, when a rule first asks.
    """

    analytic: np.ndarray
    numeric: np.ndarray
    wrong: np.ndarray
    batch: int
    param: np.ndarray | None
    name: str
    at: np.ndarray | None
    kinks: np.ndarray | None

    @cached_property
    def known(self) -> np.ndarray:
        """Elements compared, with finite values on both sides."""
        return np.isfinite(self.numeric) & np.isfinite(self.analytic)

    @cached_property
    def big(self) -> float:
        """The largest magnitude on either side (the scale of "zero")."""
        a, n = self.analytic[self.known], self.numeric[self.known]
        return max(float(np.max(np.abs(n))), float(np.max(np.abs(a))), 1e-300)

    @cached_property
    def sel(self) -> np.ndarray:
        """The wrong elements that were compared."""
        return self.wrong & self.known

    @cached_property
    def at_kink(self) -> np.ndarray:
        """The wrong elements at a non-differentiable point."""
        return self.sel & self.kinks if self.kinks is not None else np.zeros_like(self.sel)

    @cached_property
    def samples(self) -> bool:
        """Axis 0 is the samples (``dinputs`` of a batch)."""
        return self.name == "dinputs" and self.analytic.ndim >= 2 and self.analytic.shape[0] > 1


# What a rule returns: a diagnosis; None, to let the next rule try; or NOTHING, to stop
# with no diagnosis (the evidence is ambiguous). Each rule's docstring names the test or
# the zoo case that shows it (benchmarks/diagnoses.py prints the misleading cases).
NOTHING = ""
_Rule = Callable[[_Evidence], str | None]


def _never_computed(e: _Evidence) -> str | None:
    """The analytic gradient is all zeros, on at least three wrong elements.

    tests/test_numerics_diagnoses.py: a single element that happens to be zero (an example
    shrunk to one input, where a wrong mask or derivative gives 0) is no evidence that
    dvalues was never used.
    """
    if int(e.sel.sum()) < 3:
        return None
    if np.max(np.abs(e.analytic[e.known])) <= 1e-12 * e.big:
        return (
            "the gradient is all zeros where the numeric one is not: never computed from dvalues?"
        )
    return None


def _gradient_where_none(e: _Evidence) -> str | None:
    """The numeric gradient is all zeros (no zoo case asserts it)."""
    if np.max(np.abs(e.numeric[e.known])) <= 1e-12 * e.big:
        return (
            "the numeric gradient is zero here (the output does not depend on it): "
            "a gradient where none should be?"
        )
    return None


def _only_at_kinks(e: _Evidence) -> str | None:
    """Every wrong element sits at a kink (benchmarks/diagnoses.py MaxEveryTied)."""
    if e.at_kink.any() and e.at_kink.sum() == e.sel.sum():
        where = tuple(int(i) for i in np.argwhere(e.at_kink)[0])
        return (
            f"wrong only at non-differentiable points ({int(e.at_kink.sum())}, first at "
            f"{where}): the analytic value lies outside every combination of the one-sided "
            "derivatives there (e.g. a gradient routed to every tied maximum)"
        )
    return None


def _factor(e: _Evidence) -> str | None:
    """The gradient is a constant times the true one.

    Exercised by test_numerics_diagnoses.py (Tanh_Doubled: a factor 2), test_engine_api.py
    (sign flipped), test_function_cli.py (a missing ``/ samples``), test_cli_command.py
    and test_plugin.py (a missing factor 2), test_engine_ndim.py (scaled by).
    """
    if not _enough_points(e.sel & ~e.at_kink, e.numeric, e.at):
        return None
    ratio = _fit_ratio(e.analytic[e.known], e.numeric[e.known])
    if ratio is None:
        return None
    batch = e.batch
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
    return None


def _rounded_constants(e: _Evidence) -> str | None:
    """A small relative error on most elements (test_zoo_observed.py, a GELU's constant)."""
    return _small_relative_error(e.analytic, e.numeric, e.sel & ~e.at_kink, e.known)


def _one_element(e: _Evidence) -> str | None:
    """A single wrong element (the indexing slip of test_numerics_diagnoses.py)."""
    if int(e.wrong.sum()) != 1:
        return None
    where = tuple(int(i) for i in np.argwhere(e.wrong)[0])
    if e.samples and where[0] == e.analytic.shape[0] - 1:
        return (
            f"only element {where}, in the last sample, is wrong: an off-by-one over "
            "samples (range(samples - 1))?"
        )
    if e.analytic.size >= 4:
        sign = _sign_word(e)
        if sign is not None:  # (the one element where the input has that sign)
            return (f"only element {where} is wrong, the only one where the input is "
                    f"{sign}: a branch on the wrong side of a comparison (the slope "
                    "of that side?), or an indexing slip?")
        return f"only element {where} is wrong: an indexing slip?"
    return NOTHING


def _sign_word(e: _Evidence) -> str | None:
    """``negative (< 0)`` when the wrong elements are exactly where the input has a sign.

    Elements where both gradients are 0 (an upstream gradient of 0 there) say nothing
    of the sign's side and are left out of the comparison.
    """
    informative = e.known & ((e.numeric != 0) | (e.analytic != 0))
    found = _value_condition(e.wrong, informative, e.at)
    if found is None:
        return None
    return found.removeprefix("wrong exactly where the input is ").split(":")[0]


def _transposed(e: _Evidence) -> str | None:
    """A square gradient equal to the transpose of the true one (no zoo case asserts it)."""
    analytic = e.analytic
    if analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1] and e.known.all():
        if np.allclose(analytic, e.numeric.T, rtol=1e-4, atol=1e-7 * e.big):
            return (
                "equals the transpose of the true gradient: a missing or extra .T "
                "(square shapes hide it)"
            )
    return None


def _regularization(e: _Evidence) -> str | None:
    """The error is proportional to the parameter or its sign (no zoo case asserts it)."""
    if e.param is None or int(np.sum(e.sel)) < 2:
        return None
    diff = (e.analytic - e.numeric)[e.sel]
    for basis, text in (
        (
            e.param[e.sel],
            "the error is proportional to the parameter: L2 regularization term wrong?",
        ),
        (
            np.sign(e.param[e.sel]),
            "the error is proportional to sign(parameter): L1 regularization term wrong?",
        ),
    ):
        k = _fit_ratio(diff, basis)
        if k is not None and abs(k) > 0:
            return text + f" (factor {k:.3g})"
    return None


def _one_sign(e: _Evidence) -> str | None:
    """Wrong exactly where the input has one sign (benchmarks/diagnoses.py ReLUNoMask)."""
    return _value_condition(e.wrong, e.known, e.at)


def _one_row(e: _Evidence) -> str | None:
    """Wrong in one row only (benchmarks/diagnoses.py DenseLastFeatureDropped)."""
    analytic, wrong = e.analytic, e.wrong
    if not (analytic.ndim == 2 and analytic.shape[0] > 1):
        return None
    rows = np.unique(np.nonzero(wrong)[0])
    if rows.size == 1 and int(wrong.sum()) >= 2:
        row = int(rows[0])
        if e.samples and row == analytic.shape[0] - 1:
            return (
                f"wrong only in the last sample (row {row}): an off-by-one over samples "
                "(range(samples - 1))?"
            )
        if e.samples:
            return f"wrong only in sample {row}"
        if e.name == "dweights":
            return f"wrong only in row {row} of dweights (input feature {row})"
        return f"wrong only in row {row}"
    return None


def _one_column(e: _Evidence) -> str | None:
    """Wrong in the whole of one column and nowhere else (no zoo case asserts it)."""
    analytic, wrong, known = e.analytic, e.wrong, e.known
    if analytic.ndim == 2 and analytic.shape[1] > 1 and analytic.shape[0] > 1:
        cols = np.unique(np.nonzero(wrong)[1])
        if cols.size == 1 and np.all(wrong[:, cols[0]] | ~known[:, cols[0]]):
            col = int(cols[0])
            what = {"dinputs": "input feature", "dweights": "neuron"}.get(e.name, "column")
            return f"wrong in the whole of column {col} ({what} {col}) and nowhere else"
    return None


def _zeroed(e: _Evidence) -> str | None:
    """Zero wherever wrong, where the true gradient is not (no zoo case asserts it)."""
    zero_a = e.sel & (np.abs(e.analytic) <= 1e-12 * e.big) & (np.abs(e.numeric) > 1e-9 * e.big)
    if zero_a.sum() == e.wrong.sum():
        return (
            "zero where the true gradient is not: a mask that zeroes too much "
            "(wrong comparison or wrong array)?"
        )
    return None


def _not_masked(e: _Evidence) -> str | None:
    """Non-zero wherever wrong where the true gradient is zero (no zoo case asserts it)."""
    zero_n = e.sel & (np.abs(e.numeric) <= 1e-12 * e.big) & (np.abs(e.analytic) > 1e-9 * e.big)
    if zero_n.sum() == e.wrong.sum():
        return (
            "non-zero where the output does not depend on the input: a missing mask, or the "
            "forward clips/saturates here while backward does not"
        )
    return None


def _share(e: _Evidence) -> str | None:
    """The last word: how many elements are wrong, unless all are."""
    share = int(e.wrong.sum())
    return f"wrong in {share} of {e.wrong.size} elements" if share < e.wrong.size else NOTHING


RULES: tuple[_Rule, ...] = (
    _never_computed, _gradient_where_none, _only_at_kinks, _factor, _rounded_constants,
    _one_element, _transposed, _regularization, _one_sign, _one_row, _one_column, _zeroed,
    _not_masked, _share,
)
"""The diagnoses, tried in order: the first that applies (or says NOTHING) decides."""


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
    evidence = _Evidence(analytic, numeric, wrong, batch, param, name, at, kinks)
    if not evidence.known.any() or not wrong.any():
        return None
    for rule in RULES:
        found = rule(evidence)
        if found is not None:
            return found or None
    return None


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
    if resid <= 1e-4 * max(float(np.linalg.norm(a)), 1e-300):
        return c
    return None


def _small_relative_error(analytic: np.ndarray, numeric: np.ndarray, sel: np.ndarray,
                          known: np.ndarray) -> str | None:
    """A small relative error (below 1e-3) where the gradient fails: rounded constants.

    A GELU whose derivative writes sqrt(2/pi) with six digits is off by about 2e-7 of
    every value; only the elements where the tolerance is tightest fail, which looks like
    a single slip but is not one. One that writes 0.044715 as 0.0447 is off by a relative
    error growing with x**2 (up to about 2e-4 at |x| = 2), right to rounding near 0.
    """
    if not sel.any():
        return None
    with np.errstate(all="ignore"):
        rel = np.abs(analytic - numeric) / np.abs(numeric)
    worst = float(np.max(rel[sel]))
    if not np.isfinite(worst) or worst >= 1e-3 or worst <= 0.0:
        return None
    scale = float(np.max(np.abs(numeric[known])))
    usable = known & (np.abs(numeric) > 1e-3 * scale)
    if int(usable.sum()) < 4:
        return None
    typical = float(np.median(rel[usable]))
    if typical < 1e-8:  # most elements agree to rounding: the error grows with the input
        return (f"off by a small relative error (at most {worst:.1g}), right to rounding "
                "elsewhere: not a slip at one place but a constant written with too few "
                "digits (e.g. 0.044715 as 0.0447) or a formula that approximates the "
                "forward's?")
    return (f"off by a small relative error on most elements (typically {typical:.1g}, at "
            f"most {worst:.1g}), not at one place: a constant written with too few digits "
            f"(e.g. sqrt(2/pi) as 0.797885) or a formula that approximates the forward's?")
