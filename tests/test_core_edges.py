"""Edge behaviour of nnfs_core decided in its docstrings: labels, integers, mutation, clipping.

Each "accepts" test has a twin showing the broken case is rejected, or a control showing
the document's code fails the same check.
"""

import warnings

import numpy as np
import pytest

from nnfs_core import (
    Activation_ReLU,
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Loss_CategoricalCrossentropy,
    Optimizer_SGD,
)

RNG = np.random.default_rng(20240917)
LOGITS = RNG.normal(size=(4, 3))
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
SPARSE = np.array([0, 2, 1, 2])
ONE_HOT = np.eye(3)[SPARSE]


def _cce_forward(y):
    return Loss_CategoricalCrossentropy().forward(PROBS, y)


def _cce_calculate(y):
    return Loss_CategoricalCrossentropy().calculate(PROBS, y)


def _cce_backward(y):
    loss = Loss_CategoricalCrossentropy()
    loss.backward(PROBS, y)
    return loss.dinputs


def _fused_forward(y):
    return Activation_Softmax_Loss_CategoricalCrossentropy().forward(LOGITS, y)


def _fused_backward(y):
    fused = Activation_Softmax_Loss_CategoricalCrossentropy()
    fused.backward(PROBS, y)
    return fused.dinputs


ENTRY_POINTS = [_cce_forward, _cce_calculate, _cce_backward, _fused_forward, _fused_backward]

BAD_LABELS = {
    "index equal to the class count": (np.array([0, 2, 1, 3]), r"out of range \[0, 3\)"),
    "negative index (would wrap)": (np.array([0, -1, 1, 2]), r"out of range \[0, 3\)"),
    "one label too few": (np.array([0, 2, 1]), r"3 labels but .* 4 samples"),
    "float class indices": (SPARSE.astype(float), "integer class indices"),
    "boolean class indices": (np.array([True, False, True, False]), "integer class indices"),
    "column of labels (N, 1)": (SPARSE.reshape(-1, 1), r"shape \(4, 1\)"),
    "3-D labels": (ONE_HOT[None], r"got shape \(1, 4, 3\)"),
    "scalar label": (np.array(1), r"got shape \(\)"),
    "one-hot with too many classes": (np.eye(4)[SPARSE], r"shape \(4, 4\)"),
    "one-hot row with two ones": (ONE_HOT + np.eye(3)[[1, 0, 0, 0]], "row 0"),
    "one-hot row of zeros": (ONE_HOT * [[1], [1], [0], [1]], "row 2"),
    "soft label row": (np.vstack([ONE_HOT[:3], [0.5, 0.5, 0.0]]), "row 3"),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("labels, message", BAD_LABELS.values(), ids=BAD_LABELS.keys())
def test_bad_labels_raise_value_error_naming_y_true(entry, labels, message):
    with pytest.raises(ValueError, match="y_true") as excinfo:
        entry(labels)
    excinfo.match(message)


GOOD_LABELS = {
    "int64": SPARSE,
    "uint8 (spiral_data's dtype)": SPARSE.astype(np.uint8),
    "int32": SPARSE.astype(np.int32),
    "list": SPARSE.tolist(),
    "one-hot float": ONE_HOT,
    "one-hot int": ONE_HOT.astype(int),
    "one-hot uint8": ONE_HOT.astype(np.uint8),
    "one-hot bool": ONE_HOT.astype(bool),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("labels", GOOD_LABELS.values(), ids=GOOD_LABELS.keys())
def test_valid_labels_are_accepted(entry, labels):
    # accepted, and read as the same labels: the loss or gradient of the int64 indices
    # (the rejected forms are the table above)
    expected = entry(SPARSE)
    assert np.all(np.isfinite(expected))
    np.testing.assert_array_equal(entry(labels), expected)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: Loss_CategoricalCrossentropy().forward(np.empty((0, 3)), SPARSE[:0]), "y_pred"),
        (lambda: Loss_CategoricalCrossentropy().backward(np.empty((0, 3)), SPARSE[:0]), "dvalues"),
        (lambda: Loss_CategoricalCrossentropy().forward(PROBS[0], SPARSE[:1]), "y_pred"),
        (
            lambda: Activation_Softmax_Loss_CategoricalCrossentropy().backward(
                np.empty((0, 3)), SPARSE[:0]
            ),
            "dvalues",
        ),
    ],
    ids=["forward empty", "backward empty", "forward 1-D", "fused backward empty"],
)
def test_empty_or_non_2d_predictions_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --- sparse and one-hot labels agree -----------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.uint8, bool])
def test_crossentropy_sparse_equals_one_hot(dtype):
    sparse, one_hot = Loss_CategoricalCrossentropy(), Loss_CategoricalCrossentropy()
    labels = ONE_HOT.astype(dtype)
    np.testing.assert_allclose(sparse.forward(PROBS, SPARSE), one_hot.forward(PROBS, labels))
    sparse.backward(PROBS, SPARSE)
    one_hot.backward(PROBS, labels)
    np.testing.assert_allclose(sparse.dinputs, one_hot.dinputs)
    # control: other labels give other losses
    other = np.eye(3)[[1, 1, 1, 1]]
    assert not np.allclose(sparse.forward(PROBS, SPARSE), one_hot.forward(PROBS, other))


