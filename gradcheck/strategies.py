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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra.numpy import arrays
from hypothesis.strategies import SearchStrategy

__all__ = [
    "batch_sizes",
    "dense_layers",
    "dense_layers_with_inputs",
    "input_batches",
    "label_batches",
    "logit_batches",
    "one_hot_labels",
    "probability_batches",
    "sparse_labels",
]

IntOrStrategy = int | SearchStrategy[int]
Draw = Callable[[SearchStrategy[Any]], Any]

# Magnitudes of drawn weights and biases: from the book's 0.01 * randn initialisation
# up to the scale of trained weights.
_MAX_WEIGHT = 1.0
_MAX_BIAS = 1.0
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
           hi: int) -> SearchStrategy[int]:
    """Validate an ``n_*`` argument (or its bounds) and return a strategy of valid sizes."""
    if value is None:
        _check_bounds(lo_name, lo, hi_name, hi)
        return st.integers(min_value=lo, max_value=hi)
    return _required_sizes(name, value)


def _required_sizes(name: str, value: IntOrStrategy) -> SearchStrategy[int]:
    if value is None:
        raise InvalidArgument(f"{name}=None: give an int or a strategy of ints")
    if isinstance(value, SearchStrategy):
        return value.map(lambda n: _drawn_size(name, n))
    _check_int(name, value)
    return st.just(int(value))


def _drawn_size(name: str, n: Any) -> int:
    """Check a size drawn from a user's strategy; an error here is a user error, not a bug."""
    _check_int(f"{name} (drawn)", n)
    return int(n)


def _floats(bound: float) -> SearchStrategy[float]:
    # Subnormals are excluded: they flush to zero on some platforms and carry no gradient
    # information that normal tiny floats do not.
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def _with_zeros(elements: SearchStrategy[float]) -> SearchStrategy[float]:
    # An explicit branch, so exact zeros are common rather than an occasional shrink target.
    return st.one_of(st.just(0.0), elements)


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
) -> SearchStrategy[np.ndarray]:
    """Return a strategy for 2-D float64 input batches of shape ``(n_samples, n_features)``.

    Entries are finite floats in ``[-max_magnitude, max_magnitude]``, including Hypothesis's
    usual awkward values (the bounds, tiny normals, repeated values). With ``zeros=True``
    exact ``0.0`` entries are drawn **on purpose** and often: zero is the kink of ReLU and
    ``|x|``, the place where a ``< 0`` versus ``<= 0`` mask matters and where naive finite
    differences report a wrong gradient (0.5 instead of 0 or 1). A gradient checker must
    cope with them; a layer under test must give a valid subgradient there.

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

    Returns
    -------
    SearchStrategy[numpy.ndarray]
        Arrays of dtype float64 and shape ``(n_samples, n_features)``.

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
    cols = _sizes("n_features", n_features, "min_features", min_features, "max_features",
                  max_features)
    _check_positive_finite("max_magnitude", max_magnitude)
    if not isinstance(zeros, bool):
        raise InvalidArgument(f"zeros={zeros!r} must be True or False")
    bound = float(max_magnitude)
    if zeros:
        elements = _with_zeros(_floats(bound))
    else:
        gap = bound / 100.0
        # Two plain ranges (not a mapped one), so arrays() can reuse a fill value.
        elements = st.one_of(st.floats(gap, bound), st.floats(-bound, -gap))
    return _matrices(rows, cols, elements)


def _matrices(rows: SearchStrategy[int], cols: SearchStrategy[int],
              elements: SearchStrategy[float]) -> SearchStrategy[np.ndarray]:
    shapes = st.tuples(rows, cols)
    return shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=elements))


# ----------------------------------------------------------------------------- layers
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
    and biases from ``[-1, 1]``, both with exact zeros on purpose (the book initialises
    biases to zero; a zero weight column silences a neuron).

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
    layer's parameters come from Hypothesis and shrink like any other drawn data. A layer
    whose constructor makes float32 parameters (``nnfs.init()``) gets float64 ones.

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
    return _validated_dense_layers(
        n_inputs=n_inputs, n_neurons=n_neurons, min_inputs=min_inputs,
        max_inputs=max_inputs, min_neurons=min_neurons, max_neurons=max_neurons,
        layer_class=layer_class,
    )


def _validated_dense_layers(
    *,
    n_inputs: IntOrStrategy | None,
    n_neurons: IntOrStrategy | None,
    min_inputs: int,
    max_inputs: int,
    min_neurons: int,
    max_neurons: int,
    layer_class: Callable[[int, int], Any] | None,
) -> SearchStrategy[Any]:
    """Validate the arguments of `dense_layers`; return the strategy."""
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
    return _dense_layers(inputs_sizes, neuron_sizes, square, layer_class)


# Composites are defined once, at module level: decorating one (which Hypothesis does by
# parsing the function's source) inside a strategy function would repeat that work every
# time the strategy is built, e.g. once per example inside another composite.
@st.composite
def _dense_layers(
    draw: Draw,
    inputs_sizes: SearchStrategy[int],
    neuron_sizes: SearchStrategy[int],
    square: tuple[int, int] | None,
    layer_class: Callable[[int, int], Any] | None,
) -> Any:
    n_in = draw(inputs_sizes)
    if square is not None and square[0] <= n_in <= square[1] and draw(st.booleans()):
        n_out = n_in
    else:
        n_out = draw(neuron_sizes)
    cls = layer_class if layer_class is not None else _default_dense()
    layer = cls(n_in, n_out)
    if not hasattr(layer, "weights"):
        raise InvalidArgument(f"layer_class={cls!r} built an object without a 'weights' attribute")
    layer.weights = _draw_like(draw, layer.weights, _MAX_WEIGHT, "weights")
    if hasattr(layer, "biases"):
        layer.biases = _draw_like(draw, layer.biases, _MAX_BIAS, "biases")
    return layer


def _default_dense() -> Callable[[int, int], Any]:
    # Lazy: importing this module must stay cheap, and nnfs_core must never be needed
    # by users who pass their own layer_class.
    from nnfs_core import Layer_Dense

    return Layer_Dense


def _draw_like(draw: Callable[[SearchStrategy[Any]], Any], current: Any, bound: float,
               name: str) -> np.ndarray:
    shape = np.shape(current)
    if len(shape) == 0:
        raise InvalidArgument(f"the layer's {name} is a scalar; expected an array")
    return draw(arrays(np.float64, shape, elements=_with_zeros(_floats(bound))))


def dense_layers_with_inputs(
    *,
    min_samples: int = 1,
    max_samples: int = 16,
    **dense_layer_kwargs: Any,
) -> SearchStrategy[tuple[Any, np.ndarray]]:
    """Return a strategy for ``(layer, inputs)`` pairs whose shapes fit together.

    The layer is drawn by :func:`dense_layers` (all its keyword arguments are accepted
    here), and the inputs by :func:`input_batches` with ``n_features`` equal to the
    layer's number of inputs, exact zeros included. This is the usual argument of a
    ``check_layer`` test for a dense layer.

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
    layers = _validated_dense_layers(**{**defaults, **dense_layer_kwargs})
    _check_bounds("min_samples", min_samples, "max_samples", max_samples)

    return _layers_with_inputs(layers, st.integers(min_samples, max_samples))


