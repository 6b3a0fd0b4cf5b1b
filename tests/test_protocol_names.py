"""Other spellings of the book's names: regularizer factors, found in one place.

Each regularized layer passes only if its L1/L2 term is part of the objective, and its
twin that forgets the term in backward fails: the spelling was understood, not ignored.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_layer
from gradcheck.protocol import names

X = np.random.default_rng(0).standard_normal((5, 3))


def _dense(spelling: dict[str, float], *, forget: bool = False):
    class Dense:
        def __init__(self):
            rng = np.random.default_rng(1)
            self.weights = rng.standard_normal((3, 2))
            self.biases = rng.standard_normal((1, 2))
            for key, value in spelling.items():
                setattr(self, key, value)

        def forward(self, inputs):
            self.inputs = inputs
            self.output = inputs @ self.weights + self.biases

        def backward(self, dvalues):
            self.dweights = self.inputs.T @ dvalues
            self.dbiases = dvalues.sum(axis=0, keepdims=True)
            if not forget:  # the twin forgets the regularization terms
                l1, l2 = names.regularizer(self, "weights", vars(self))
                self.dweights = self.dweights + l1 * np.sign(self.weights) + 2 * l2 * self.weights
                l1, l2 = names.regularizer(self, "biases", vars(self))
                self.dbiases = self.dbiases + l1 * np.sign(self.biases) + 2 * l2 * self.biases
            self.dinputs = dvalues @ self.weights.T

    return Dense()


SPELLINGS = [
    {"weight_regularizer_l2": 0.1},
    {"weight_regulariser_l2": 0.1},
    {"weights_L2": 0.1},
    {"l2_weights": 0.1},
    {"weight_regularizer_l1": 0.05, "bias_regularizer_l2": 0.2},
    {"bias_l1": 0.05},
]


@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda s: ",".join(s))
def test_a_regularizer_spelling_is_part_of_the_objective(spelling):
    assert check_layer(_dense(spelling), X).ok
    report = check_layer(_dense(spelling, forget=True), X, raise_on_failure=False)
    assert report.status == "failed", str(report)


@pytest.mark.parametrize(("key", "found"), [
    ("weight_regularizer_l2", (0.0, 0.1)), ("weights_L1", (0.1, 0.0)),
    ("bias_regularizer_l2", (0.0, 0.0)), ("weight_decay", (0.0, 0.0)),
])
def test_regularizer_factors_belong_to_their_parameter(key, found):
    assert names.regularizer(None, "weights", {key: 0.1}) == found


@pytest.mark.parametrize(("name", "gradient"), [
    ("weights", "dweights"), ("_weights", "dweights"), ("W", "dW"), ("gamma", "d_gamma"),
    ("kernel", "dKernel"),
])
def test_gradient_names_cover_the_usual_spellings(name, gradient):
    assert gradient in names.gradient_names(name)
    assert names.is_gradient_name(gradient, {name})
    assert not names.is_gradient_name(name, {gradient})


class FusedOutputs:
    """Softmax + cross-entropy that keeps its softmax in ``self.outputs``, ``d_inputs``."""

    def forward(self, inputs, y_true):
        e = np.exp(inputs - inputs.max(axis=1, keepdims=True))
        self.outputs = e / e.sum(axis=1, keepdims=True)
        return -np.mean(np.log(self.outputs[np.arange(len(y_true)), y_true]))

    def backward(self, dvalues, y_true):
        n = len(dvalues)
        self.d_inputs = dvalues.copy()
        self.d_inputs[np.arange(n), y_true] -= 1
        self.d_inputs /= n


class FusedOutputs_NotAveraged(FusedOutputs):
    def backward(self, dvalues, y_true):
        super().backward(dvalues, y_true)
        self.d_inputs *= len(dvalues)  # BUG


def test_a_fused_loss_keeping_outputs_gets_its_softmax_as_dvalues():
    from gradcheck import check_loss

    x = np.random.default_rng(2).standard_normal((4, 3))
    y = np.array([0, 2, 1, 1])
    report = check_loss(FusedOutputs(), x, y)
    assert report.kind == "fused" and [g.name for g in report.gradients] == ["d_inputs"]
    bad = check_loss(FusedOutputs_NotAveraged(), x, y, raise_on_failure=False)
    assert bad.status == "failed" and "batch size" in bad.gradients[0].diagnosis
