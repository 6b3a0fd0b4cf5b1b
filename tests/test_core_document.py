"""Every value the source document prints, reproduced with nnfs_core's classes.

Cells are the notebook's ``In [n]`` numbers. The expected text is pasted from the
document. NumPy prints arrays with at most 8 decimals, so arrays are compared within half
a unit of the 8th decimal; Python prints floats as their shortest exact repr, so scalars
are compared to 1e-12. Where a cell is plain arithmetic (the single neuron) it is redone
in plain Python, then once more with the core classes.
"""

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


def assert_printed(actual, printed):
    """Assert that ``actual`` prints as ``printed`` did in the document (NumPy format)."""
    tokens = printed.replace("[", " ").replace("]", " ").split()
    expected = np.array([float(token) for token in tokens])
    depth = len(printed) - len(printed.lstrip("["))
    if depth == 2:
        rows = printed.count("[") - 1
        expected = expected.reshape(rows, -1)
    assert np.shape(actual) == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=0, atol=5e-9)


def assert_scalars(actual, printed):
    """Assert that Python floats ``actual`` print as the space-separated ``printed``."""
    np.testing.assert_allclose(actual, [float(t) for t in printed.split()], rtol=0, atol=1e-12)


# --- the single neuron, cells 2-14 -------------------------------------------------------

X = [1.0, -2.0, 3.0]
W = [-3.0, -1.0, 2.0]
B = 1.0


def neuron(w, b):
    xw = [X[0] * w[0], X[1] * w[1], X[2] * w[2]]
    z = xw[0] + xw[1] + xw[2] + b
    return xw, z, max(z, 0)


def test_cell_2_single_neuron_forward():
    xw, z, y = neuron(W, B)
    assert_scalars([*xw, B], "-3.0 2.0 6.0 1.0")
    assert_scalars([z], "6.0")
    assert_scalars([y], "6.0")


def test_cells_3_to_7_relu_and_sum_derivatives_are_one():
    _, z, _ = neuron(W, B)
    drelu_dz = 1 * (1.0 if z > 0 else 0.0)
    assert_scalars([drelu_dz], "1.0")
    # d sum / d (each weighted input) and d sum / d bias are all 1
    assert_scalars([drelu_dz * 1, drelu_dz * 1, drelu_dz * 1, drelu_dz * 1], "1.0 1.0 1.0 1.0")


def test_cell_8_prints_are_blind_to_its_weight_typo():
    # cell 8 has w = [-3.0, -1.0, 20]; z becomes 60 instead of 6, but z > 0 either way,
    # so the printed derivatives (all 1.0) cannot reveal the typo
    _, z_typo, _ = neuron([-3.0, -1.0, 20], B)
    _, z_fixed, _ = neuron(W, B)
    assert (z_typo, z_fixed) == (60.0, 6.0)
    for z in (z_typo, z_fixed):
        assert_scalars([1.0 if z > 0 else 0.0], "1.0")


def test_cells_9_and_10_gradients_on_inputs_and_weights():
    # d(w.x)/dx_i = w_i and d(w.x)/dw_i = x_i, times drelu_dz = 1; cell 10 prints them
    # interleaved: dx0, dw0, dx1, dw1, dx2, dw2
    dx, dw = [1.0 * w for w in W], [1.0 * x for x in X]
    assert_scalars([dx[0]], "-3.0")
    assert_scalars([dx[0], dw[0], dx[1], dw[1], dx[2], dw[2]], "-3.0 1.0 -1.0 -2.0 2.0 3.0")


def test_cells_12_to_14_one_step_lowers_the_output_from_6_to_5_985():
    dw, db = [1.0 * x for x in X], 1.0
    w, b = list(W), B
    assert_scalars([*w, b], "-3.0 -1.0 2.0 1.0")
    w = [w[i] + -0.001 * dw[i] for i in range(3)]
    b += -0.001 * db
    assert_scalars([*w, b], "-3.001 -0.998 1.997 0.999")
    assert_scalars([neuron(w, b)[2]], "5.985")