@pytest.mark.parametrize("dtype", [np.float64, np.uint8, bool])
def test_fused_sparse_equals_one_hot(dtype):
    sparse = Activation_Softmax_Loss_CategoricalCrossentropy()
    one_hot = Activation_Softmax_Loss_CategoricalCrossentropy()
    labels = ONE_HOT.astype(dtype)
    assert sparse.forward(LOGITS, SPARSE) == pytest.approx(one_hot.forward(LOGITS, labels))
    sparse.backward(sparse.output, SPARSE)
    one_hot.backward(one_hot.output, labels)
    np.testing.assert_allclose(sparse.dinputs, one_hot.dinputs)


def test_fused_forward_returns_the_mean_loss_and_sets_the_softmax_output():
    fused = Activation_Softmax_Loss_CategoricalCrossentropy()
    loss = fused.forward(LOGITS, SPARSE)
    np.testing.assert_allclose(fused.output, PROBS)
    assert isinstance(loss, float)
    assert loss == pytest.approx(-np.log(PROBS[np.arange(4), SPARSE]).mean())


# --- nothing mutates its arguments -------------------------------------------------------


class Book_Fused(Activation_Softmax_Loss_CategoricalCrossentropy):
    """The document's final fused backward (In [16]): no copy before subtracting."""

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


def fused_backward_mutates(cls):
    fused = cls()
    fused.forward(LOGITS, SPARSE)
    before = fused.output.copy()
    fused.backward(fused.output, SPARSE)
    return not np.array_equal(fused.output, before)


def test_fused_backward_leaves_its_dvalues_and_the_output_intact():
    assert not fused_backward_mutates(Activation_Softmax_Loss_CategoricalCrossentropy)


def test_the_documents_fused_backward_is_caught_mutating():
    assert fused_backward_mutates(Book_Fused)


def _backward_calls():
    dense = Layer_Dense(3, 3, rng=np.random.default_rng(0))
    dense.forward(LOGITS)
    relu, softmax = Activation_ReLU(), Activation_Softmax()
    relu.forward(LOGITS)
    softmax.forward(LOGITS)
    return {
        "dense": dense.backward,
        "relu": relu.backward,
        "softmax": softmax.backward,
        "softmax jacobian": softmax.backward_jacobian,
        "crossentropy": lambda d: Loss_CategoricalCrossentropy().backward(d, SPARSE),
    }


@pytest.mark.parametrize("name", list(_backward_calls()))
def test_no_backward_mutates_dvalues(name):
    dvalues = PROBS.copy()
    _backward_calls()[name](dvalues)
    np.testing.assert_array_equal(dvalues, PROBS)


def test_forward_does_not_mutate_inputs():
    inputs = LOGITS.copy()
    dense = Layer_Dense(3, 2, rng=np.random.default_rng(0))
    for forward in (dense.forward, Activation_ReLU().forward, Activation_Softmax().forward):
        forward(inputs)
    Activation_Softmax_Loss_CategoricalCrossentropy().forward(inputs, SPARSE)
    np.testing.assert_array_equal(inputs, LOGITS)


# --- integer inputs work; gradients are floats -------------------------------------------

