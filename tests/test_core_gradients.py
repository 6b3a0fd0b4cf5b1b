"""Every backward in nnfs_core against central finite differences, on fixed random data.

A self-contained check, independent of the gradcheck engine: for a random upstream
gradient ``G`` the scalar ``sum(G * output)`` has gradient ``G`` at the output, so each
backward(G) must match the numeric derivative of that scalar. Data stay away from kinks
(ReLU at 0) and from the clipped region of cross-entropy, where the derivative is one-sided.
"""

import numpy as np
import pytest

from nnfs_core import (
    Activation_ReLU,
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Loss_CategoricalCrossentropy,
)

STEP = 1e-6


def numeric_gradient(f, x):
    """Central differences of the scalar f() with respect to array x (perturbed in place)."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + STEP
        up = f()
        x[index] = saved - STEP
        down = f()
        x[index] = saved
        grad[index] = (up - down) / (2 * STEP)
    return grad


def assert_gradient(analytic, f, x):
    np.testing.assert_allclose(analytic, numeric_gradient(f, x), rtol=1e-6, atol=1e-8)


def away_from_zero(rng, shape):
    x = rng.normal(size=shape)
    return x + np.sign(x) * 0.1


@pytest.fixture
def rng():
    return np.random.default_rng(2024)


def test_dense_backward(rng):
    layer = Layer_Dense(4, 3, rng=rng)
    layer.biases = rng.normal(size=(1, 3))
    inputs, G = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))

    def scalar():
        layer.forward(inputs)
        return np.sum(G * layer.output)

    layer.forward(inputs)
    layer.backward(G)
    assert_gradient(layer.dinputs, scalar, inputs)
    assert_gradient(layer.dweights, scalar, layer.weights)
    assert_gradient(layer.dbiases, scalar, layer.biases)


@pytest.mark.parametrize(
    "activation, method",
    [
        (Activation_ReLU, "backward"),
        (Activation_Softmax, "backward"),
        (Activation_Softmax, "backward_jacobian"),
    ],
)
def test_activation_backward(rng, activation, method):
    layer = activation()
    inputs, G = away_from_zero(rng, (5, 4)), rng.normal(size=(5, 4))

    def scalar():
        layer.forward(inputs)
        return np.sum(G * layer.output)

    layer.forward(inputs)
    getattr(layer, method)(G)
    assert_gradient(layer.dinputs, scalar, inputs)


@pytest.mark.parametrize("kind", ["sparse", "one_hot"])
def test_crossentropy_backward_is_the_gradient_of_the_mean_loss(rng, kind):
    loss = Loss_CategoricalCrossentropy()
    probs = rng.uniform(0.05, 1.0, size=(6, 4))
    probs /= probs.sum(axis=1, keepdims=True)
    labels = rng.integers(0, 4, size=6)
    if kind == "one_hot":
        labels = np.eye(4)[labels]
    loss.backward(probs, labels)
    assert_gradient(loss.dinputs, lambda: loss.calculate(probs, labels), probs)


@pytest.mark.parametrize("kind", ["sparse", "one_hot"])
def test_fused_backward_is_the_gradient_with_respect_to_the_logits(rng, kind):
    fused = Activation_Softmax_Loss_CategoricalCrossentropy()
    logits = rng.normal(scale=2.0, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    if kind == "one_hot":
        labels = np.eye(4)[labels]
    fused.forward(logits, labels)
    fused.backward(fused.output, labels)
    assert_gradient(fused.dinputs, lambda: fused.forward(logits, labels), logits)


def test_the_check_rejects_a_gradient_missing_the_division_by_samples(rng):
    # negative control: the book's CCE backward without "/ samples" must fail this check
    loss = Loss_CategoricalCrossentropy()
    probs = rng.uniform(0.05, 1.0, size=(3, 2))
    labels = np.array([0, 1, 1])
    loss.backward(probs, labels)
    with pytest.raises(AssertionError):
        assert_gradient(loss.dinputs * 3, lambda: loss.calculate(probs, labels), probs)