def test_cells_2_to_14_single_neuron_with_the_core_classes():
    dense, relu = Layer_Dense(3, 1), Activation_ReLU()
    dense.weights, dense.biases = np.array([W]).T, np.array([[B]])
    dense.forward([X])
    relu.forward(dense.output)
    assert_scalars(relu.output.ravel(), "6.0")

    relu.backward(np.ones((1, 1)))
    dense.backward(relu.dinputs)
    interleaved = np.ravel([dense.dinputs.ravel(), dense.dweights.ravel()], order="F")
    assert_scalars(interleaved, "-3.0 1.0 -1.0 -2.0 2.0 3.0")
    assert_scalars(dense.dbiases.ravel(), "1.0")

    Optimizer_SGD(learning_rate=0.001).update_params(dense)
    assert_scalars([*dense.weights.ravel(), *dense.biases.ravel()], "-3.001 -0.998 1.997 0.999")
    dense.forward([X])
    relu.forward(dense.output)
    assert_scalars(relu.output.ravel(), "5.985")


# --- a layer of neurons, cells 15-23 -----------------------------------------------------

WEIGHTS = np.array([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
INPUTS = np.array([[1, 2, 3, 2.5], [2.0, 5.0, -1.0, 2], [-1.5, 2.7, 3.3, -0.8]])
DVALUES = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])


def dense_layer(weights=WEIGHTS, biases=(2, 3, 0.5)):
    layer = Layer_Dense(4, 3)
    layer.weights, layer.biases = weights.copy(), np.array([biases], dtype=float)
    return layer


def test_cells_15_to_17_dinputs_of_one_sample():
    layer = dense_layer()
    layer.forward(INPUTS[:1])
    layer.backward(np.array([[1.0, 1.0, 1.0]]))
    assert_printed(layer.dinputs[0], "[ 0.44 -0.38 -0.07  1.37]")


def test_cell_18_dinputs_of_a_batch():
    layer = dense_layer()
    layer.forward(INPUTS)
    layer.backward(DVALUES)
    assert_printed(
        layer.dinputs,
        """[[ 0.44 -0.38 -0.07  1.37]
 [ 0.88 -0.76 -0.14  2.74]
 [ 1.32 -1.14 -0.21  4.11]]""",
    )


def test_cell_19_dweights():
    layer = dense_layer()
    layer.forward(INPUTS)
    layer.backward(DVALUES)
    assert_printed(
        layer.dweights,
        """[[ 0.5  0.5  0.5]
 [20.1 20.1 20.1]
 [10.9 10.9 10.9]
 [ 4.1  4.1  4.1]]""",
    )


def test_cell_20_dbiases():
    layer = dense_layer()
    layer.forward(INPUTS)
    layer.backward(DVALUES)
    assert_printed(layer.dbiases, "[[6. 6. 6.]]")


Z = np.array([[1, 2, -3, -4], [2, -7, -1, 3], [-1, 2, 5, -1]])
RELU_DVALUES = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])


def test_cell_21_relu_derivative_mask():
    relu = Activation_ReLU()
    relu.forward(Z)
    relu.backward(np.ones_like(Z))
    assert_printed(
        relu.dinputs,
        """[[1 1 0 0]
 [1 0 0 1]
 [0 1 1 0]]""",
    )


def test_cells_21_and_22_relu_chain_rule():
    relu = Activation_ReLU()
    relu.forward(Z)
    relu.backward(RELU_DVALUES)
    assert_printed(
        relu.dinputs,
        """[[ 1  2  0  0]
 [ 5  0  0  8]
 [ 0 10 11  0]]""",
    )


def test_cell_23_dense_relu_update():
    # the cell "minimizes ReLU's output": its upstream gradient is relu_outputs itself
    # (the cell's own dvalues array is defined but never used)
    dense, relu = dense_layer(), Activation_ReLU()
    dense.forward(INPUTS)
    relu.forward(dense.output)
    relu.backward(relu.output)
    dense.backward(relu.dinputs)
    Optimizer_SGD(learning_rate=0.001).update_params(dense)
    assert_printed(
        dense.weights,
        """[[ 0.179515   0.5003665 -0.262746 ]
 [ 0.742093  -0.9152577 -0.2758402]
 [-0.510153   0.2529017  0.1629592]
 [ 0.971328  -0.5021842  0.8636583]]""",
    )
    assert_printed(dense.biases, "[[1.98489  2.997739 0.497389]]")


# --- one-hot labels, cells 28-30 ---------------------------------------------------------


def test_cells_28_to_30_np_eye():
    assert_printed(
        np.eye(5),
        """[[1. 0. 0. 0. 0.]
 [0. 1. 0. 0. 0.]
 [0. 0. 1. 0. 0.]
 [0. 0. 0. 1. 0.]
 [0. 0. 0. 0. 1.]]""",
    )
    assert_printed(np.eye(5)[1], "[0. 1. 0. 0. 0.]")
    assert_printed(np.eye(5)[4], "[0. 0. 0. 0. 1.]")


