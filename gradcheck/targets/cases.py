"""How to draw and run one example, per kind of check: one small object per kind.

The runner (:mod:`gradcheck.targets.runner`) drives Hypothesis and shrinks; it asks the
kind of each check (:func:`cases_for`) three things:

* ``draw(spec, draw)``: build the object and draw its data (a :class:`Case`);
* ``run(spec, case)``: check the case through the public API (``(report, None)`` or
  ``(None, problem)``: the engine never crashes the run);
* ``wider(spec, case, rng)``: the case on 4+ random rows, for a diagnosis (or ``None``),
  and ``wider_first``, whether that rerun is asked before the larger failures met.

:data:`LAYERS`, :data:`LOSSES`, :data:`FUSED` here; :data:`~gradcheck.targets.functions.FUNCTIONS`
beside the function pairs, :data:`~gradcheck.targets.derivatives.DERIVATIVES` beside the
derivatives. Hypothesis is imported when a case is drawn.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from gradcheck.engine.blame import checker_raised
from gradcheck.errors import BuildError
from gradcheck.protocol.packing import Packing
from gradcheck.targets.building import set_up_for
from gradcheck.targets.derivatives import DERIVATIVES
from gradcheck.targets.discovery import describe_exception, prepare, wrap_backward_only
from gradcheck.targets.functions import FUNCTIONS
from gradcheck.targets.results import Case
from gradcheck.targets.specs import CheckSpec
from gradcheck.targets.unbatched import with_batch_axis

__all__ = ["FUSED", "LAYERS", "LOSSES", "BuildError", "CaseKind", "cases_for", "quiet"]

MAX_SAMPLES = 6
MAX_FEATURES = 6
MAX_CLASSES = 6
# Probabilities fed to cross-entropy-like losses stay this far from 0 (and the clip).
MIN_PROBABILITY = 1e-3
# Fused softmax + loss logits: |logit| <= 5 keeps every softmax probability above the
# book's 1e-7 clip for up to 10 classes, where the forward is flat.
FUSED_MAX_LOGIT = 5.0
# Real predictions and targets of regression losses: |x| <= 10, now and then scaled up to
# the check's max_magnitude (1e3).
_REAL_MAGNITUDE = 10.0

Draw = Callable[[Any], Any]


class CaseKind(Protocol):
    """How examples of one kind of check are drawn, run and widened."""

    @property
    def wider_first(self) -> bool:
        """Whether a rerun on random rows is asked before the larger failures met."""
        ...

    def draw(self, spec: Any, draw: Draw) -> Case:
        """Build the object and draw its data; :class:`BuildError` if the build raises."""
        ...

    def run(self, spec: Any, case: Case, *, dvalues: np.ndarray | None = None
            ) -> tuple[Any, str | None]:
        """Check one case: ``(report, None)`` or ``(None, problem)``."""
        ...

    def wider(self, spec: Any, case: Case, rng: np.random.Generator) -> Case | None:
        """The case again on 4+ random rows (evidence for a diagnosis), or None."""
        ...


@dataclass(frozen=True)
class _Layers:
    """Layers and activations: sizes, parameters and inputs drawn; ``check_layer``."""

    wider_first: bool = False

    def draw(self, spec: CheckSpec, draw: Draw) -> Case:
        from hypothesis import strategies as st

        n = 1 if getattr(spec, "one_sample", False) else draw(st.integers(1, MAX_SAMPLES))
        sizes: dict[str, int] = {}
        if spec.build.sizes:
            first = draw(st.integers(1, MAX_FEATURES))
            square = draw(st.booleans())
            for name in spec.build.sizes:
                sizes[name] = first if square else draw(st.integers(1, MAX_FEATURES))
        if spec.input_width is not None:
            width = spec.input_width
        elif spec.build.input_size in sizes:
            width = sizes[spec.build.input_size]
        else:
            width = draw(st.integers(1, MAX_FEATURES))
        obj = _build(spec, sizes)
        set_up_for(obj, tuple(spec.input_shape) if spec.input_shape is not None
                   else (width,))  # (build(input_shape): weights made for this input)
        _draw_parameters(obj, spec.params, draw)
        arrays = {"inputs": _draw_inputs(spec, n, width, draw)}
        seed = draw(st.integers(0, 2**16 - 1))
        return Case(obj, arrays, sizes, seed)

    def run(self, spec: CheckSpec, case: Case, *, dvalues: np.ndarray | None = None
            ) -> tuple[Any, str | None]:
        from gradcheck.api import check_layer

        drawn = case.arrays["inputs"]
        inputs: np.ndarray | tuple[np.ndarray, ...] = drawn
        if spec.input_parts is not None:  # several inputs, drawn side by side
            parts: list[Any] = Packing(spec.input_parts).unpack(drawn)
            for position, _, value in spec.input_constants:  # (a mask, by its name)
                parts.insert(position, value)
            inputs = tuple(parts)
        return _engine(spec, lambda: check_layer(
            case.obj, inputs, dvalues=dvalues, seed=case.seed,
            training=True if spec.training else None, raise_on_failure=False,
        ))

    def wider(self, spec: CheckSpec, case: Case, rng: np.random.Generator) -> Case | None:
        x = case.arrays.get("inputs")
        if x is None or x.ndim < 2 or getattr(spec, "one_sample", False):
            return None
        rows = rng.standard_normal((max(4, x.shape[0]), *x.shape[1:]))
        return Case(case.obj, {"inputs": rows}, case.sizes, case.seed)


@dataclass(frozen=True)
class _Losses:
    """Losses (``fused``: softmax + loss on logits): predictions and targets; ``check_loss``.

    A loss first takes the diagnosis of a rerun on random predictions and targets of its
    kinds: Hypothesis's favourite values (ties, equal rows, bounds) make a pattern such as
    "wrong where positive" describe what is really a flipped sign.
    """

    fused: bool = False
    wider_first: bool = True

    def draw(self, spec: CheckSpec, draw: Draw) -> Case:
        from hypothesis import strategies as st

        n = draw(st.integers(1, MAX_SAMPLES))
        c = spec.input_width or draw(st.integers(2, MAX_CLASSES))
        sizes: dict[str, int] = {name: c for name in spec.build.sizes}
        obj = _build(spec, sizes)
        y_pred = _float64(draw(_predictions(spec, n, c, fused=self.fused)))
        y_true = draw(_targets(spec, n, c))
        if spec.max_magnitude is not None and draw(st.booleans()):
            # scaled, not redrawn (as for layers): errors near 1e3, where squares reach
            # 1e6 and exp overflows; 0/1 targets stay 0/1
            y_pred, y_true = _scaled(spec, y_pred, y_true)
        arrays = {"y_pred": y_pred, "y_true": y_true}
        seed = draw(st.integers(0, 2**16 - 1))
        return Case(obj, arrays, sizes, seed)

    def run(self, spec: CheckSpec, case: Case, *, dvalues: np.ndarray | None = None
            ) -> tuple[Any, str | None]:
        from gradcheck.api import check_loss

        return _engine(spec, lambda: check_loss(case.obj, case.arrays["y_pred"],
                                          case.arrays["y_true"], seed=case.seed,
                                          raise_on_failure=False))

    def wider(self, spec: CheckSpec, case: Case, rng: np.random.Generator) -> Case | None:
        if "y_pred" not in case.arrays:
            return None
        arrays = _random_loss_arrays(spec, case.arrays, rng, fused=self.fused)
        return None if arrays is None else Case(case.obj, arrays, case.sizes, case.seed)


LAYERS: CaseKind = _Layers()
LOSSES: CaseKind = _Losses()
FUSED: CaseKind = _Losses(fused=True)
_KINDS: dict[str, CaseKind] = {"layer": LAYERS, "loss": LOSSES, "fused": FUSED,
                               "function": FUNCTIONS, "derivative": DERIVATIVES}


def cases_for(spec: Any) -> CaseKind:
    """How examples of ``spec``'s kind are drawn and run."""
    return _KINDS[spec.kind]


