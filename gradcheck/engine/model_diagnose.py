"""Name the likely wiring bug of a network from the pattern across its parameters.

The per-array patterns (:mod:`gradcheck.engine.diagnose`: sign, batch factor, transpose,
regularization) see one gradient at a time. Across parameters:

- **swapped**: a parameter's gradient equals another parameter's numeric gradient;
- **regularization missing**: the error is ``-k * P`` exactly (the ``k * P`` term of L2
  regularization left out of this one parameter's gradient);
- **an integer factor**: the gradient is ``k`` times the true one with ``k`` an integer
  (a batch size not divided by, when the batch is unknown);
- **where the error enters backward**: when the failing parameters are the ones of the
  layers from some layer down to the first, the bug sits in the backward pass at that
  layer (a skipped activation, a mask), not in each gradient.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradcheck.report import FAILED, GradientResult

__all__ = ["RULES", "diagnose_network"]


def _fit(a: np.ndarray, b: np.ndarray, rel: float = 1e-4) -> float | None:
    """``c`` with ``a ~ c * b`` to ``rel`` relative, else None."""
    denom = float(np.dot(b, b))
    if denom <= 0:
        return None
    c = float(np.dot(a, b)) / denom
    if np.linalg.norm(a - c * b) <= rel * max(float(np.linalg.norm(a)), 1e-300):
        return c
    return None


def _data_factor(a: np.ndarray, n: np.ndarray, p: np.ndarray) -> float | None:
    """``alpha`` with ``a ~ alpha * n + beta * p`` near exactly, else None.

    A scaled data term beside a regularization term ``beta * p`` that is right.
    """
    basis = np.stack([n.ravel(), p.ravel()], axis=1)
    if a.size < 3 or np.linalg.matrix_rank(basis) < 2:
        return None
    coef, *_ = np.linalg.lstsq(basis, a.ravel(), rcond=None)
    resid = np.linalg.norm(a.ravel() - basis @ coef)
    if resid <= 1e-2 * np.linalg.norm(coef[0] * n) and resid <= 1e-3 * np.linalg.norm(a):
        return float(coef[0])
    return None


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return bool(np.all(np.abs(a - b) <= 1e-4 * scale))


def _layer(label: str) -> int | None:
    """The layer number in a label: ``W3`` -> 3, ``layers[2].weights`` -> 2."""
    match = re.search(r"\[(\d+)\]", label) or re.search(r"(\d+)\D*$", label)
    return int(match.group(1)) if match else None


@dataclass
class _Failure:
    """One failed parameter as the rules see it, on the entries that were compared.

    ``a``, ``n``, ``p``: the model's gradient, the numeric one and the parameter, each
    restricted to the compared entries; ``truths``: other label -> (its gradient's name,
    its true gradient on the same entries), only when every entry was compared;
    ``batch``: samples in the batch (1 if unknown).
    """

    label: str
    name: str
    a: np.ndarray
    n: np.ndarray
    p: np.ndarray
    truths: list[tuple[str, str, np.ndarray | None]]
    batch: int


# One rule per diagnosis of a failed parameter, tried in order (the first that applies
# wins; none leaves the per-array diagnosis). Each with the zoo case that exercises it.


def _swapped(f: _Failure) -> str | None:
    """Another parameter's true gradient (test_model_deep.py, DeepReLUNet(bug="swapped"))."""
    for other, name, t in f.truths:
        if t is not None and t.shape == f.a.shape and np.any(t) and _close(f.a, t):
            return (
                f"equals the true gradient of {other}: the gradients of {f.label} and "
                f"{other} swapped ({f.name} <-> {name})?"
            )
    return None


def _regularization_missing(f: _Failure) -> str | None:
    """The error is ``-k * P`` (test_model_deep.py and test_model_book.py, reg_missing)."""
    k = _fit(f.a - f.n, f.p, rel=1e-2)
    if k is None or k >= 0:
        return None
    return (
        f"the error is {k:.3g} * {f.label} exactly: its L2 regularization term "
        f"({-k:.3g} * {f.label}) is missing from {f.name}"
    )