def test_cells_28_to_30_sparse_labels_index_the_identity_in_the_loss():
    # the loss's backward turns sparse labels 1 and 4 into rows 1 and 4 of np.eye(5)
    probs = np.full((2, 5), 0.2)
    loss = Loss_CategoricalCrossentropy()
    loss.backward(probs, np.array([1, 4]))
    assert_printed(loss.dinputs * -probs * 2, "[[0. 1. 0. 0. 0.]\n [0. 0. 0. 0. 1.]]")


# --- the softmax Jacobian, cells 31-37 ---------------------------------------------------

SOFTMAX_OUTPUT = np.array([0.7, 0.1, 0.2]).reshape(-1, 1)
JACOBIAN = """[[ 0.21 -0.07 -0.14]
 [-0.07  0.09 -0.02]
 [-0.14 -0.02  0.16]]"""


def test_cells_31_to_37_jacobian_pieces():
    assert_printed(SOFTMAX_OUTPUT, "[[0.7]\n [0.1]\n [0.2]]")
    assert_printed(np.eye(3), "[[1. 0. 0.]\n [0. 1. 0.]\n [0. 0. 1.]]")
    kronecker = """[[0.7 0.  0. ]
 [0.  0.1 0. ]
 [0.  0.  0.2]]"""
    assert_printed(SOFTMAX_OUTPUT * np.eye(3), kronecker)
    assert_printed(np.diagflat(SOFTMAX_OUTPUT), kronecker)
    assert_printed(
        np.dot(SOFTMAX_OUTPUT, SOFTMAX_OUTPUT.T),
        """[[0.49 0.07 0.14]
 [0.07 0.01 0.02]
 [0.14 0.02 0.04]]""",
    )
    assert_printed(np.diagflat(SOFTMAX_OUTPUT) - np.dot(SOFTMAX_OUTPUT, SOFTMAX_OUTPUT.T), JACOBIAN)


@pytest.mark.parametrize("method", ["backward", "backward_jacobian"])
def test_cell_37_jacobian_recovered_from_the_softmax_backward(method):
    # backward computes J @ dvalues; with dvalues = unit vector e_k it yields column k of J
    # (J is symmetric), so three samples of the same output recover the whole matrix
    softmax = Activation_Softmax()
    softmax.output = np.tile(SOFTMAX_OUTPUT.T, (3, 1))
    getattr(softmax, method)(np.eye(3))
    assert_printed(softmax.dinputs, JACOBIAN)


# --- fused versus separate backward, cell 55 ---------------------------------------------

SOFTMAX_OUTPUTS = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
CLASS_TARGETS = np.array([0, 1, 1])
CELL_55_GRADIENTS = """[[-0.1         0.03333333  0.06666667]
 [ 0.03333333 -0.16666667  0.13333333]
 [ 0.00666667 -0.03333333  0.02666667]]"""


def test_cell_55_combined_loss_and_activation():
    softmax_loss = Activation_Softmax_Loss_CategoricalCrossentropy()
    softmax_loss.backward(SOFTMAX_OUTPUTS, CLASS_TARGETS)
    assert_printed(softmax_loss.dinputs, CELL_55_GRADIENTS)


@pytest.mark.parametrize("method", ["backward", "backward_jacobian"])
def test_cell_55_separate_loss_and_activation(method):
    activation = Activation_Softmax()
    activation.output = SOFTMAX_OUTPUTS
    loss = Loss_CategoricalCrossentropy()
    loss.backward(activation.output, CLASS_TARGETS)
    getattr(activation, method)(loss.dinputs)
    assert_printed(activation.dinputs, CELL_55_GRADIENTS)


def test_assert_printed_rejects_a_value_off_in_the_last_printed_digit():
    with pytest.raises(AssertionError):
        assert_printed(np.array([[0.44, -0.38, -0.07, 1.37]]) + 1e-8, "[[ 0.44 -0.38 -0.07  1.37]]")
    with pytest.raises(AssertionError):
        assert_printed(np.array([0.44, -0.38, -0.07, 1.37]), "[[ 0.44 -0.38 -0.07  1.37]]")
    with pytest.raises(AssertionError):
        assert_scalars([5.985 + 1e-9], "5.985")