def _engine(spec: Any, check: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run the engine on one case; ``(report, None)`` or ``(None, problem)``.

    An exception the engine lets through (bad data for this object, or a bug in the
    checker) becomes the class's error message instead of a crash.
    """
    try:
        with quiet():
            report = check()
    except (ValueError, TypeError) as exc:
        return None, f"the check rejected the call: {type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - never crash on one class
        return checker_raised(exc, spec.name, spec.kind)
    return report, None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep what user code prints (and numpy's warnings) out of the CLI's output."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _draw_inputs(spec: CheckSpec, n: int, width: int, draw: Callable[[Any], Any]
                 ) -> np.ndarray:
    """A layer's inputs: the probed shape and domain; now and then large magnitudes."""
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from gradcheck import strategies as gs

    shape = spec.input_shape if spec.input_shape is not None else (width,)
    if spec.input_domain == "ids":
        assert spec.input_high is not None
        return draw(arrays(np.int64, (n, *shape), elements=st.integers(0, spec.input_high - 1)))
    magnitude = 10.0
    flat = int(np.prod(shape)) if shape else 1
    values = _float64(draw(gs.input_batches(n_samples=n, n_features=flat,
                                            max_magnitude=magnitude,
                                            zeros=spec.input_domain != "positive")))
    large = spec.max_magnitude is not None and draw(st.booleans())
    if large and spec.max_magnitude is not None:
        # scaled, not redrawn: the strategy's favourite values (its bounds, ties, equal
        # rows) become large ones, e.g. logits of 1000 where exp overflows
        values = values * (spec.max_magnitude / magnitude)
    if spec.input_domain == "positive":
        values = np.abs(values)
    values = values.reshape((n, *shape))
    if getattr(spec, "batch_last", False):
        return np.ascontiguousarray(np.moveaxis(values, 0, -1))  # (features, n)
    return values


def _scaled(spec: CheckSpec, y_pred: np.ndarray, y_true: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """A regression loss's example at large magnitude: real values times ``1e3 / 10``."""
    assert spec.max_magnitude is not None
    factor = spec.max_magnitude / _REAL_MAGNITUDE
    if spec.labels == "continuous" and np.issubdtype(y_true.dtype, np.floating):
        y_true = y_true * factor
    return y_pred * factor, y_true


def _build(spec: CheckSpec, sizes: dict[str, int]) -> Any:
    try:
        with quiet():
            obj = spec.build.build(spec.found.cls, sizes)
            prepare(obj)
    except Exception as exc:  # noqa: BLE001 - the user's constructor
        call = ", ".join(f"{k}={v!r}" for k, v in {**spec.build.fixed, **sizes}.items())
        raise BuildError(f"{spec.name}({call}) raised {describe_exception(exc)}") from exc
    if spec.backward_only:
        obj = wrap_backward_only(spec.found.cls, obj)
    if spec.unbatched:
        obj = with_batch_axis(obj)
    return obj


def _draw_parameters(obj: Any, names: list[str], draw: Callable[[Any], Any]) -> None:
    """Replace the constructor's parameter values by drawn ones (zeros included).

    ``names`` are the places planning found (``weights``, ``params['W']``); values are
    written into the existing arrays, so aliases and views keep seeing them.
    """
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from gradcheck import strategies as gs
    from gradcheck.protocol.params import find_candidates

    wanted = set(names)
    found = find_candidates(obj)
    for places, value in zip(found.groups, found.arrays, strict=True):
        if not wanted & {p.describe() for p in places} or not value.flags.writeable:
            continue
        if value.ndim == 2:
            new = draw(gs.input_batches(n_samples=value.shape[0], n_features=value.shape[1],
                                        max_magnitude=1.0))
        else:
            elements = st.one_of(st.just(0.0), st.floats(-1.0, 1.0))
            new = draw(arrays(np.float64, value.shape, elements=elements))
        value[...] = new


def _float64(values: Any) -> np.ndarray:
    # Explicit dtype: after nnfs.init() numpy's defaults would make float32 arrays.
    return np.array(values, dtype=np.float64)


def _predictions(spec: CheckSpec, n: int, c: int, *, fused: bool) -> Any:
    from gradcheck import strategies as gs

    if fused:
        return gs.logit_batches(n_samples=n, n_classes=c, max_magnitude=FUSED_MAX_LOGIT)
    if spec.domain == "probabilities":
        return gs.probability_batches(n_samples=n, n_classes=c,
                                      min_probability=MIN_PROBABILITY)
    if spec.domain == "unit":
        # sigmoid of |x| <= 6 keeps predictions in [0.0025, 0.9975], off the clip
        return gs.input_batches(n_samples=n, n_features=c, max_magnitude=6.0).map(
            lambda x: 1.0 / (1.0 + np.exp(-x))
        )
    return gs.input_batches(n_samples=n, n_features=c, max_magnitude=_REAL_MAGNITUDE)


def _targets(spec: CheckSpec, n: int, c: int) -> Any:
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from gradcheck import strategies as gs

    if spec.labels == "sparse":
        return gs.sparse_labels(n_samples=n, n_classes=c)
    if spec.labels == "one_hot":
        return gs.one_hot_labels(n_samples=n, n_classes=c)
    if spec.labels == "binary":
        return arrays(np.float64, (n, c), elements=st.sampled_from([0.0, 1.0]))
    if spec.domain == "real":
        return gs.input_batches(n_samples=n, n_features=c,
                                max_magnitude=_REAL_MAGNITUDE).map(_float64)
    # soft targets inside (0, 1): at exactly 0, t * log(t / p) is 0 * -inf (a KL
    # divergence written as it reads); 0 and 1 are the binary kind's
    return arrays(np.float64, (n, c), elements=st.floats(0.01, 0.99))


def _random_loss_arrays(spec: CheckSpec, arrays: dict[str, np.ndarray],
                        rng: np.random.Generator, *, fused: bool
                        ) -> dict[str, np.ndarray] | None:
    """Random ``y_pred`` and ``y_true`` of the check's domain and label kind, 4+ rows."""
    y_pred = arrays["y_pred"]
    if y_pred.ndim != 2:
        return None
    n, c = max(4, y_pred.shape[0]), y_pred.shape[1]
    if fused:
        pred = np.clip(rng.standard_normal((n, c)) * 2.0, -FUSED_MAX_LOGIT, FUSED_MAX_LOGIT)
    elif spec.domain == "probabilities":
        pred = rng.dirichlet(np.ones(c), size=n) * (1.0 - c * MIN_PROBABILITY) + MIN_PROBABILITY
    elif spec.domain == "unit":
        pred = 1.0 / (1.0 + np.exp(-rng.uniform(-3.0, 3.0, size=(n, c))))
    else:
        pred = rng.standard_normal((n, c))
    ids = rng.integers(0, c, size=n)
    if spec.labels == "sparse":
        true: np.ndarray = ids
    elif spec.labels == "one_hot":
        true = np.eye(c)[ids]
    elif spec.labels == "binary":
        true = rng.integers(0, 2, size=(n, c)).astype(np.float64)
    elif spec.domain == "real":
        true = rng.standard_normal((n, c))
    else:
        true = rng.uniform(0.0, 1.0, size=(n, c))
    if true.shape[1:] != arrays["y_true"].shape[1:]:
        return None  # targets of another shape than drawn: nothing to compare with
    return {"y_pred": pred, "y_true": true.astype(arrays["y_true"].dtype)}