def _batch_in_data_term(f: _Failure) -> str | None:
    """The data term ``batch`` times too large (test_model_deep.py, bug="batch_factor")."""
    factor = _data_factor(f.a, f.n, f.p)
    if factor is None or not (f.batch > 1 and abs(factor - f.batch) < 1e-2 * f.batch):
        return None
    return (
        f"its data term is {f.batch} times too large, the batch size (the "
        f"regularization term aside): a missing `/ N` in {f.name}?"
    )


def _integer_factor(f: _Failure) -> str | None:
    """A whole factor of 3 or more when the batch is unknown (no zoo case exercises it)."""
    ratio = _fit(f.a, f.n)
    if ratio is None or not (abs(ratio - round(ratio)) < 1e-3 and f.batch == 1
                             and ratio >= 2.5):
        return None
    return (
        f"{round(ratio)} times the true gradient: a factor {round(ratio)} too many "
        "(a batch size not divided by?)"
    )


RULES: tuple[Callable[[_Failure], str | None], ...] = (
    _swapped, _regularization_missing, _batch_in_data_term, _integer_factor)
"""The diagnoses of one failed parameter, tried in order; the first that applies wins."""


def _entry_point(results: dict[str, GradientResult], failed: list[str]) -> list[str]:
    """Where the error enters backward (test_model_deep.py, DeepReLUNet(bug="skip_mask")).

    The failing parameters are those of every layer from some layer down to the first.
    """
    layers = {k: _layer(k) for k in results}
    numbered = {k: n for k, n in layers.items() if n is not None}
    bad = sorted({numbered[k] for k in failed if k in numbered})
    if len(bad) < 2:
        return []
    top = bad[-1]
    below = {k for k, n in numbered.items() if n <= top}
    above = sorted(n for n in numbered.values() if n > top)
    if not (below <= set(failed) and above):
        return []
    first = min((k for k in failed if layers[k] == top), key=len)
    last = min((k for k in results if layers[k] == above[0]), key=len)
    return [
        f"the gradients of every parameter up to {first} are wrong and those from "
        f"{last} on are right: the error enters the backward pass between these "
        "layers (a skipped activation backward, a wrong mask, or a wrong dinputs "
        "passed down?)"
    ]


def diagnose_network(
    results: dict[str, GradientResult],
    values: dict[str, np.ndarray],
    analytic: dict[str, np.ndarray],
    numeric: dict[str, np.ndarray],
    *,
    batch: int,
) -> list[str]:
    """Sharpen failed results' diagnoses in place; return notes about the whole network.

    Parameters
    ----------
    results : dict
        Parameter label -> its verdict.
    values, analytic : dict
        Parameter label -> the parameter, and the gradient the model gave.
    numeric : dict
        Parameter label -> numeric gradient (NaN where not compared), where compared.
    batch : int
        Samples in the batch (1 if unknown).

    Returns
    -------
    list of str
        Notes about the whole network (where the error enters backward).
    """
    failed = [k for k, r in results.items() if r.status == FAILED and k in analytic]

    def truth(label: str) -> np.ndarray | None:
        if results[label].status != FAILED:
            return np.asarray(analytic[label], np.float64)
        n = numeric.get(label)
        return n if n is not None and np.all(np.isfinite(n)) else None

    for label in failed:
        failure = _failure(label, results, values, analytic, numeric, truth, batch)
        if failure is None:
            continue
        diagnosis = next((d for rule in RULES if (d := rule(failure)) is not None), None)
        if diagnosis is not None:
            results[label].diagnosis = diagnosis
    return _entry_point(results, failed)


def _failure(
    label: str,
    results: dict[str, GradientResult],
    values: dict[str, np.ndarray],
    analytic: dict[str, np.ndarray],
    numeric: dict[str, np.ndarray],
    truth: Callable[[str], np.ndarray | None],
    batch: int,
) -> _Failure | None:
    """``label``'s failure on its compared entries, or None when too little was compared."""
    a = np.asarray(analytic[label], np.float64)
    n = numeric.get(label)
    if n is None or a.shape != values[label].shape:
        return None
    known = np.isfinite(n)  # a huge parameter in fast mode: a sample was compared
    if known.sum() < 2:
        return None
    truths = []
    for other in results if known.all() else {}:
        t = None if other == label else truth(other)
        t = None if t is None or t.shape != known.shape else t[known]
        truths.append((other, results[other].name, t))
    return _Failure(label, results[label].name, a[known], n[known], values[label][known],
                    truths, batch)
