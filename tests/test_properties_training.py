"""Training with the core's ``Optimizer_SGD`` lowers the loss on generated problems.

The property is a factory taking the layer class; a dense layer whose gradients point
uphill is rejected by the same property.
"""

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from twin_settings import NO_SHRINK

import gradcheck.strategies as gs
from nnfs_core import Activation_Softmax_Loss_CategoricalCrossentropy, Layer_Dense, Optimizer_SGD

STEPS = 10
# Mean cross-entropy of a linear softmax classifier is convex in (W, b) with Hessian norm
# <= (1/2) * max ||[x, 1]||^2 <= (1/2) * (4 + 1) for |x_j| <= 1 and at most 4 features,
# so L <= 2.5, and by the descent lemma any learning rate below 2/L = 0.8 lowers the loss
# at every step (strictly: logits stay bounded, so p_true < 1 and the gradient is nonzero).
LEARNING_RATE = 0.3


class DenseClimbing(Layer_Dense):
    """Broken: gradients with the wrong sign, so SGD climbs the loss."""

    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights, self.dbiases = -self.dweights, -self.dbiases


@st.composite
def separable_problems(draw, layer_class):
    """Points in [-1, 1]^F labelled by a drawn linear teacher; a drawn student layer."""
    student = draw(gs.dense_layers(max_inputs=4, min_neurons=2, max_neurons=4,
                                   layer_class=layer_class), label="student")
    n_features, n_classes = student.weights.shape
    x = draw(gs.input_batches(n_features=n_features, min_samples=2, max_magnitude=1.0),
             label="inputs")
    teacher = draw(gs.dense_layers(n_inputs=n_features, n_neurons=n_classes), label="teacher")
    teacher.forward(x)
    # argmax of a linear map: the classes are linearly separable by construction
    y = np.argmax(teacher.output, axis=1)
    return student, x, y


def sgd_lowers_the_loss(layer_class):
    @given(separable_problems(layer_class), st.sampled_from(["sparse", "one_hot"]))
    def prop(problem, kind):
        layer, x, y = problem
        if kind == "one_hot":
            y = np.eye(layer.weights.shape[1])[y]
        note({"student weights": layer.weights.copy(), "biases": layer.biases.copy(),
              "labels": y})
        head = Activation_Softmax_Loss_CategoricalCrossentropy()
        optimizer = Optimizer_SGD(learning_rate=LEARNING_RATE)
        losses, squared_gradients = [], []
        for _ in range(STEPS):
            layer.forward(x)
            losses.append(head.forward(layer.output, y))
            head.backward(head.output, y)
            layer.backward(head.dinputs)
            squared_gradients.append(float(np.sum(layer.dweights ** 2)
                                           + np.sum(layer.dbiases ** 2)))
            optimizer.update_params(layer)
        layer.forward(x)
        losses.append(head.forward(layer.output, y))
        note({"losses": losses, "squared gradient norms": squared_gradients})
        steps = np.diff(losses)
        # The descent lemma promises a drop of at least lr * (1 - L * lr / 2) * |g|^2 =
        # 0.1875 |g|^2: strict wherever that is above the rounding of the loss (inputs
        # like 1e-300 give a gradient whose step no float can show), never a rise.
        rounding = 8 * np.finfo(np.float64).eps * max(losses)
        promised = 0.1875 * np.array(squared_gradients) > rounding
        rose = (steps > rounding) | (promised & (steps >= 0))
        assert not rose.any(), f"the loss rose at step {int(np.argmax(rose))}: {losses}"

    return prop


def test_training_with_sgd_lowers_the_loss_at_every_step():
    """Oracle: convexity. For a softmax classifier on one dense layer, a gradient step
    smaller than 1 / (smoothness constant) must lower the mean cross-entropy.

    Proves, end to end, that the core's forward, fused backward, dense backward and
    ``Optimizer_SGD.update_params`` together descend the loss: ten steps on generated
    linearly separable problems, each lowering it (strictly wherever the promised drop is
    above the loss's rounding), for both label encodings.
    """
    sgd_lowers_the_loss(Layer_Dense)()


def test_training_check_rejects_a_layer_whose_gradients_point_uphill():
    with pytest.raises(AssertionError, match="the loss rose"):
        NO_SHRINK(sgd_lowers_the_loss(DenseClimbing))()
