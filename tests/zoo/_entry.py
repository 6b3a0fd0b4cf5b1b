"""The zoo's record type and the small data makers every zoo module shares.

Only numpy here: the zoo must not depend on the code it is used to test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("layer", "loss", "fused")
LABEL_KINDS = ("sparse", "one_hot")


@dataclass(frozen=True)
class Entry:
    """One zoo specimen: a class as a reader might write it, and data to check it on.

    name      unique id, "<family>/<what>[<labels>]"
    factory   returns a fresh instance (parameters set, deterministic)
    kind      "layer" | "loss" | "fused"
    buggy     True when the backward (or the protocol) is wrong
    what      one line: the bug, or why the correct variant is tricky
    make_data rng -> the positional check arguments: (inputs,) for layers,
              (y_pred, y_true) for losses, (logits, y_true) for fused
    expect    for bugs: gradient name ("dinputs", "dweights", ...) or problem keyword
              ("missing", "NameError") the report must carry; "a|b" accepts either
              (e.g. "mutat|in place")
    labels    "sparse" | "one_hot" | None: which label path the data exercises
    options   extra keyword arguments for check_layer / check_loss (e.g. training=True)
    seed      seed of the numpy Generator handed to make_data
    twin      for bugs: name of the correct entry this bug is a mutation of, built the
              same way and fed identical data (None when the zoo has no exact twin)
    """

    name: str
    factory: Callable[[], Any]
    kind: str
    buggy: bool
    what: str
    make_data: Callable[[np.random.Generator], tuple]
    expect: str | None = None
    labels: str | None = None
    options: dict = field(default_factory=dict)
    seed: int = 0
    twin: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind={self.kind!r} not in {KINDS}")
        if self.buggy and not self.expect:
            raise ValueError(f"{self.name}: a bug needs `expect`")
        if self.labels is not None and self.labels not in LABEL_KINDS:
            raise ValueError(f"{self.name}: labels={self.labels!r} not in {LABEL_KINDS}")

    def data(self, seed: int | None = None) -> tuple:
        """The check arguments, fresh copies, from `seed` (default: the entry's own)."""
        rng = np.random.default_rng(self.seed if seed is None else seed)
        return tuple(np.array(a, copy=True) for a in self.make_data(rng))


# ---------------------------------------------------------------- data makers


def batch(rng: np.random.Generator, n: int, f: int, *, zeros: int = 0,
          scale: float = 1.0) -> np.ndarray:
    """(n, f) float64 normals, with `zeros` entries set to exactly 0.0 (kinks)."""
    x = scale * rng.standard_normal((n, f))
    if zeros:
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, size=min(zeros, flat.size), replace=False)] = 0.0
    return x


def logits(rng: np.random.Generator, n: int, c: int, *, scale: float = 2.0) -> np.ndarray:
    return scale * rng.standard_normal((n, c))


def probabilities(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    """Rows of a softmax: strictly inside (0, 1), far from the 1e-7 clip."""
    z = rng.standard_normal((n, c))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sparse_labels(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    """(n,) int64 labels, at least two distinct classes when n > 1 and c > 1."""
    y = rng.integers(0, c, size=n)
    if n > 1 and c > 1 and np.all(y == y[0]):
        y[-1] = (y[0] + 1) % c
    return y.astype(np.int64)


def one_hot(y: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[y]


def labels_of(kind: str, rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    y = sparse_labels(rng, n, c)
    return y if kind == "sparse" else one_hot(y, c)


def set_params(layer: Any, rng_seed: int, *, zero_weights: int = 0, zero_biases: int = 0,
               scale: float = 0.5, dtype: Any = np.float64) -> Any:
    """Give a dense-like layer deterministic, non-trivial weights and biases.

    Book initialisation (0.01 * randn, zero biases) would hide bias bugs; here biases
    are non-zero unless `zero_biases` of them are zeroed on purpose (L1 kinks).
    """
    rng = np.random.default_rng(rng_seed)
    w = scale * rng.standard_normal(layer.weights.shape)
    b = scale * rng.standard_normal(layer.biases.shape)
    if zero_weights:
        w.reshape(-1)[rng.choice(w.size, size=zero_weights, replace=False)] = 0.0
    if zero_biases:
        b.reshape(-1)[rng.choice(b.size, size=zero_biases, replace=False)] = 0.0
    layer.weights = w.astype(dtype)
    layer.biases = b.astype(dtype)
    return layer
