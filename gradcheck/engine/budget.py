"""Budgets of a check, counted in bytes, elements and forward calls: never in seconds.

Three things are bounded here, all from array sizes alone, so that the same inputs and
seed give the same evaluations, verdicts and messages on a fast or a slow machine:

- **Memory.** A stacked evaluation (many perturbed copies of the batch in one forward
  call, or many side-by-side copies of the parameters) allocates in proportion to its
  number of copies. :func:`rows_per_call` and :func:`copies_per_call` count what one
  copy costs (the stacked inputs or tiled parameters, the outputs, the arrays the checker
  derives from them, times :data:`SAFETY` for the temporaries of the user's forward) and
  return how many fit in :data:`MEMORY_BYTES`; the evaluation is chunked into calls of
  that many copies, never refused.
- **Cost.** :func:`call_cost` estimates one forward call from the sizes of its arrays:
  a fixed overhead, every element moved, and ``rows x parameter elements`` multiply-adds
  (what a dense layer does), in *reference seconds*: the constants below were measured
  once on a 2-core machine with one BLAS thread. They are fixed numbers; no clock is read.
- **Mode and sampling.** :func:`automatic_mode` picks ``"exhaustive"`` while the estimated
  cost of the exhaustive check stays within :data:`EXHAUSTIVE_COST`, and
  :func:`locate_calls` gives fast mode's number of forward calls for locating a wrong
  element in a huge parameter.

Internal: the constants are read at every check; users change the memory budget with
``gradcheck.configure(memory_bytes=...)`` (:mod:`gradcheck.settings`), and
:data:`MEMORY_BYTES` is its default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from gradcheck.protocol.subject import Subject

__all__ = [
    "CALL_SECONDS",
    "COMPARE_SECONDS",
    "ELEMENT_SECONDS",
    "EVALUATIONS_PER_ELEMENT",
    "EXHAUSTIVE_COST",
    "EXHAUSTIVE_LIMIT",
    "EXHAUSTIVE_MAX",
    "ITEM",
    "LOCATE_COST",
    "LOCATE_MIN_CALLS",
    "MAC_SECONDS",
    "MEMORY_BYTES",
    "MIN_ROWS",
    "ROW_ELEMENTS",
    "SAFETY",
    "STACKED_SECONDS",
    "WHOLE_ELEMENTS",
    "automatic_mode",
    "call_cost",
    "copies_per_call",
    "exhaustive_cost",
    "locate_calls",
    "rows_per_call",
    "subject_call_cost",
]

MEMORY_BYTES = 64 * 2**20  # what one stacked evaluation may allocate, all counted
# Stacked rows, for speed: every perturbed row in one call while its arrays stay within
# WHOLE_ELEMENTS (one call is cheapest: 128 x 32 ReLU exhaustive 2.8-3.1 ms, against
# 4.1-4.5 ms in calls of 2**16); beyond, calls of at most ROW_ELEMENTS elements per
# row-sized array, since arrays that leave the cache cost more per element than the calls
# saved (384 x 512 ReLU exhaustive: 1.2-2.1 s at 2**15, 1.9-3.6 s at 2**17, 3.7-7.3 s at
# 2**19; loaded 2-core machine, three rounds).
WHOLE_ELEMENTS = 2**19
ROW_ELEMENTS = 2**16
MIN_ROWS = 64  # ... but at least this many rows per call, memory permitting (wide rows)
SAFETY = 2.0  # the user's forward makes temporaries of its own (a product, then + bias)
ITEM = 8  # bytes per element: stacked evaluations run in float64

# reference cost of one forward call (2-core x86 machine, one BLAS thread, numpy 2.4)
CALL_SECONDS = 20e-6  # the call itself: Python, the checker's bookkeeping
ELEMENT_SECONDS = 0.3e-9  # per element moved: inputs, parameters, outputs
MAC_SECONDS = 0.03e-9  # per multiply-add, estimated as rows x parameter elements
STACKED_SECONDS = 1e-9  # per element of the checker's own arrays around a stacked call
COMPARE_SECONDS = 0.3e-6  # per element compared: the bookkeeping of finite differences

EXHAUSTIVE_LIMIT = 20_000  # automatic mode: always exhaustive up to this many elements
EXHAUSTIVE_MAX = 2_000_000  # ... and never above this many, whatever the estimate
EXHAUSTIVE_COST = 1.0  # ... in between, exhaustive while estimated at most this (ref. s)
EVALUATIONS_PER_ELEMENT = 2  # a central difference: f(x + s) and f(x - s)

LOCATE_COST = 2.0  # fast mode: locating an error, at most this much (reference seconds)
LOCATE_MIN_CALLS = 16


def rows_per_call(row_inputs: int, row_outputs: int, rows: int | None = None) -> int:
    """Stacked input rows that one forward call may take within :data:`MEMORY_BYTES`.

    ``rows``: how many rows are wanted in all; all of them in one call when their arrays
    have at most :data:`WHOLE_ELEMENTS` elements, else at most :data:`ROW_ELEMENTS`
    elements per row-sized array, or :data:`MIN_ROWS` rows when they are wider (speed).

    Per row: the row of inputs (the stacked copy and the forward's view of it) and its
    outputs with the arrays derived from them (changes from the unperturbed output, the
    gathered ``dvalues``, their products and absolute values: six output-sized arrays).
    """
    per_row = SAFETY * ITEM * (2 * row_inputs + 6 * row_outputs)
    by_memory = int(MEMORY_BYTES // max(per_row, 1.0))
    width = max(row_inputs, row_outputs, 1)
    if rows is not None and rows * width <= WHOLE_ELEMENTS:
        return max(1, min(by_memory, rows))
    return max(1, min(by_memory, max(MIN_ROWS, ROW_ELEMENTS // width)))


def copies_per_call(param_elements: int, output_elements: int) -> int:
    """Side-by-side parameter copies that one forward call may hold within the budget.

    Per copy: every parameter tiled once, and its block of outputs with the arrays
    derived from it (the change from the unperturbed output, its absolute value, and the
    forward's own product and sum: five output-sized arrays).
    """
    per_copy = SAFETY * ITEM * (param_elements + 5 * output_elements)
    return max(1, int(MEMORY_BYTES // max(per_copy, 1.0)))


def call_cost(inputs: int, params: Iterable[int], outputs: int, rows: int) -> float:
    """Estimated reference seconds of one forward call on arrays of these sizes."""
    p = sum(params)
    moved = inputs + p + outputs
    return CALL_SECONDS + ELEMENT_SECONDS * moved + MAC_SECONDS * rows * p


def subject_call_cost(subject: Subject, x: np.ndarray) -> float:
    """:func:`call_cost` of one forward call of ``subject`` on the batch ``x``."""
    return call_cost(x.size, _param_sizes(subject), _output_size(subject, x), x.shape[0])


def locate_calls(subject: Subject, x: np.ndarray) -> int:
    """Fast mode: forward calls to spend locating a wrong element (from sizes alone).

    Each located element costs about four calls (two steps, both sides); the number is
    at least :data:`LOCATE_MIN_CALLS`, so that a costly layer is still sampled.
    """
    per_element = 4 * subject_call_cost(subject, x)
    return max(LOCATE_MIN_CALLS, int(LOCATE_COST / per_element))


def exhaustive_cost(
    inputs: tuple[int, ...],
    params: Iterable[tuple[int, ...]],
    outputs: int,
    *,
    rows: bool,
    columns: bool,
) -> float:
    """Estimated reference seconds of the exhaustive check, from shapes alone.

    ``inputs``: the batch's shape; ``params``: the parameters' shapes; ``outputs``: the
    elements of one forward output. ``rows``: the inputs' perturbations are stacked as
    rows (a row-independent map); ``columns``: the parameters' as side-by-side copies.
    Otherwise every element costs its own forward calls.
    """
    shapes = [tuple(s) for s in params]
    sizes = [math.prod(s) for s in shapes]
    n, x_size = inputs[0], math.prod(inputs)
    call = call_cost(x_size, sizes, outputs, n)
    work = call - CALL_SECONDS
    e = EVALUATIONS_PER_ELEMENT
    cost = COMPARE_SECONDS * (x_size + sum(sizes))
    if rows:
        # every perturbed element is one row: the row's share of a call, the checker's
        # arrays for that row, and the calls themselves
        row_in, row_out = x_size // n, max(1, outputs // n)
        calls = math.ceil(e * x_size / rows_per_call(row_in, row_out, x_size))
        per_row = work / n + STACKED_SECONDS * (2 * row_in + 6 * row_out)
        cost += e * x_size * per_row + calls * CALL_SECONDS
    else:
        cost += e * x_size * call
    for shape, size in zip(shapes, sizes, strict=True):
        if columns:
            # shape[0] copies side by side, each about one forward call's work, plus the
            # tiled parameters and the checker's arrays for its block of outputs
            copies = e * shape[0]
            calls = math.ceil(copies / copies_per_call(sum(sizes), outputs))
            per_copy = work + STACKED_SECONDS * (sum(sizes) + 5 * outputs)
            cost += copies * per_copy + calls * CALL_SECONDS
        else:
            cost += e * size * call
    return cost


def automatic_mode(
    subject: Subject,
    x: np.ndarray,
    *,
    rows_independent: Callable[[], bool],
    columns_usable: Callable[[], bool],
) -> str:
    """``"exhaustive"`` or ``"fast"``, chosen by the estimated cost of exhaustive.

    Up to :data:`EXHAUSTIVE_LIMIT` elements in all: exhaustive. Above
    :data:`EXHAUSTIVE_MAX`: fast. In between, exhaustive while :func:`exhaustive_cost`
    is at most :data:`EXHAUSTIVE_COST`; only then are the stacking probes run
    (``rows_independent``, ``columns_usable``: a few forward calls each).
    """
    size = x.size + sum(_param_sizes(subject))
    if size <= EXHAUSTIVE_LIMIT:
        return "exhaustive"
    if size > EXHAUSTIVE_MAX:
        return "fast"
    rows = not subject.pin.draws and subject.per_row and rows_independent()
    columns = subject.takes_upstream_gradient and bool(subject.params) and columns_usable()
    shapes = [v.shape for v in subject.params.values()]
    cost = exhaustive_cost(x.shape, shapes, _output_size(subject, x), rows=rows,
                           columns=columns)
    return "exhaustive" if cost <= EXHAUSTIVE_COST else "fast"


def _param_sizes(subject: Subject) -> list[int]:
    return [int(v.size) for v in subject.params.values()]


def _output_size(subject: Subject, x: np.ndarray) -> int:
    """Elements of one forward output: a layer's ``dvalues`` shape, a loss's per sample."""
    dv = subject.dvalues
    return int(dv.size) if subject.takes_upstream_gradient and dv is not None \
        else int(x.shape[0])
