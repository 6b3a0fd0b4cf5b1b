"""Hypothesis strategies for NNFS-style layers, batches, logits, probabilities and labels.

Every strategy here returns a Hypothesis ``SearchStrategy``; combine them with
``@given`` and the checker (:func:`gradcheck.check_layer`, :func:`gradcheck.check_loss`)
to test your own layers on generated data::

    from hypothesis import given
    import gradcheck
    from gradcheck import strategies as gs

    @given(gs.input_batches(n_features=4))
    def test_my_layer_backward(inputs):
        gradcheck.check_layer(Layer_Foo(4, 3), inputs)

All options are keyword-only. Arguments named ``n_*`` accept an ``int`` or a strategy
of ints; ``None`` means "draw it between the matching ``min_*`` and ``max_*``". Arrays
are float64 unless stated otherwise. Bad arguments raise
:class:`hypothesis.errors.InvalidArgument` when the strategy is *defined*, not when it
is first drawn from, so a typo fails at import time of your test module.

The regions drawn are chosen for gradient checking: exact zeros (the kink of ReLU and
|x|) and ties, large logits where softmax saturates, confident and uniform probability
rows, batches of one sample and layers of one feature, and square weight matrices (a
transposed gradient is invisible unless the matrix is square ... and wrong otherwise).

How values are drawn: Hypothesis draws the sizes, then a few *design* choices per
example (a design index and a 32-bit seed), and NumPy builds the arrays from them in one
vectorized pass, far cheaper than one Hypothesis draw per element. The simplest design
makes every array constant, filled with 0.0 for seed 0 and ±1, ±2, ... for the next
seeds, so a failing example shrinks to small, readable arrays such as ``array([[0.]])``
or ``array([[-1.]])`` when the bug allows it. The other designs mix, within each array
and at rates that vary from array to array: exact zeros,
uniform values, magnitudes spread over many decades (down to the smallest normal
float64, about 2.2e-308), round values, the bounds ``±max_magnitude``, ties with a row
neighbour, constant rows, rows with a single nonzero entry, and copies of the previous
row. NaN, infinities and subnormal numbers are never drawn.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

__all__ = [
    "FUNCTION_CONVENTIONS",
    "batch_sizes",
    "conv_params",
    "dense_layers",
    "dense_layers_with_inputs",
    "function_arguments",
    "input_batches",
    "label_batches",
    "logit_batches",
    "nd_arrays",
    "one_hot_labels",
    "pool_params",
    "probability_batches",
    "sparse_labels",
]

IntOrStrategy = int | SearchStrategy[int]
_Size = int | SearchStrategy[int]  # a validated size: fixed, or a strategy of valid sizes
Draw = Callable[[SearchStrategy[Any]], Any]

# Magnitudes of drawn weights and biases: from the book's 0.01 * randn initialisation
# up to the scale of trained weights.
_MAX_WEIGHT = 1.0
_MAX_BIAS = 1.0
_MAX_INPUT = 10.0  # input_batches' default max_magnitude, for dense_layers_with_inputs
_LABEL_KINDS = ("sparse", "one_hot")


# ----------------------------------------------------------------------------- validation
def _check_int(name: str, value: Any, *, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidArgument(f"{name}={value!r} must be an int")
    if value < minimum:
        raise InvalidArgument(f"{name}={value!r} must be at least {minimum}")


def _check_bounds(lo_name: str, lo: Any, hi_name: str, hi: Any, *, minimum: int = 1) -> None:
    _check_int(lo_name, lo, minimum=minimum)
    _check_int(hi_name, hi, minimum=minimum)
    if lo > hi:
        raise InvalidArgument(f"{lo_name}={lo!r} must not exceed {hi_name}={hi!r}")


def _check_positive_finite(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InvalidArgument(f"{name}={value!r} must be a number")
    if not math.isfinite(value) or value <= 0:
        raise InvalidArgument(f"{name}={value!r} must be finite and positive")


def _sizes(name: str, value: IntOrStrategy | None, lo_name: str, lo: int, hi_name: str,
           hi: int) -> _Size:
    """Validate an ``n_*`` argument (or its bounds) and return a strategy of valid sizes."""
    if value is None:
        _check_bounds(lo_name, lo, hi_name, hi)
        return st.integers(min_value=lo, max_value=hi)
    return _required_sizes(name, value)


def _required_sizes(name: str, value: IntOrStrategy) -> _Size:
    if value is None:
        raise InvalidArgument(f"{name}=None: give an int or a strategy of ints")
    if isinstance(value, SearchStrategy):
        return value.map(lambda n: _drawn_size(name, n))
    _check_int(name, value)
    return int(value)


def _size(draw: Draw, size: _Size) -> int:
    """Draw a size, or take a fixed one (no draw: a fixed size is no choice to shrink)."""
    return size if isinstance(size, int) else draw(size)


def _drawn_size(name: str, n: Any) -> int:
    """Check a size drawn from a user's strategy; an error here is a user error, not a bug."""
    _check_int(f"{name} (drawn)", n)
    return int(n)


# ----------------------------------------------------------------------------- values
# How array values are drawn. Drawing an array element by element (hypothesis.extra.numpy
# .arrays) costs Hypothesis a draw per element, most of the run time of a property test on
# 16 x 16 batches. Instead, Hypothesis draws a fixed number of *design* choices per example
# (after the sizes): a design index and a 32-bit seed, shared by every array of one
# strategy's example; NumPy then builds the values from them in one vectorized pass.
#
# - Design 0 (where shrinking goes first) makes each array constant, filled with a value
#   of the seed (`_constant`): 0.0 for seed 0, then 1, -1, 2, -2, ... up to the bound, so
#   a failing example shrinks to e.g. ``array([[0.]])`` or ``array([[-1.]])`` when the
#   bug allows it. The design draws are the same two choices for every design, so the
#   shrinker can move any failing example to design 0 and then shrink its seed.
# - Every other design index picks one of the mixtures below. Each element falls into a
#   category (exact zero, uniform, log-uniform magnitude over many decades, round value,
#   +-bound, or a tie with its left neighbour) at rates that the seed varies around the
#   mixture's base rates; then some rows are made constant, a spike (one nonzero entry),
#   or a copy of the previous row, and the columns may be permuted so that ties are not
#   only between neighbours. The mixtures are listed from plain to busy, so a shrunk
#   example names the plainest mixture that still fails.
#
# The generator fills rows in order, so dropping trailing rows while shrinking keeps the
# values of the others. Subnormal numbers are never made: they flush to zero on some
# platforms and carry no gradient information that tiny normal numbers do not.
_DESIGNS = st.integers(0, 63)
_SEEDS = st.integers(0, 2**32 - 1)
_TINY = float(np.finfo(np.float64).tiny)  # the smallest normal float64, about 2.2e-308
_ZERO, _UNIFORM, _LOG, _ROUND, _BOUND, _TIE = range(6)  # element categories, in rate order


class _Mixture(NamedTuple):
    name: str
    elements: tuple[float, ...]  # base rates of the six element categories
    rows: tuple[float, ...]  # base rates of constant, spike and copied rows
    signed_zeros: bool  # zeros take the element's sign (-0.0) instead of +0.0


_MIXTURES = (
    _Mixture("round", (0.3, 0, 0, 1, 0, 0), (0, 0, 0), False),
    _Mixture("uniform", (0, 1, 0, 0, 0, 0), (0, 0, 0), False),
    _Mixture("sparse", (1, 1, 0, 0.5, 0, 0), (0, 0.3, 0), False),
    _Mixture("tiny", (0.5, 0.5, 2, 0, 0, 0.3), (0, 0, 0), False),
    _Mixture("extremes", (1, 0.5, 0, 0, 2, 1), (0.2, 0.2, 0), False),
    _Mixture("ties", (0.5, 0, 0, 1, 0.5, 2), (0.3, 0, 0.5), False),
    _Mixture("everything", (1, 1, 1, 1, 1, 1), (0.2, 0.2, 0.2), True),
)
# Per array: the scale of uniform values (trained-weight scale down to the book's
# 0.01 * randn), the decades spanned by log-uniform magnitudes below the bound (320
# reaches the smallest normal; None: the 12 decades just above the smallest normal, where
# products underflow), and the step of round values (in units of 1, or of bound's decade
# below 1).
_SCALES = (1.0, 1.0, 0.1, 0.01)
_DECADES = (3.0, 12.0, 320.0, None)
_STEPS = (1.0, 0.5, 0.25)


