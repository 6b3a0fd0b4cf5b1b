"""The data a loss takes, found by probing it.

Its label kinds (sparse, one-hot, binary, continuous), its prediction domain
(probabilities, values in (0, 1), any real), whether one-hot labels agree with sparse
ones, whether large magnitudes are fed, and whether it is a fused loss (a scalar from
logits).
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from gradcheck.errors import SkipError
from gradcheck.targets import shapes
from gradcheck.targets.building import Constructor
from gradcheck.targets.classes import Found
from gradcheck.targets.loading import describe_exception
from gradcheck.targets.loading import quiet as _quiet
from gradcheck.targets.probe_calls import tries, user_call
from gradcheck.targets.specs import LABEL_KINDS, CheckSpec

__all__ = ["probe_loss"]


def _probe_labels(kind: str, n: int, c: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "sparse":
        return np.array([0, 2, 3][:n], dtype=np.int64)
    if kind == "one_hot":
        return np.eye(c, dtype=np.float64)[[1, 0, 3][:n]]
    if kind == "binary":
        return np.array([[1, 0, 1, 1], [0, 1, 1, 0], [0, 0, 1, 0]], dtype=np.float64)[:n, :c]
    return rng.uniform(0.05, 0.95, size=(n, c))


def _per_sample(result: Any, n: int) -> np.ndarray | None:
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if values.shape in ((n,), (n, 1)) and np.all(np.isfinite(values)):
        return values.reshape(n)
    return None


def probe_loss(found: Found, build: Constructor, obj: Any,
                unchecked: list[str] | None = None) -> list[CheckSpec]:
    """The checks of a built loss: one per label kind it takes (failures included)."""
    n, c = 3, 4
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(c), size=n) * 0.9 + 0.1 / c
    accepted: dict[str, Any] = {}
    for kind in LABEL_KINDS:
        accepted[kind] = tries(obj.forward, probs.copy(), _probe_labels(kind, n, c, rng))
    scalars = {k for k, v in accepted.items() if v is not None and np.ndim(v) == 0
               and math.isfinite(float(v))}
    per_sample = {k for k, v in accepted.items() if v is not None and _per_sample(v, n)
                  is not None}
    if found.kind == "fused" or (scalars and not per_sample):
        kinds = [k for k in ("sparse", "one_hot") if k in scalars]
        if "sparse" not in scalars and "binary" in scalars:
            kinds = ["binary"]  # e.g. sigmoid + binary cross-entropy, fused
        if not kinds:
            user_call(f"{found.name}.forward(logits, sparse labels)", obj.forward,
                       probs.copy(), _probe_labels("sparse", n, c, rng))
            raise SkipError("forward returned no finite scalar loss for sparse or one-hot labels")
        return [CheckSpec(found, build, "fused", labels=k, domain="real") for k in kinds]
    if not per_sample:
        # Nothing accepted: show the user's error for the most common label kind.
        user_call(f"{found.name}.forward(y_pred, y_true)", obj.forward, probs.copy(),
                   _probe_labels("sparse", n, c, rng))
        raise SkipError("forward returned no per-sample losses (shape (N,)) for any label kind")
    if "sparse" in per_sample or ("one_hot" in per_sample and "binary" not in per_sample):
        kinds = [k for k in ("sparse", "one_hot") if k in per_sample]
        specs = [CheckSpec(found, build, "loss", labels=k, domain="probabilities")
                 for k in kinds]
        if "sparse" in per_sample:
            specs += _one_hot_agrees(found, build, obj, probs, n, c, specs, unchecked)
        return specs
    domain = _domain(obj, n, c, rng)
    kinds = [k for k in ("binary", "continuous") if k in per_sample] or ["one_hot"]
    large = shapes.LARGE_MAGNITUDE if domain == "real" and _takes_large_predictions(
        obj, n, c, rng) else None
    return [CheckSpec(found, build, "loss", labels=k, domain=domain, max_magnitude=large)
            for k in kinds]


def _one_hot_agrees(found: Found, build: Constructor, obj: Any, probs: np.ndarray, n: int,
                    c: int, specs: list[CheckSpec], unchecked: list[str] | None
                    ) -> list[CheckSpec]:
    """Check that one-hot labels give the losses the same sparse labels give.

    A loss that accepts sparse labels takes one-hot ones too (the NNFS protocol): a
    one-hot path that mis-shapes, gives other values or non-finite ones is a failure of
    that kind, never a silent narrowing to sparse labels; one that raises is reported as
    not checked.
    """
    sparse = np.array([0, 2, 3][:n], dtype=np.int64)
    reference = _per_sample(tries(obj.forward, probs.copy(), sparse), n)
    if reference is None:
        return []
    try:
        with _quiet(io.StringIO()):
            result = obj.forward(probs.copy(), np.eye(c, dtype=np.float64)[sparse])
    except Exception as exc:  # noqa: BLE001 - the user's code, reported
        specs[:] = [s for s in specs if s.labels != "one_hot"]
        if unchecked is not None:
            unchecked.append(f"one-hot labels: forward raised {describe_exception(exc)}")
        return []
    values = _per_sample(result, n)
    shape = np.shape(result)
    if values is None:
        problem = (f"forward with one-hot labels returned shape {shape}, not per-sample "
                   f"losses of shape ({n},) as with sparse labels")
    elif not np.allclose(values, reference, rtol=1e-6, atol=1e-9):
        problem = ("forward with one-hot labels gives other losses than with the same labels "
                   f"sparse: {np.round(values, 6).tolist()} vs "
                   f"{np.round(reference, 6).tolist()}")
    else:
        return []
    specs[:] = [s for s in specs if s.labels != "one_hot"]
    return [CheckSpec(found, build, "loss", labels="one_hot", domain="probabilities",
                      failure=problem)]


def _takes_large_predictions(obj: Any, n: int, c: int, rng: np.random.Generator) -> bool:
    """Whether a real-valued loss stays finite on predictions and targets near ``1e3``.

    Regression losses (squared, absolute, log-cosh errors) are fed such examples too, where
    overflow-only bugs live; a loss that overflows there legitimately (``exp`` of the
    error) is only fed moderate values. Losses over probabilities or ``(0, 1)`` are never
    fed them: their predictions are bounded.
    """
    big = shapes.LARGE_MAGNITUDE
    y_pred = rng.uniform(-big, big, size=(n, c))
    y_true = rng.uniform(-big, big, size=(n, c))
    return _per_sample(tries(obj.forward, y_pred, y_true), n) is not None


def _domain(obj: Any, n: int, c: int, rng: np.random.Generator) -> str:
    """``"real"`` if the loss responds to predictions outside [0, 1], else ``"unit"``."""
    sign = np.where(rng.uniform(size=(n, c)) < 0.5, -1.0, 1.0)
    outside = sign * rng.uniform(1.5, 3.0, size=(n, c))
    targets = rng.uniform(-1.0, 2.0, size=(n, c))
    before = _per_sample(tries(obj.forward, outside.copy(), targets.copy()), n)
    after = _per_sample(tries(obj.forward, outside + 0.05 * sign, targets.copy()), n)
    if before is None or after is None or np.array_equal(before, after):
        return "unit"
    return "real"
