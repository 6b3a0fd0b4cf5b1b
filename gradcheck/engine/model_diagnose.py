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

import numpy as np

from gradcheck.report import FAILED, GradientResult

__all__ = ["diagnose_network"]


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
    """
    failed = [k for k, r in results.items() if r.status == FAILED and k in analytic]

    def truth(label: str) -> np.ndarray | None:
        if results[label].status != FAILED:
            return np.asarray(analytic[label], np.float64)
        n = numeric.get(label)
        return n if n is not None and np.all(np.isfinite(n)) else None

    for label in failed:
        result = results[label]
        a = np.asarray(analytic[label], np.float64)
        n = numeric.get(label)
        if n is None or a.shape != values[label].shape:
            continue
        known = np.isfinite(n)  # a huge parameter in fast mode: a sample was compared
        if known.sum() < 2:
            continue
        others = results if known.all() else {}
        a, n, p = a[known], n[known], values[label][known]
        for other in others:
            t = None if other == label else truth(other)
            t = None if t is None or t.shape != known.shape else t[known]
            if t is not None and t.shape == a.shape and np.any(t) and _close(a, t):
                mine = results[other].name
                result.diagnosis = (
                    f"equals the true gradient of {other}: the gradients of {label} and "
                    f"{other} swapped ({result.name} <-> {mine})?"
                )
                break
        else:
            k = _fit(a - n, p, rel=1e-2)
            if k is not None and k < 0:
                result.diagnosis = (
                    f"the error is {k:.3g} * {label} exactly: its L2 regularization term "
                    f"({-k:.3g} * {label}) is missing from {result.name}"
                )
                continue
            factor = _data_factor(a, n, p)
            if factor is not None and batch > 1 and abs(factor - batch) < 1e-2 * batch:
                result.diagnosis = (
                    f"its data term is {batch} times too large, the batch size (the "
                    f"regularization term aside): a missing `/ N` in {result.name}?"
                )
                continue
            ratio = _fit(a, n)
            whole = ratio is not None and abs(ratio - round(ratio)) < 1e-3
            if whole and batch == 1 and ratio >= 2.5:
                result.diagnosis = (
                    f"{round(ratio)} times the true gradient: a factor {round(ratio)} too many "
                    "(a batch size not divided by?)"
                )
    notes = []
    layers = {k: _layer(k) for k in results}
    bad = sorted({layers[k] for k in failed if layers[k] is not None})
    if len(bad) >= 2:
        top = bad[-1]
        below = {k for k, n in layers.items() if n is not None and n <= top}
        above = sorted(n for n in layers.values() if n is not None and n > top)
        if below <= set(failed) and above:
            first = min((k for k in failed if layers[k] == top), key=len)
            last = min((k for k in results if layers[k] == above[0]), key=len)
            notes.append(
                f"the gradients of every parameter up to {first} are wrong and those from "
                f"{last} on are right: the error enters the backward pass between these "
                "layers (a skipped activation backward, a wrong mask, or a wrong dinputs "
                "passed down?)"
            )
    return notes