class _Design:
    """The value design of one example: a mixture (0: constant arrays) and a seed."""

    __slots__ = ("mixture", "seed")

    def __init__(self, draw: Draw) -> None:
        index = draw(_DESIGNS)
        self.seed: int = draw(_SEEDS)
        self.mixture = 0 if index == 0 else 1 + (index - 1) % len(_MIXTURES)

    def floats(self, shape: tuple[int, ...], bound: float, *, zeros: bool = True,
               stream: int = 0) -> np.ndarray:
        """Return a float64 array of ``shape`` in ``[-bound, bound]``.

        Without ``zeros``, every entry is at least ``bound / 100`` away from zero. Each
        array of an example takes its own ``stream`` of the seed.
        """
        if self.mixture == 0:
            return np.full(shape, _constant(self.seed, bound, zeros, stream), dtype=np.float64)
        # Any shape as (rows, columns): the last axis is the row.
        size = (math.prod(shape[:-1]), shape[-1])
        x = _mixture(_generator(self.seed, stream), size, self.mixture, bound, zeros=zeros)
        return x.reshape(shape)

    def uniform(self, stream: int) -> float:
        """Return a number in ``[0, 1)`` determined by the seed and ``stream``."""
        return _generator(self.seed, stream).random()


def _constant(seed: int, bound: float, zeros: bool, stream: int) -> float:
    """Return the fill value of a constant array: a round one for small seeds.

    Seeds below 2**16 (where shrinking goes) cycle through 0.0, 1, -1, 2, -2, ... up to
    ``±bound`` (in units of bound's decade below 1, e.g. 0.1 for a bound of 0.5; without
    ``zeros`` from the first unit at least ``bound / 100``), so seed 0 gives 0.0 and a
    small seed a small round value; larger seeds give any value a mixture draws.
    """
    lo = 0.0 if zeros else bound / 100.0
    if seed >= 1 << 16:
        x = _mixture(_generator(seed, stream), (1, 1), len(_MIXTURES), bound, zeros=zeros)
        return float(x[0, 0])
    per = _per_unit(bound)
    bottom, top = _multiples(1.0, per, lo, bound)
    if zeros:
        bottom = max(bottom, 1)
    k = seed % (2 * (top - bottom + 1) + zeros)
    if zeros:
        if k == 0:
            return 0.0
        k -= 1
    magnitude = (bottom + k // 2) / per
    return max(magnitude, lo) if k % 2 == 0 else -max(magnitude, lo)


def _per_unit(bound: float) -> float:
    """Return 1, or 10**m for the decade 10**-m of ``bound`` below 1 (10 for 0.5).

    Round values are ``k * step / per_unit`` for a binary step (1, 0.5, 0.25): divided by
    an exact power of ten they print as written (0.3, not 0.30000000000000004).
    """
    return 1.0 if bound >= 1 else 10.0 ** -math.floor(math.log10(bound))


@functools.lru_cache(maxsize=256)
def _multiples(step: float, per: float, lo: float, bound: float) -> tuple[int, int]:
    """Return ``(bottom, top)``, the range of ``k`` with ``lo <= k * step / per <= bound``.

    ``top >= 1`` when ``step / per <= bound``; when no multiple reaches ``lo``, ``bottom``
    is ``top`` (the caller raises such values to ``lo``).
    """
    top = math.floor(bound * per / step)
    while top > 0 and top * step / per > bound:
        top -= 1
    bottom = min(math.ceil(lo * per / step), top)
    while bottom < top and bottom * step / per < lo:
        bottom += 1
    return bottom, top


_MASK64 = 2**64 - 1
_THREAD = threading.local()


def _splitmix64(z: int) -> int:
    z = (z + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _generator(seed: int, stream: int) -> np.random.Generator:
    """Return this thread's generator, reset to a state determined by ``(seed, stream)``.

    Setting a PCG64 state costs about a tenth of ``np.random.default_rng(seed)`` (whose
    ``SeedSequence`` hashing dominates the cost of a small array). The generator is shared,
    so use it up before the next call (no Hypothesis draw in between: a nested strategy
    could reset it).
    """
    try:
        bits, generator = _THREAD.generator
    except AttributeError:
        bits = np.random.PCG64(0)
        generator = np.random.Generator(bits)
        _THREAD.generator = bits, generator
    high = _splitmix64((stream << 32) | seed)
    low = _splitmix64(high)
    bits.state = {"bit_generator": "PCG64", "state": {"state": (high << 64) | low,
                                                       "inc": _PCG_INCREMENT},
                  "has_uint32": 0, "uinteger": 0}
    return generator


_PCG_INCREMENT = 0xDA3E39CB94B95BDB5A2C6E28A0FC3DF1  # any odd constant: one of PCG's streams


def _mixture(rng: np.random.Generator, shape: tuple[int, int], mixture: int, bound: float, *,
             zeros: bool, signs: bool = True) -> np.ndarray:
    """Build a ``(rows, columns)`` float64 array from mixture ``mixture`` (see above).

    Entries lie in ``[-bound, bound]``, in ``[0, bound]`` without ``signs``; without
    ``zeros`` every magnitude is at least ``bound / 100`` (zero entries become that).
    Written for small arrays: few NumPy calls, per-array choices in plain Python.
    """
    n, c = shape
    _, base, row_base, signed_zeros = _MIXTURES[mixture - 1]
    # One call: 14 per-array choices, c sort keys of a column permutation, then four
    # numbers per element (category, value, sign, row choices). The per-element numbers
    # start at an offset that does not depend on n and fill the rows in order.
    r = rng.random(14 + c + 4 * n * c)
    if n == 0 or c == 0:
        return np.zeros(shape)
    p = r[:14].tolist()
    u = r[14 + c:].reshape(n, 4, c)  # row by row: category, value, sign, row choices
    lo = 0.0 if zeros else bound / 100.0
    # category of each element, at rates that vary around the base rates (exponential factors)
    cumulative = 0.0
    rates = []
    for b, q in zip(base, p, strict=False):  # p[:6]
        cumulative -= b * math.log1p(-q)
        rates.append(cumulative)
    rates[-1] = 2.0 * (cumulative or 1.0)  # u < 1: every element gets a category
    limits = np.array(rates) / (cumulative or 1.0)
    category = np.searchsorted(limits, u[:, 0], side="right")
    v = u[:, 1]
    high = max(bound * _SCALES[int(p[6] * len(_SCALES))], min(bound, 10.0 * lo))
    uniform = v * (high - lo)
    if lo:
        uniform += lo
    choices: list[Any] = [lo, uniform, lo, lo, bound, uniform]  # the tie's value comes below
    if base[_LOG]:
        decades = _DECADES[int(p[7] * len(_DECADES))]
        if zeros and decades is None:
            choices[_LOG] = np.minimum(np.power(10.0, v * 12.0) * _TINY, bound)
        elif zeros:
            choices[_LOG] = np.maximum(np.power(10.0, v * -decades) * bound, _TINY)
        else:
            choices[_LOG] = np.power(lo / bound, v) * bound
    if base[_ROUND]:
        step, per = _STEPS[int(p[8] * len(_STEPS))], _per_unit(bound)
        bottom, top = _multiples(step, per, lo, bound)
        # multiples of step / per from bottom (0, or the first one >= lo) to top
        # float(): the counts exceed int64 near bound=1e300 (numpy 1.x made that an object array)
        rounded = np.floor(v * float(top - bottom + 1))
        if bottom:
            rounded += float(bottom)
        rounded *= step
        if per != 1.0:
            rounded /= per
        choices[_ROUND] = rounded if bottom * step / per >= lo else np.maximum(rounded, lo)
    magnitude = np.choose(category, choices)
    if lo:
        np.clip(magnitude, lo, bound, out=magnitude)
    negative = 0.5 if p[9] < 0.6 else 0.0 if p[9] < 0.8 else 1.0
    if signs and negative == 0.5:
        x = np.copysign(magnitude, u[:, 2] - 0.5)
    elif signs and negative == 1.0:
        x = np.negative(magnitude)
    else:
        x = magnitude
    if x is not magnitude and not signed_zeros:
        x += 0.0  # -0.0 + 0.0 is +0.0: plain zeros print as "0." in a reproduction
    if base[_TIE] and c > 1:
        # each tie takes the value of the nearest non-tie to its left (column 0 is none)
        source = np.where(category == _TIE, 0, np.arange(c))
        source[:, 0] = 0
        np.maximum.accumulate(source, axis=1, out=source)
        source += np.arange(0, n * c, c)[:, None]
        x = x.ravel()[source]
    if any(row_base):
        constant, spike, copy = itertools.accumulate(r * q for r, q in zip(row_base, p[10:13],
                                                                           strict=True))
        for i, f in enumerate(u[:, 3, 0].tolist()):
            if f < constant:
                x[i] = x[i, 0]
            elif f < spike:
                at = min(int(u[i, 3, c - 1] * c), c - 1)
                peak = x[i, at]
                x[i] = np.copysign(lo, x[i]) if lo else 0.0
                x[i, at] = peak if abs(peak) > lo else bound  # a spike stands out of its row
            elif f < copy and i:
                x[i] = x[i - 1]
    if p[13] < 0.5:
        x = x[:, r[14:14 + c].argsort()]
    return x


# ----------------------------------------------------------------------------- reuse
_REUSED: dict[Any, SearchStrategy[Any]] = {}
_MAX_REUSED = 4096
_Builder = Callable[..., SearchStrategy[Any]]


def _reused(build: _Builder) -> _Builder:
    """Make ``build`` return the same strategy object when called with the same arguments.

    Tests often build a strategy inside a test or a composite, once per example
    (``data.draw(sparse_labels(n_samples=len(x), n_classes=3))``). Hypothesis validates and
    unwraps every new strategy object at its first draw, which costs more than drawing from
    it; a reused object pays that once. Arguments are compared with their types (so
    ``True`` is not ``1``); unhashable ones (a list of ``kinds``) are not cached.
    """

    @functools.wraps(build)
    def reuse(*args: Any, **kwargs: Any) -> SearchStrategy[Any]:
        try:
            key = (build, args, tuple(kwargs.items()), tuple(map(type, kwargs.values())))
            strategy = _REUSED.get(key)
        except TypeError:  # an unhashable argument
            return build(*args, **kwargs)
        if strategy is None:
            strategy = build(*args, **kwargs)  # raises InvalidArgument for bad arguments
            if len(_REUSED) < _MAX_REUSED:
                _REUSED[key] = strategy
        return strategy

    return reuse


# ----------------------------------------------------------------------------- sizes
def batch_sizes(*, min_value: int = 1, max_value: int = 16) -> SearchStrategy[int]:
    """Return a strategy for batch sizes (numbers of samples).

    Batches of one sample are included by default: a missing ``/ samples`` or a sum over
    the wrong axis is invisible at ``N == 1`` and obvious at ``N > 1``, so both are drawn.

    Parameters
    ----------
    min_value : int, default 1
        Smallest batch size drawn; at least 1 (the checker rejects empty batches).
    max_value : int, default 16
        Largest batch size drawn.

    Returns
    -------
    SearchStrategy[int]

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(batch_sizes(max_value=4))
    ... def test_batch(n):
    ...     assert 1 <= n <= 4
    >>> test_batch()
    """
    _check_bounds("min_value", min_value, "max_value", max_value)
    return st.integers(min_value=min_value, max_value=max_value)


# ----------------------------------------------------------------------------- inputs
@_reused
def input_batches(
    *,
    n_samples: IntOrStrategy | None = None,
    n_features: IntOrStrategy | None = None,
    min_samples: int = 1,
    max_samples: int = 16,
    min_features: int = 1,
    max_features: int = 16,
    max_magnitude: float = 10.0,
    zeros: bool = True,
    sample_shape: tuple[int, ...] | None = None,
) -> SearchStrategy[np.ndarray]:
    """Return a strategy for float64 input batches ``(n_samples, n_features)`` or N-D ones.

    Entries are finite floats in ``[-max_magnitude, max_magnitude]``, drawn as the module
    docstring describes: the bounds themselves, tiny normal magnitudes (down to about
    1e-308), round values, ties within a row, equal rows, and constant arrays. With
    ``zeros=True`` exact ``0.0`` entries are drawn **on purpose** and often: zero is the
    kink of ReLU and ``|x|``, the place where a ``< 0`` versus ``<= 0`` mask matters and
    where naive finite differences report a wrong gradient (0.5 instead of 0 or 1). A
    gradient checker must cope with them; a layer under test must give a valid
    subgradient there.

    Parameters
    ----------
    n_samples : int or SearchStrategy[int], optional
        Number of rows. ``None`` draws it from ``[min_samples, max_samples]``; when it is
        given, ``min_samples`` and ``max_samples`` are ignored.
    n_features : int or SearchStrategy[int], optional
        Number of columns. ``None`` draws it from ``[min_features, max_features]``.
    min_samples, max_samples : int, default 1 and 16
        Bounds of the number of rows; one-sample batches are included by default.
    min_features, max_features : int, default 1 and 16
        Bounds of the number of columns; one-feature batches are included by default.
    max_magnitude : float, default 10.0
        Largest absolute value of an entry.
    zeros : bool, default True
        ``True`` draws exact zeros on purpose. ``False`` keeps every entry at least
        ``max_magnitude / 100`` away from zero, for layers with a kink or a singularity at 0
        that you want to test elsewhere.
    sample_shape : tuple of int, optional
        The shape of one sample, for N-D layers: ``(C, H, W)`` gives batches of shape
        ``(n_samples, C, H, W)`` for a convolution, ``(T, D)`` gives ``(n_samples, T, D)``
        for a recurrent layer. The entries are drawn as for a 2-D batch of
        ``prod(sample_shape)`` features (ties within a sample, equal samples, zeros), then
        reshaped. When given, ``n_features`` and its bounds are ignored.

    Returns
    -------
    SearchStrategy[numpy.ndarray]
        Arrays of dtype float64 and shape ``(n_samples, n_features)``, or
        ``(n_samples, *sample_shape)``.

    Examples
    --------
    Check your own activation on generated batches, zeros included:

    >>> from hypothesis import given
    >>> import gradcheck
    >>> from nnfs_core import Activation_ReLU
    >>> @given(input_batches(max_samples=4, max_features=3))
    ... def test_relu_backward(inputs):
    ...     gradcheck.check_layer(Activation_ReLU(), inputs)
    >>> test_relu_backward()  # doctest: +SKIP
    """
    rows = _sizes("n_samples", n_samples, "min_samples", min_samples, "max_samples",
                  max_samples)
    if sample_shape is not None:
        if not isinstance(sample_shape, tuple) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sample_shape
        ):
            raise InvalidArgument(
                f"sample_shape={sample_shape!r} must be a tuple of positive ints, e.g. "
                "(3, 8, 8) for (channels, height, width)"
            )
        n_features = math.prod(sample_shape)
    cols = _sizes("n_features", n_features, "min_features", min_features, "max_features",
                  max_features)
    _check_positive_finite("max_magnitude", max_magnitude)
    if not isinstance(zeros, bool):
        raise InvalidArgument(f"zeros={zeros!r} must be True or False")
    batches = _matrices(rows, cols, float(max_magnitude), zeros)
    if sample_shape is None:
        return batches
    return batches.map(lambda x: x.reshape(x.shape[0], *sample_shape))


@st.composite
def _matrices(draw: Draw, rows: _Size, cols: _Size, bound: float, zeros: bool) -> np.ndarray:
    shape = (_size(draw, rows), _size(draw, cols))
    return _Design(draw).floats(shape, bound, zeros=zeros)


# ----------------------------------------------------------------------------- layers
@_reused
def dense_layers(
    *,
    n_inputs: IntOrStrategy | None = None,
    n_neurons: IntOrStrategy | None = None,
    min_inputs: int = 1,
    max_inputs: int = 16,
    min_neurons: int = 1,
    max_neurons: int = 16,
    layer_class: Callable[[int, int], Any] | None = None,
) -> SearchStrategy[Any]:
    """Return a strategy for dense layers with drawn weights and biases.

    The layer is built as ``layer_class(n_inputs, n_neurons)`` (default
    :class:`nnfs_core.Layer_Dense`); then every parameter it has among ``weights`` and
    ``biases`` is replaced by a drawn float64 array of the same shape. Weights are drawn
    from ``[-1, 1]`` (from the book's ``0.01 * randn`` scale up to trained-weight scale)
    and biases from ``[-1, 1]``, both with exact zeros on purpose (a zero weight column
    silences a neuron), and all-zero biases (the book's initialisation) in at least a
    quarter of the examples.

    When neither size is fixed, ``n_neurons == n_inputs`` is drawn on purpose about half
    of the time the ranges allow it: a *square* weight matrix is the case where a
    transposed ``dweights`` has the right shape and only the values are wrong, so only a
    value check can catch it.

    Parameters
    ----------
    n_inputs : int or SearchStrategy[int], optional
        Number of inputs (rows of ``weights``). ``None`` draws it from
        ``[min_inputs, max_inputs]``.
    n_neurons : int or SearchStrategy[int], optional
        Number of neurons (columns of ``weights``). ``None`` draws it from
        ``[min_neurons, max_neurons]``.
    min_inputs, max_inputs : int, default 1 and 16
        Bounds of ``n_inputs``.
    min_neurons, max_neurons : int, default 1 and 16
        Bounds of ``n_neurons``.
    layer_class : callable, optional
        Any class (or factory) called as ``layer_class(n_inputs, n_neurons)`` that returns
        a layer with ``weights`` (and usually ``biases``). Use it to test your own
        ``Layer_Dense``. Default :class:`nnfs_core.Layer_Dense`, imported on first draw.

    Returns
    -------
    SearchStrategy
        Layer instances, a fresh one per example.

    Notes
    -----
    The constructor's own initialisation (often ``np.random.randn``) is overwritten, so the
    layer's parameters come from Hypothesis's design draws (see the module docstring) and
    shrink with them, towards constant arrays. A layer whose constructor makes float32
    parameters (``nnfs.init()``) gets float64 ones.

    Examples
    --------
    Check your own dense layer, square matrices included:

    >>> from hypothesis import given
    >>> import gradcheck
    >>> @given(dense_layers_with_inputs(layer_class=Layer_Foo))  # doctest: +SKIP
    ... def test_my_dense_backward(layer_and_inputs):
    ...     layer, inputs = layer_and_inputs
    ...     gradcheck.check_layer(layer, inputs)
    """
    return _dense_layers(_validated_dense_layers(
        n_inputs=n_inputs, n_neurons=n_neurons, min_inputs=min_inputs,
        max_inputs=max_inputs, min_neurons=min_neurons, max_neurons=max_neurons,
        layer_class=layer_class,
    ))


# inputs sizes, neuron sizes, the size range where square is drawn on purpose, layer_class
_DenseSpec = tuple[_Size, _Size, tuple[int, int] | None,
                   Callable[[int, int], Any] | None]


def _validated_dense_layers(
    *,
    n_inputs: IntOrStrategy | None,
    n_neurons: IntOrStrategy | None,
    min_inputs: int,
    max_inputs: int,
    min_neurons: int,
    max_neurons: int,
    layer_class: Callable[[int, int], Any] | None,
) -> _DenseSpec:
    """Validate the arguments of `dense_layers`; return what `_draw_dense` needs."""
    inputs_sizes = _sizes("n_inputs", n_inputs, "min_inputs", min_inputs, "max_inputs",
                          max_inputs)
    neuron_sizes = _sizes("n_neurons", n_neurons, "min_neurons", min_neurons, "max_neurons",
                          max_neurons)
    if layer_class is not None and not callable(layer_class):
        raise InvalidArgument(f"layer_class={layer_class!r} must be a class or callable")
    # Square on purpose, only when both sizes are free and the ranges overlap.
    square_possible = (
        n_inputs is None and n_neurons is None
        and max(min_inputs, min_neurons) <= min(max_inputs, max_neurons)
    )

    square = (min_neurons, max_neurons) if square_possible else None
    return inputs_sizes, neuron_sizes, square, layer_class


# Composites are defined once, at module level: decorating one (which Hypothesis does by
# parsing the function's source) inside a strategy function would repeat that work every
# time the strategy is built, e.g. once per example inside another composite.
@st.composite
def _dense_layers(draw: Draw, spec: _DenseSpec) -> Any:
    return _draw_dense(draw, spec)[0]


def _draw_dense(draw: Draw, spec: _DenseSpec) -> tuple[Any, _Design]:
    """Draw a layer and its parameters; return it with the design, for more arrays."""
    inputs_sizes, neuron_sizes, square, layer_class = spec
    n_in = _size(draw, inputs_sizes)
    if square is not None and square[0] <= n_in <= square[1] and draw(st.booleans()):
        n_out = n_in
    else:
        n_out = _size(draw, neuron_sizes)
    cls = layer_class if layer_class is not None else _default_dense()
    layer = cls(n_in, n_out)
    if not hasattr(layer, "weights"):
        raise InvalidArgument(f"layer_class={cls!r} built an object without a 'weights' attribute")
    design = _Design(draw)
    layer.weights = _parameter(design, layer.weights, _MAX_WEIGHT, "weights", 0)
    if hasattr(layer, "biases"):
        # Zero biases (the book's initialisation) on purpose, in a quarter of the mixed
        # designs (the constant design adds its seed-0 zeros).
        if design.mixture and design.uniform(_ZERO_BIASES_STREAM) < 0.25:
            layer.biases = np.zeros(_parameter_shape(layer.biases, "biases"))
        else:
            layer.biases = _parameter(design, layer.biases, _MAX_BIAS, "biases", 1)
    return layer, design


def _default_dense() -> Callable[[int, int], Any]:
    # Lazy: importing this module must stay cheap, and nnfs_core must never be needed
    # by users who pass their own layer_class.
    from nnfs_core import Layer_Dense

    return Layer_Dense


def _parameter_shape(current: Any, name: str) -> tuple[int, ...]:
    shape = np.shape(current)
    if len(shape) == 0:
        raise InvalidArgument(f"the layer's {name} is a scalar; expected an array")
    return shape


def _parameter(design: _Design, current: Any, bound: float, name: str, stream: int
               ) -> np.ndarray:
    return design.floats(_parameter_shape(current, name), bound, stream=stream)


# streams of a dense layer's design: weights 0, biases 1, then these
_INPUTS_STREAM = 2
_ZERO_BIASES_STREAM = 3


@_reused
def dense_layers_with_inputs(
    *,
    min_samples: int = 1,
    max_samples: int = 16,
    **dense_layer_kwargs: Any,
) -> SearchStrategy[tuple[Any, np.ndarray]]:
    """Return a strategy for ``(layer, inputs)`` pairs whose shapes fit together.

    The layer is drawn as by :func:`dense_layers` (all its keyword arguments are accepted
    here), and the inputs as by :func:`input_batches` (``|x| <= 10``, exact zeros
    included) with ``n_features`` equal to the layer's number of inputs; one design draw
    (see the module docstring) serves the weights, the biases and the inputs. This is the
    usual argument of a ``check_layer`` test for a dense layer.

    Parameters
    ----------
    min_samples, max_samples : int, default 1 and 16
        Bounds of the batch size of ``inputs``.
    **dense_layer_kwargs
        Passed to :func:`dense_layers` (``n_inputs``, ``n_neurons``, ``min_inputs``,
        ``max_inputs``, ``min_neurons``, ``max_neurons``, ``layer_class``).

    Returns
    -------
    SearchStrategy[tuple]
        Pairs ``(layer, inputs)`` with ``inputs.shape == (N, layer.weights.shape[0])``.

    Examples
    --------
    >>> from hypothesis import given
    >>> import gradcheck
    >>> @given(dense_layers_with_inputs(max_inputs=8, max_neurons=8))
    ... def test_dense_backward(layer_and_inputs):
    ...     layer, inputs = layer_and_inputs
    ...     gradcheck.check_layer(layer, inputs)
    >>> test_dense_backward()  # doctest: +SKIP
    """
    allowed = {"n_inputs", "n_neurons", "min_inputs", "max_inputs", "min_neurons",
               "max_neurons", "layer_class"}
    unknown = sorted(set(dense_layer_kwargs) - allowed)
    if unknown:
        raise InvalidArgument(
            f"unexpected argument(s) {', '.join(unknown)}; dense_layers_with_inputs accepts "
            f"min_samples, max_samples and {', '.join(sorted(allowed))}"
        )
    defaults = {"n_inputs": None, "n_neurons": None, "min_inputs": 1, "max_inputs": 16,
                "min_neurons": 1, "max_neurons": 16, "layer_class": None}
    spec = _validated_dense_layers(**{**defaults, **dense_layer_kwargs})
    _check_bounds("min_samples", min_samples, "max_samples", max_samples)

    return _layers_with_inputs(spec, st.integers(min_samples, max_samples))


@st.composite
def _layers_with_inputs(draw: Draw, spec: _DenseSpec,
                        rows: SearchStrategy[int]) -> tuple[Any, np.ndarray]:
    # One design serves the weights, the biases and the inputs (as input_batches draws
    # them: |x| <= 10, exact zeros included); the inputs come last, so shrinking the batch
    # size keeps the layer.
    layer, design = _draw_dense(draw, spec)
    shape = (draw(rows), int(np.shape(layer.weights)[0]))
    return layer, design.floats(shape, _MAX_INPUT, stream=_INPUTS_STREAM)


# ----------------------------------------------------------------------------- classifier data
def _labels(n_samples: IntOrStrategy, n_classes: IntOrStrategy
            ) -> SearchStrategy[tuple[np.ndarray, int]]:
    """Validate once; return a strategy for ``(sparse labels, n_classes)``."""
    return _drawn_labels(_required_sizes("n_samples", n_samples),
                         _required_sizes("n_classes", n_classes))


@st.composite
def _drawn_labels(draw: Draw, rows: _Size, classes: _Size) -> tuple[np.ndarray, int]:
    # The class count is returned with the labels, so a one-hot encoding built from
    # them agrees with it even when n_classes is a strategy.
    n, c = _size(draw, rows), _size(draw, classes)
    design = _Design(draw)
    if design.mixture == 0:
        # one repeated class: the seed's class, so it shrinks to all zeros
        return np.full(n, design.seed % c, dtype=np.int64), c
    rng = _generator(design.seed, 0)
    kind = (design.mixture - 1) % 3
    if kind == 0:
        labels = rng.integers(0, c, n)  # any classes
    elif kind == 1:
        # a random subset of the classes, often leaving some absent
        present = rng.permutation(c)[: rng.integers(1, c + 1)]
        labels = present[rng.integers(0, len(present), n)]
    else:
        # the classes in turn from a random start, shuffled: all present when n >= c
        labels = rng.permutation((rng.integers(c) + np.arange(n)) % c)
    return labels.astype(np.int64), c


@_reused
def logit_batches(
    *,
    n_samples: IntOrStrategy | None = None,
    n_classes: IntOrStrategy | None = None,
    min_samples: int = 1,
    max_samples: int = 16,
    min_classes: int = 1,
    max_classes: int = 10,
    max_magnitude: float = 50.0,
) -> SearchStrategy[np.ndarray]:
    """Return a strategy for 2-D float64 logit batches of shape ``(n_samples, n_classes)``.

    Entries are finite floats in ``[-max_magnitude, max_magnitude]``. Three regions are
    drawn on purpose, because each breaks a different softmax implementation:

    - **large magnitudes** (``±max_magnitude`` itself is a frequent value): with the default
      50 a row can span 100, so ``exp`` overflows unless the row maximum is subtracted, and
      softmax saturates to probabilities of ``e**-100``;
    - **ties** (equal entries within a row, whole rows equal): the uniform softmax and an
      ``argmax`` with several winners;
    - **exact zeros**, and one-class rows (softmax is then the constant 1, gradient 0).

    Parameters
    ----------
    n_samples : int or SearchStrategy[int], optional
        Number of rows. ``None`` draws it from ``[min_samples, max_samples]``.
    n_classes : int or SearchStrategy[int], optional
        Number of classes (columns). ``None`` draws it from ``[min_classes, max_classes]``.
    min_samples, max_samples : int, default 1 and 16
        Bounds of the number of rows.
    min_classes, max_classes : int, default 1 and 10
        Bounds of the number of classes.
    max_magnitude : float, default 50.0
        Largest absolute logit. Note that the book's cross-entropy clips probabilities at
        ``1e-7``: to check a *fused* softmax + cross-entropy against finite differences of
        its (clipped) forward, keep every probability above the clip, e.g.
        ``max_magnitude=5`` with up to 10 classes (a gap of at most 10 gives
        ``p >= e**-10 / 10 > 1e-7``).

    Returns
    -------
    SearchStrategy[numpy.ndarray]

    Examples
    --------
    >>> from hypothesis import given
    >>> import gradcheck
    >>> from nnfs_core import Activation_Softmax
    >>> @given(logit_batches(max_classes=5))
    ... def test_softmax_backward(logits):
    ...     gradcheck.check_layer(Activation_Softmax(), logits)
    >>> test_softmax_backward()  # doctest: +SKIP
    """
    rows = _sizes("n_samples", n_samples, "min_samples", min_samples, "max_samples",
                  max_samples)
    cols = _sizes("n_classes", n_classes, "min_classes", min_classes, "max_classes",
                  max_classes)
    _check_positive_finite("max_magnitude", max_magnitude)
    return _matrices(rows, cols, float(max_magnitude), True)


@_reused
def probability_batches(
    *,
    n_samples: IntOrStrategy | None = None,
    n_classes: IntOrStrategy | None = None,
    min_samples: int = 1,
    max_samples: int = 16,
    min_classes: int = 1,
    max_classes: int = 10,
    min_probability: float = 1e-6,
) -> SearchStrategy[np.ndarray]:
    """Return a strategy for batches of probability rows (e.g. softmax outputs).

    Each row is ``min_probability + (1 - C * min_probability) * w / sum(w)`` for drawn
    non-negative weights ``w``, so every row sums to 1 (to rounding) and every entry is
    ``>= min_probability`` exactly. Drawn on purpose: **confident rows** (one entry near
    ``1 - (C - 1) * min_probability``, the others at the floor, from weights that are
    all zero but one), **uniform rows** (equal weights; every row of a constant design),
    ties, entries just above the floor (tiny weights, over many decades), and everything
    between.

    The default floor ``1e-6`` keeps cross-entropy out of the book's clipped region
    (``np.clip(y_pred, 1e-7, 1 - 1e-7)``), where the forward is flat and its backward
    (``-y_true / y_pred``) is deliberately not the gradient of the clipped forward.

    Parameters
    ----------
    n_samples : int or SearchStrategy[int], optional
        Number of rows. ``None`` draws it from ``[min_samples, max_samples]``.
    n_classes : int or SearchStrategy[int], optional
        Number of classes. ``None`` draws it from ``[min_classes, max_classes]``. With one
        class every row is ``[1.0]`` (inside the upper clip of the book's loss): use
        ``min_classes=2`` to check a clipped cross-entropy against finite differences.
    min_samples, max_samples : int, default 1 and 16
        Bounds of the number of rows.
    min_classes, max_classes : int, default 1 and 10
        Bounds of the number of classes.
    min_probability : float, default 1e-6
        Floor of every entry; ``0 <= min_probability`` and
        ``min_probability * n_classes <= 1``.

    Returns
    -------
    SearchStrategy[numpy.ndarray]
        float64 arrays of shape ``(n_samples, n_classes)``.

    Examples
    --------
    >>> from hypothesis import given
    >>> import numpy as np
    >>> @given(probability_batches(min_classes=2, max_classes=4))
    ... def test_rows_sum_to_one(probs):
    ...     assert np.allclose(probs.sum(axis=1), 1.0)
    >>> test_rows_sum_to_one()
    """
    rows = _sizes("n_samples", n_samples, "min_samples", min_samples, "max_samples",
                  max_samples)
    cols = _sizes("n_classes", n_classes, "min_classes", min_classes, "max_classes",
                  max_classes)
    if isinstance(min_probability, bool) or not isinstance(
        min_probability, int | float | np.floating
    ):
        raise InvalidArgument(f"min_probability={min_probability!r} must be a number")
    floor = float(min_probability)
    if not (math.isfinite(floor) and floor >= 0):
        raise InvalidArgument(f"min_probability={min_probability!r} must be finite and >= 0")
    largest_fixed = (
        max_classes if n_classes is None
        else n_classes if not isinstance(n_classes, SearchStrategy) else None
    )
    if largest_fixed is not None and floor * largest_fixed > 1:
        raise InvalidArgument(
            f"min_probability={min_probability!r} is too large for {largest_fixed} classes: "
            f"need min_probability * n_classes <= 1"
        )
    return _probability_rows(rows, cols, floor, min_probability)


@st.composite
def _probability_rows(draw: Draw, rows: _Size, cols: _Size,
                      floor: float, min_probability: Any) -> np.ndarray:
    n, c = _size(draw, rows), _size(draw, cols)
    if floor * c > 1:
        raise InvalidArgument(
            f"min_probability={min_probability!r} is too large for the drawn "
            f"n_classes={c}: need min_probability * n_classes <= 1"
        )
    design = _Design(draw)
    if design.mixture == 0:
        w = np.ones((n, c))  # constant weights: every row uniform
    else:
        # non-negative weights in [0, 1]: zeros (entries at the floor), tiny weights,
        # ties, constant rows (uniform), spike rows (confident), copied rows
        w = _mixture(_generator(design.seed, 0), (n, c), design.mixture, 1.0, zeros=True,
                     signs=False)
    total = w.sum(axis=1, keepdims=True)
    empty = total[:, 0] == 0
    if empty.any():
        # An all-zero row carries no preference: make it uniform.
        w[empty] = 1.0
        total[empty] = c
    p = w / total
    p *= 1.0 - c * floor
    p += floor  # floor + (1 - C * floor) * w / sum(w): at least the floor, exactly
    return p


@_reused
def sparse_labels(*, n_samples: IntOrStrategy, n_classes: IntOrStrategy
                  ) -> SearchStrategy[np.ndarray]:
    """Return a strategy for sparse class labels: int64 arrays of shape ``(n_samples,)``.

    Each label is in ``[0, n_classes)``. Nothing forces every class to appear: batches
    where some classes are **absent**, and batches of one repeated class, are drawn on
    purpose, because a loss that infers the number of classes from the labels (instead of
    from ``y_pred``) breaks exactly there.

    Parameters
    ----------
    n_samples : int or SearchStrategy[int]
        Number of labels; usually the batch size of the matching ``y_pred``.
    n_classes : int or SearchStrategy[int]
        Number of classes; usually ``y_pred.shape[1]``.

    Returns
    -------
    SearchStrategy[numpy.ndarray]

    Examples
    --------
    Draw predictions and matching labels in one test with ``st.data()``:

    >>> from hypothesis import given, strategies as st
    >>> import gradcheck
    >>> from nnfs_core import Loss_CategoricalCrossentropy
    >>> @given(probability_batches(min_classes=2), st.data())
    ... def test_cce_backward(probs, data):
    ...     labels = data.draw(sparse_labels(n_samples=probs.shape[0],
    ...                                      n_classes=probs.shape[1]))
    ...     gradcheck.check_loss(Loss_CategoricalCrossentropy(), probs, labels)
    >>> test_cce_backward()  # doctest: +SKIP
    """
    return _labels(n_samples, n_classes).map(lambda pair: pair[0])


@_reused
def one_hot_labels(*, n_samples: IntOrStrategy, n_classes: IntOrStrategy
                   ) -> SearchStrategy[np.ndarray]:
    """Return a strategy for one-hot labels: float64 arrays of shape ``(n_samples, n_classes)``.

    Each row has exactly one ``1.0`` and ``n_classes - 1`` zeros; the classes are drawn as
    by :func:`sparse_labels` (absent classes included), so
    ``np.argmax(one_hot, axis=1)`` is a valid sparse label batch.

    Parameters
    ----------
    n_samples : int or SearchStrategy[int]
        Number of rows.
    n_classes : int or SearchStrategy[int]
        Number of columns.

    Returns
    -------
    SearchStrategy[numpy.ndarray]

    Examples
    --------
    >>> from hypothesis import given
    >>> import numpy as np
    >>> @given(one_hot_labels(n_samples=3, n_classes=4))
    ... def test_one_hot(y):
    ...     assert (y.sum(axis=1) == 1).all()
    >>> test_one_hot()
    """
    return _labels(n_samples, n_classes).map(
        lambda pair: np.eye(pair[1], dtype=np.float64)[pair[0]]
    )


@_reused
def label_batches(
    *,
    n_samples: IntOrStrategy,
    n_classes: IntOrStrategy,
    kinds: Sequence[str] = _LABEL_KINDS,
) -> SearchStrategy[np.ndarray]:
    """Return a strategy for labels of either kind: sparse ``(N,)`` or one-hot ``(N, C)``.

    The kind is drawn from ``kinds``, so one ``@given`` test covers both label formats
    that the NNFS losses accept; the batch shrinks towards the first kind listed.

    Parameters
    ----------
    n_samples : int or SearchStrategy[int]
        Number of samples.
    n_classes : int or SearchStrategy[int]
        Number of classes.
    kinds : sequence of {"sparse", "one_hot"}, default ("sparse", "one_hot")
        The label formats to draw from; at least one.

    Returns
    -------
    SearchStrategy[numpy.ndarray]
        int64 ``(n_samples,)`` arrays (sparse) or float64 ``(n_samples, n_classes)``
        arrays (one-hot).

    Examples
    --------
    >>> from hypothesis import given, strategies as st
    >>> import gradcheck
    >>> from nnfs_core import Activation_Softmax_Loss_CategoricalCrossentropy as Fused
    >>> @given(logit_batches(max_magnitude=5.0), st.data())
    ... def test_fused_backward(logits, data):
    ...     y = data.draw(label_batches(n_samples=logits.shape[0],
    ...                                 n_classes=logits.shape[1]))
    ...     gradcheck.check_loss(Fused(), logits, y)
    >>> test_fused_backward()  # doctest: +SKIP
    """
    if isinstance(kinds, str) or not isinstance(kinds, Sequence):
        raise InvalidArgument(
            f"kinds={kinds!r} must be a sequence such as ('sparse', 'one_hot')"
        )
    if not kinds:
        raise InvalidArgument("kinds=() must name at least one of 'sparse', 'one_hot'")
    for kind in kinds:
        if kind not in _LABEL_KINDS:
            raise InvalidArgument(
                f"kinds={tuple(kinds)!r} contains {kind!r}; expected 'sparse' or 'one_hot'"
            )
    builders = {"sparse": sparse_labels, "one_hot": one_hot_labels}
    options = [builders[kind](n_samples=n_samples, n_classes=n_classes)
               for kind in dict.fromkeys(kinds)]
    return st.one_of(options)


# ----------------------------------------------------------------------------- functions
# CS231n / CS182-style functions (``forward(...) -> (out, cache)``): the arguments of each
# convention, drawn over the configurations bugs hide in.
FUNCTION_CONVENTIONS: tuple[str, ...] = (
    "affine", "relu", "batchnorm", "layernorm", "dropout", "conv", "max_pool",
    "spatial_batchnorm", "spatial_groupnorm", "svm_loss", "softmax_loss", "rnn_step", "rnn",
    "lstm_step", "lstm", "word_embedding", "temporal_affine", "temporal_softmax_loss",
    "affine_relu", "conv_relu", "conv_relu_pool", "rnn_cell", "lstm_cell",
)


def nd_arrays(
    shape: tuple[int, ...], *, scale: float = 1.0, zeros: bool = False
) -> SearchStrategy[np.ndarray]:
    """Return a strategy for float64 arrays of any ``shape``: Gaussian values, no ties.

    The values come from a drawn seed (one draw per array, cheap for 4-D batches) and
    have no ties, so max-pooling windows have one maximum each. With ``zeros=True`` a
    quarter of the entries are exact zeros in about half the examples: the kink of ReLU.

    Parameters
    ----------
    shape : tuple of int
        E.g. ``(N, C, H, W)`` for a convolution, ``(N, T, D)`` for a recurrent layer.
    scale : float, default 1.0
        Standard deviation of the entries.
    zeros : bool, default False
        Draw exact zeros on purpose.

    Returns
    -------
    SearchStrategy[numpy.ndarray]

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(nd_arrays((2, 3, 5, 5)))
    ... def test_conv(x): ...
    """
    if not isinstance(shape, tuple) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape
    ):
        raise InvalidArgument(f"shape={shape!r} must be a tuple of positive ints")
    _check_positive_finite("scale", scale)
    if not isinstance(zeros, bool):
        raise InvalidArgument(f"zeros={zeros!r} must be True or False")
    return _gaussian(shape, float(scale), zeros)


