"""A dense layer that adds its gradients up across backward calls with no reset method.

Both are failed (nothing ever resets the sum); what the report says about the increment
(what one backward adds) must be true: the twin's bias increment is the batch mean, right
only for a batch of one sample, so the report must not call it right on such a batch.
"""

import numpy as np


class AccumulatingDense_Bug:
    def __init__(self, n_inputs=3, n_neurons=4):
        rng = np.random.default_rng(7)
        self.weights = 0.5 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = 0.1 * rng.standard_normal((1, n_neurons))
        self.dweights = np.zeros_like(self.weights)
        self.dbiases = np.zeros_like(self.biases)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights += self.inputs.T @ dvalues  # summed over calls, never reset
        self.dbiases += dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class AccumulatingDense_MeanBias_Bug(AccumulatingDense_Bug):
    def backward(self, dvalues):
        self.dweights += self.inputs.T @ dvalues
        self.dbiases += dvalues.mean(axis=0, keepdims=True)  # and the batch mean, not the sum
        self.dinputs = dvalues @ self.weights.T