INT_INPUTS = np.array([[1, 2, 3, 2], [2, 5, -1, 2], [-1, 2, 3, 0]])
INT_DVALUES = np.array([[1, -2, 3], [2, 2, -1], [0, 3, 1]])


def test_dense_on_integers_matches_floats_and_gives_float_gradients():
    int_layer = Layer_Dense(4, 3, rng=np.random.default_rng(1))
    float_layer = Layer_Dense(4, 3, rng=np.random.default_rng(1))
    int_layer.forward(INT_INPUTS)
    float_layer.forward(INT_INPUTS.astype(float))
    np.testing.assert_allclose(int_layer.output, float_layer.output)
    # integer weights too, so nothing float reaches backward except through the layer
    for layer in (int_layer, float_layer):
        layer.weights = np.arange(12).reshape(4, 3)
    int_layer.backward(INT_DVALUES)
    float_layer.backward(INT_DVALUES.astype(float))
    for name in ("dinputs", "dweights", "dbiases"):
        gradient = getattr(int_layer, name)
        assert gradient.dtype == np.float64, name
        np.testing.assert_array_equal(gradient, getattr(float_layer, name))


def test_relu_on_integers_keeps_integer_output_and_gives_float_gradients():
    relu = Activation_ReLU()
    relu.forward(INT_INPUTS)
    assert relu.output.dtype.kind == "i"
    np.testing.assert_array_equal(relu.output, np.maximum(0, INT_INPUTS))
    dvalues = 3 * INT_INPUTS - 1
    relu.backward(dvalues)
    assert relu.dinputs.dtype == np.float64
    np.testing.assert_array_equal(relu.dinputs, np.where(INT_INPUTS > 0, dvalues, 0.0))


class Book_Softmax(Activation_Softmax):
    """The document's Jacobian loop with np.empty_like(dvalues) (typo fixed)."""

    def backward_jacobian(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        rows = zip(self.output, dvalues, strict=True)
        for index, (single_output, single_dvalues) in enumerate(rows):
            single_output = single_output.reshape(-1, 1)
            jacobian = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian, single_dvalues)


def test_softmax_backwards_on_integer_dvalues_are_not_truncated():
    expected = Activation_Softmax()
    expected.forward(LOGITS[:3])
    expected.backward(INT_DVALUES.astype(float))
    for method in ("backward", "backward_jacobian"):
        softmax = Activation_Softmax()
        softmax.forward(LOGITS[:3])
        getattr(softmax, method)(INT_DVALUES)
        np.testing.assert_allclose(softmax.dinputs, expected.dinputs, rtol=1e-12)
    # control: the document's np.empty_like(dvalues) truncates to integers
    book = Book_Softmax()
    book.forward(LOGITS[:3])
    book.backward_jacobian(INT_DVALUES)
    assert not np.allclose(book.dinputs, expected.dinputs)


def test_softmax_forward_accepts_integer_logits():
    softmax = Activation_Softmax()
    softmax.forward(INT_INPUTS)
    np.testing.assert_allclose(softmax.output.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax.output[0], np.exp([1, 2, 3, 2]) / np.exp([1, 2, 3, 2]).sum())


# --- softmax: the two backwards agree; large logits are safe -----------------------------


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (7, 3), (16, 10)])
def test_vectorized_softmax_backward_equals_the_jacobian_loop(shape):
    rng = np.random.default_rng(sum(shape))
    vectorized, jacobian = Activation_Softmax(), Activation_Softmax()
    logits = rng.normal(scale=3, size=shape)
    dvalues = rng.normal(size=shape)
    vectorized.forward(logits)
    jacobian.forward(logits)
    vectorized.backward(dvalues)
    jacobian.backward_jacobian(dvalues)
    np.testing.assert_allclose(vectorized.dinputs, jacobian.dinputs, rtol=1e-10, atol=1e-15)
    # control: a wrong dvalues gives a different answer
    jacobian.backward_jacobian(dvalues + np.eye(*shape))
    assert shape[1] == 1 or not np.allclose(vectorized.dinputs, jacobian.dinputs)


def test_softmax_forward_survives_huge_logits():
    softmax = Activation_Softmax()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        softmax.forward(np.array([[1000.0, 1000.0, -1000.0], [1e6, 0.0, 0.0]]))
    np.testing.assert_allclose(softmax.output, [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])