@st.composite
def _gaussian(draw: Draw, shape: tuple[int, ...], scale: float, zeros: bool) -> np.ndarray:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.standard_normal(shape) * scale
    if zeros and draw(st.booleans()):
        values[rng.random(shape) < 0.25] = 0.0
    return values


def conv_params(*, max_stride: int = 3, max_pad: int = 2) -> SearchStrategy[dict[str, int]]:
    """Return a strategy for CS231n ``conv_param`` dicts ``{"stride": s, "pad": p}``.

    Padding 0 and strides above 1 are drawn on purpose: most hand-written convolution
    backward passes that are right at the notebooks' ``pad=1, stride=1`` are wrong there
    (``dxp[:, :, pad:-pad]`` is empty at ``pad=0``). Shrinks towards ``stride=1, pad=0``.

    Parameters
    ----------
    max_stride : int, default 3
        Largest stride.
    max_pad : int, default 2
        Largest zero padding.
    """
    _check_int("max_stride", max_stride)
    _check_int("max_pad", max_pad, minimum=0)
    return st.fixed_dictionaries(
        {"stride": st.integers(1, max_stride), "pad": st.integers(0, max_pad)}
    )


def pool_params(*, max_size: int = 3, max_stride: int = 3) -> SearchStrategy[dict[str, int]]:
    """Return a strategy for ``pool_param`` dicts (``pool_height``, ``pool_width``, ``stride``).

    Overlapping windows (stride below the window size), non-square windows and strides
    larger than the window are all drawn: a backward that overwrites instead of adding is
    only wrong where windows overlap.

    Parameters
    ----------
    max_size : int, default 3
        Largest window height and width.
    max_stride : int, default 3
        Largest stride.
    """
    _check_int("max_size", max_size)
    _check_int("max_stride", max_stride)
    return st.fixed_dictionaries({
        "pool_height": st.integers(1, max_size),
        "pool_width": st.integers(1, max_size),
        "stride": st.integers(1, max_stride),
    })


