"""A layer whose backward is right only for an upstream gradient with one non-zero element.

A from-scratch CNN tutorial's softmax layer loops over its upstream gradient, skips the
zeros and returns at the first non-zero element: right for what cross-entropy gives it
(one non-zero element: the true class), wrong for any other upstream gradient. Its
failure on a general upstream gradient is true, and is said in those words, after the
failing example is checked again with upstream gradients of one non-zero element per
sample (:func:`right_only_for_one_nonzero`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.protocol.roles import roles_of
from gradcheck.report import PASSED
from gradcheck.targets.results import Case

__all__ = ["ONE_NONZERO", "right_only_for_one_nonzero"]

#: what the failure says when the layer is right for one non-zero element per sample
ONE_NONZERO = (
    "right only when the upstream gradient has one non-zero element per sample (what "
    "cross-entropy gives a softmax), wrong for any other: backward stops at the first "
    "non-zero element, or skips the others (a return inside the loop over dvalues?); "
    "after any other loss, or anywhere but last, it passes on a wrong gradient")


def right_only_for_one_nonzero(case: Case | None,
                               run: Callable[[Case, np.ndarray], Any],
                               widest: int = 16) -> bool:
    """Whether the failing example passes with an upstream gradient non-zero at one place.

    ``run(case, dvalues)`` checks the example with the upstream gradient given. Every
    place of a sample's output is tried in turn (at most ``widest``), non-zero there in
    every sample, of a random size in ``[0.5, 2]`` and sign: a backward linear in its
    upstream gradient that is right for each is right for all, so a failure on a
    general one while every such check passes is a backward that is not linear in it
    (it stops at the first non-zero element), never an element it gets wrong by chance.
    """
    if case is None or "inputs" not in case.arrays or case.obj is None:
        return False
    x = case.arrays["inputs"]
    try:
        with np.errstate(all="ignore"):
            out = getattr(case.obj, roles_of(case.obj).forward)(np.array(x, copy=True))
    except Exception:  # noqa: BLE001 - the user's forward: no rerun
        return False
    if not isinstance(out, np.ndarray) or out.ndim < 1 or out.size == 0 \
            or out.size // out.shape[0] < 2:
        return False
    rng = np.random.default_rng(case.seed)
    rows, width = out.shape[0], out.size // out.shape[0]
    if width > widest:
        return False
    for place in range(width):
        dv = np.zeros((rows, width))
        dv[:, place] = rng.uniform(0.5, 2.0, rows) * rng.choice([-1.0, 1.0], rows)
        report = run(case, dv.reshape(out.shape))
        if report is None or getattr(report, "status", None) != PASSED:
            return False
    return True