# --- cross-entropy: clipped forward, unclipped backward ----------------------------------


def test_crossentropy_forward_clips_at_1e_minus_7():
    probs = np.array([[0.0, 1.0], [1.0, 0.0]])
    losses = Loss_CategoricalCrossentropy().forward(probs, np.array([0, 0]))
    np.testing.assert_allclose(losses, [-np.log(1e-7), -np.log(1 - 1e-7)])


def test_crossentropy_backward_is_not_clipped():
    # documented: inside the clipped region the forward is flat, the backward is not
    probs = np.array([[1e-9, 1 - 1e-9]])
    loss = Loss_CategoricalCrossentropy()
    loss.backward(probs, np.array([0]))
    np.testing.assert_allclose(loss.dinputs, [[-1e9, 0.0]])
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        loss.backward(np.array([[0.0, 1.0]]), np.array([0]))
    assert loss.dinputs[0, 0] == -np.inf


# --- construction and the optimizer ------------------------------------------------------


def test_dense_rng_makes_weights_reproducible_and_book_shaped():
    a = Layer_Dense(3, 5, rng=np.random.default_rng(7))
    b = Layer_Dense(3, 5, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weights, b.weights)
    expected = 0.01 * np.random.default_rng(7).standard_normal((3, 5))
    np.testing.assert_array_equal(a.weights, expected)
    np.testing.assert_array_equal(a.biases, np.zeros((1, 5)))
    assert not np.array_equal(a.weights, Layer_Dense(3, 5, rng=np.random.default_rng(8)).weights)


def test_dense_without_rng_draws_from_global_np_random_like_the_book():
    state = np.random.get_state()
    try:
        np.random.seed(0)
        expected = 0.01 * np.random.randn(2, 4)
        np.random.seed(0)
        np.testing.assert_array_equal(Layer_Dense(2, 4).weights, expected)
    finally:
        np.random.set_state(state)


@pytest.mark.parametrize("sizes", [(0, 3), (3, -1), (2.5, 3), (True, 3), ("2", 3)])
def test_dense_rejects_non_positive_integer_sizes(sizes):
    with pytest.raises(ValueError, match="n_inputs|n_neurons"):
        Layer_Dense(*sizes)


def test_dense_accepts_numpy_integer_sizes():
    assert Layer_Dense(np.int64(2), np.int32(3)).weights.shape == (2, 3)


def test_sgd_steps_against_the_gradient_in_place():
    layer = Layer_Dense(2, 2, rng=np.random.default_rng(0))
    weights, biases = layer.weights, layer.biases
    start_w, start_b = weights.copy(), biases.copy()
    layer.dweights, layer.dbiases = np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([[4.0, -1.0]])
    Optimizer_SGD(learning_rate=0.1).update_params(layer)
    assert layer.weights is weights and layer.biases is biases
    np.testing.assert_allclose(layer.weights, start_w - 0.1 * layer.dweights)
    np.testing.assert_allclose(layer.biases, start_b - 0.1 * layer.dbiases)
    assert Optimizer_SGD().learning_rate == 1.0


@pytest.mark.parametrize("backward", ["relu", "softmax", "softmax_jacobian", "dense"])
def test_dvalues_of_the_wrong_shape_are_rejected_not_broadcast(backward):
    from nnfs_core import Activation_ReLU, Activation_Softmax, Layer_Dense

    x = np.arange(6.0).reshape(3, 2)
    one_row = np.ones((1, 2))
    layer = {
        "relu": Activation_ReLU,
        "softmax": Activation_Softmax,
        "softmax_jacobian": Activation_Softmax,
        "dense": lambda: Layer_Dense(2, 2, rng=np.random.default_rng(0)),
    }[backward]()
    layer.forward(x)
    method = layer.backward_jacobian if backward == "softmax_jacobian" else layer.backward
    with pytest.raises(ValueError) as info:
        method(one_row)
    assert str(info.value) == (
        "dvalues has shape (1, 2), but the forward output has shape (3, 2): "
        "give one gradient per output element"
    )
    method(np.ones((3, 2)))  # the matching shape is accepted
    assert layer.dinputs.shape == (3, 2)