def function_arguments(name: str) -> SearchStrategy[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Return a strategy for valid ``(args, kwargs)`` of a CS231n-convention function.

    ``name`` is one of :data:`FUNCTION_CONVENTIONS`: the function family (``"conv"`` for
    ``conv_forward_naive``, ``"softmax_loss"`` ...). The arguments follow the course's
    conventions (``bn_param["mode"] == "train"``, dropout's ``p`` is the *keep*
    probability, spatial batchnorm's gamma is ``(C,)`` and spatial groupnorm's
    ``(1, C, 1, 1)``, sizes fit the stride: ``(H + 2 pad - HH) % stride == 0``), drawn
    over the configurations bugs hide in: padding 0 and 2, strides above 1, overlapping
    and non-square pooling windows, non-square inputs and kernels, N = 1, T = 1, hidden
    size 1, repeated word ids, masks with zeros.

    Parameters
    ----------
    name : str
        The convention.

    Returns
    -------
    SearchStrategy[tuple[tuple, dict]]
        ``(args, kwargs)`` for ``check_function(forward, backward, *args, **kwargs)``.

    Examples
    --------
    >>> from hypothesis import given
    >>> import gradcheck
    >>> @given(function_arguments("conv"))
    ... def test_my_conv(arguments):
    ...     args, kwargs = arguments
    ...     gradcheck.check_function(conv_forward_naive, conv_backward_naive, *args, **kwargs)
    """
    if name not in _CONVENTIONS:
        raise InvalidArgument(
            f"name={name!r} is no known convention; expected one of "
            f"{', '.join(FUNCTION_CONVENTIONS)}"
        )
    return _CONVENTIONS[name]()


def _fits(draw: Draw, kernel: int, stride: int, pad: int, max_out: int = 3) -> int:
    """An input size that a kernel, stride and padding fit exactly (at least 1)."""
    out = draw(st.integers(1, max_out))
    size = (out - 1) * stride + kernel - 2 * pad
    while size < 1:
        out += 1
        size = (out - 1) * stride + kernel - 2 * pad
    return size


@st.composite
def _affine(draw: Draw) -> Any:
    n = draw(st.integers(1, 3))
    dims = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    m = draw(st.integers(1, 4))
    x = draw(nd_arrays((n, *dims), zeros=True))
    return (x, draw(nd_arrays((math.prod(dims), m))), draw(nd_arrays((m,)))), {}


@st.composite
def _relu(draw: Draw) -> Any:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=2, max_size=4)))
    return (draw(nd_arrays(shape, zeros=True)),), {}


def _bn_param(draw: Draw, d: int, mode_key: bool = True) -> dict[str, Any]:
    param: dict[str, Any] = {"mode": "train"} if mode_key else {}
    if draw(st.booleans()):  # running statistics from earlier steps, written by forward
        param["running_mean"] = draw(nd_arrays((d,)))
        param["running_var"] = 1.0 + np.abs(draw(nd_arrays((d,))))
        param["momentum"] = 0.9
    return param


@st.composite
def _batchnorm(draw: Draw) -> Any:
    n, d = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return (draw(nd_arrays((n, d))), draw(nd_arrays((d,))), draw(nd_arrays((d,))),
            _bn_param(draw, d)), {}


@st.composite
def _layernorm(draw: Draw) -> Any:
    n, d = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    return (draw(nd_arrays((n, d))), draw(nd_arrays((d,))), draw(nd_arrays((d,))), {}), {}


@st.composite
def _dropout(draw: Draw) -> Any:
    # at least 6 entries: a mask dropping everything verifies nothing. Any number of
    # dimensions, as the course's dropout (rand(*x.shape)) takes: a mask built as
    # np.ones((1, x.shape[1])) is only wrong on more than 2
    shape = (draw(st.integers(2, 4)), draw(st.integers(3, 5)))
    shape += tuple(draw(st.lists(st.integers(2, 3), max_size=2)))
    param: dict[str, Any] = {"mode": "train", "p": draw(st.sampled_from([0.5, 0.8, 0.3]))}
    if draw(st.booleans()):
        param["seed"] = draw(st.integers(0, 1000))
    return (draw(nd_arrays(shape)), param), {}


def _conv_arrays(draw: Draw, ho_max: int = 3) -> tuple[Any, ...]:
    conv = draw(conv_params())
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    hh, ww = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h = _fits(draw, hh, conv["stride"], conv["pad"], ho_max)
    w = _fits(draw, ww, conv["stride"], conv["pad"], ho_max)
    return (draw(nd_arrays((n, c, h, w))), draw(nd_arrays((f, c, hh, ww))),
            draw(nd_arrays((f,))), conv)


@st.composite
def _conv(draw: Draw) -> Any:
    return _conv_arrays(draw), {}


@st.composite
def _max_pool(draw: Draw) -> Any:
    pool = draw(pool_params())
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h = _fits(draw, pool["pool_height"], pool["stride"], 0)
    w = _fits(draw, pool["pool_width"], pool["stride"], 0)
    return (draw(nd_arrays((n, c, h, w))), pool), {}


def _image(draw: Draw, c: int) -> np.ndarray:
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return draw(nd_arrays((n, c, h, w)))


@st.composite
def _spatial_batchnorm(draw: Draw) -> Any:
    c = draw(st.integers(1, 3))
    return (_image(draw, c), draw(nd_arrays((c,))), draw(nd_arrays((c,))),
            _bn_param(draw, c)), {}


@st.composite
def _spatial_groupnorm(draw: Draw) -> Any:
    g, per = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    c = g * per
    x = _image(draw, c)
    if x[0, 0].size * per < 2:  # one value per group: nothing to normalize
        x = draw(nd_arrays((x.shape[0], c, 2, x.shape[3])))
    return (x, draw(nd_arrays((1, c, 1, 1))), draw(nd_arrays((1, c, 1, 1))), g, {}), {}


@st.composite
def _class_loss(draw: Draw) -> Any:
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    y = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return (draw(nd_arrays((n, c))), y), {}


def _recurrent_sizes(draw: Draw) -> tuple[int, int, int]:
    return draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))


@st.composite
def _rnn_step(draw: Draw) -> Any:
    n, d, h = _recurrent_sizes(draw)
    return (draw(nd_arrays((n, d))), draw(nd_arrays((n, h))), draw(nd_arrays((d, h), scale=0.5)),
            draw(nd_arrays((h, h), scale=0.5)), draw(nd_arrays((h,), scale=0.5))), {}


@st.composite
def _rnn(draw: Draw) -> Any:
    n, d, h = _recurrent_sizes(draw)
    t = draw(st.integers(1, 3))
    return (draw(nd_arrays((n, t, d))), draw(nd_arrays((n, h))),
            draw(nd_arrays((d, h), scale=0.5)), draw(nd_arrays((h, h), scale=0.5)),
            draw(nd_arrays((h,), scale=0.5))), {}


@st.composite
def _lstm_step(draw: Draw) -> Any:
    n, d, h = _recurrent_sizes(draw)
    return (draw(nd_arrays((n, d))), draw(nd_arrays((n, h))), draw(nd_arrays((n, h))),
            draw(nd_arrays((d, 4 * h), scale=0.5)), draw(nd_arrays((h, 4 * h), scale=0.5)),
            draw(nd_arrays((4 * h,), scale=0.5))), {}


@st.composite
def _lstm(draw: Draw) -> Any:
    n, d, h = _recurrent_sizes(draw)
    t = draw(st.integers(1, 3))
    return (draw(nd_arrays((n, t, d))), draw(nd_arrays((n, h))),
            draw(nd_arrays((d, 4 * h), scale=0.5)), draw(nd_arrays((h, 4 * h), scale=0.5)),
            draw(nd_arrays((4 * h,), scale=0.5))), {}


def _ids(draw: Draw, shape: tuple[int, ...], v: int) -> np.ndarray:
    size = math.prod(shape)
    values = draw(st.lists(st.integers(0, v - 1), min_size=size, max_size=size))
    return np.array(values, dtype=np.int64).reshape(shape)


@st.composite
def _word_embedding(draw: Draw) -> Any:
    n, t, v, d = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(2, 4)),
                  draw(st.integers(1, 3)))
    return (_ids(draw, (n, t), v), draw(nd_arrays((v, d)))), {}


@st.composite
def _temporal_affine(draw: Draw) -> Any:
    n, t, d, m = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3)),
                  draw(st.integers(1, 4)))
    return (draw(nd_arrays((n, t, d))), draw(nd_arrays((d, m))), draw(nd_arrays((m,)))), {}


@st.composite
def _temporal_softmax_loss(draw: Draw) -> Any:
    n, t, v = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(2, 4))
    mask = np.array(draw(st.lists(st.booleans(), min_size=n * t, max_size=n * t)))
    return (draw(nd_arrays((n, t, v))), _ids(draw, (n, t), v), mask.reshape(n, t)), {}


@st.composite
def _conv_relu_pool(draw: Draw) -> Any:
    pool = draw(pool_params(max_size=2, max_stride=2))
    conv = draw(conv_params(max_stride=2))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    hh, ww = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    # the convolution's output is what the pooling windows must fit
    ho = _fits(draw, pool["pool_height"], pool["stride"], 0, 2)
    wo = _fits(draw, pool["pool_width"], pool["stride"], 0, 2)
    h = (ho - 1) * conv["stride"] + hh - 2 * conv["pad"]
    w = (wo - 1) * conv["stride"] + ww - 2 * conv["pad"]
    if h < 1 or w < 1:
        conv = {"stride": conv["stride"], "pad": 0}
        h, w = (ho - 1) * conv["stride"] + hh, (wo - 1) * conv["stride"] + ww
    return (draw(nd_arrays((n, c, h, w))), draw(nd_arrays((f, c, hh, ww))),
            draw(nd_arrays((f,))), conv, pool), {}


def _cell_sizes(draw: Draw) -> tuple[int, int, int, int]:
    """deeplearning.ai's cells, features x samples: n_x, n_a, n_y and m."""
    return (draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3)),
            draw(st.integers(1, 4)))