@st.composite
def _layers_with_inputs(draw: Draw, layers: SearchStrategy[Any],
                        rows: SearchStrategy[int]) -> tuple[Any, np.ndarray]:
    layer = draw(layers)
    n_in = int(np.shape(layer.weights)[0])
    return layer, draw(input_batches(n_samples=rows, n_features=n_in))


# ----------------------------------------------------------------------------- classifier data
def _labels(n_samples: IntOrStrategy, n_classes: IntOrStrategy
            ) -> SearchStrategy[tuple[np.ndarray, int]]:
    """Validate once; return a strategy for ``(sparse labels, n_classes)``."""
    return _drawn_labels(_required_sizes("n_samples", n_samples),
                         _required_sizes("n_classes", n_classes))


@st.composite
def _drawn_labels(draw: Draw, rows: SearchStrategy[int],
                  classes: SearchStrategy[int]) -> tuple[np.ndarray, int]:
    # The class count is returned with the labels, so a one-hot encoding built from
    # them agrees with it even when n_classes is a strategy.
    n, c = draw(rows), draw(classes)
    return draw(arrays(np.int64, (n,), elements=st.integers(0, c - 1))), c


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
    bound = float(max_magnitude)
    special = st.sampled_from([0.0, bound, -bound, 1.0, -1.0])
    return _matrices(rows, cols, st.one_of(special, _floats(bound)))


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
    mostly zero), **uniform rows** (equal weights), and everything between.

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


_PROBABILITY_WEIGHTS = st.one_of(st.just(0.0), st.floats(0.0, 1.0, allow_subnormal=False))


@st.composite
def _probability_rows(draw: Draw, rows: SearchStrategy[int], cols: SearchStrategy[int],
                      floor: float, min_probability: Any) -> np.ndarray:
    n, c = draw(rows), draw(cols)
    if floor * c > 1:
        raise InvalidArgument(
            f"min_probability={min_probability!r} is too large for the drawn "
            f"n_classes={c}: need min_probability * n_classes <= 1"
        )
    w = draw(arrays(np.float64, (n, c), elements=_PROBABILITY_WEIGHTS))
    total = w.sum(axis=1, keepdims=True)
    # An all-zero row carries no preference: make it uniform.
    w = np.where(total > 0, w, 1.0)
    total = w.sum(axis=1, keepdims=True)
    return floor + (1.0 - c * floor) * (w / total)


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