@st.composite
def _rnn_cell(draw: Draw) -> Any:
    n_x, n_a, n_y, m = _cell_sizes(draw)
    parameters = {
        "Wax": draw(nd_arrays((n_a, n_x), scale=0.5)),
        "Waa": draw(nd_arrays((n_a, n_a), scale=0.5)),
        "Wya": draw(nd_arrays((n_y, n_a), scale=0.5)),
        "ba": draw(nd_arrays((n_a, 1))), "by": draw(nd_arrays((n_y, 1))),
    }
    return (draw(nd_arrays((n_x, m))), draw(nd_arrays((n_a, m))), parameters), {}


@st.composite
def _lstm_cell(draw: Draw) -> Any:
    n_x, n_a, n_y, m = _cell_sizes(draw)
    parameters = {}
    for gate in ("f", "i", "c", "o"):
        parameters[f"W{gate}"] = draw(nd_arrays((n_a, n_a + n_x), scale=0.5))
        parameters[f"b{gate}"] = draw(nd_arrays((n_a, 1)))
    parameters["Wy"] = draw(nd_arrays((n_y, n_a), scale=0.5))
    parameters["by"] = draw(nd_arrays((n_y, 1)))
    return (draw(nd_arrays((n_x, m))), draw(nd_arrays((n_a, m))), draw(nd_arrays((n_a, m))),
            parameters), {}


_CONVENTIONS: dict[str, Callable[[], SearchStrategy[Any]]] = {
    "affine": _affine, "relu": _relu, "batchnorm": _batchnorm, "layernorm": _layernorm,
    "dropout": _dropout, "conv": _conv, "max_pool": _max_pool,
    "spatial_batchnorm": _spatial_batchnorm, "spatial_groupnorm": _spatial_groupnorm,
    "svm_loss": _class_loss, "softmax_loss": _class_loss, "rnn_step": _rnn_step, "rnn": _rnn,
    "lstm_step": _lstm_step, "lstm": _lstm, "word_embedding": _word_embedding,
    "temporal_affine": _temporal_affine, "temporal_softmax_loss": _temporal_softmax_loss,
    "affine_relu": _affine, "conv_relu": _conv, "conv_relu_pool": _conv_relu_pool,
    "rnn_cell": _rnn_cell, "lstm_cell": _lstm_cell,
}
