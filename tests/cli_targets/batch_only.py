"""Row-layout layers whose backward only works on one sample because of a bug.

The from-scratch tutorial's one-sample-at-a-time layer (its update sized for one sample,
``tests/cli_targets/trial_gaps.py``) is checked one sample at a time; these are not: each
``*_Bug`` twin must not pass. Checked by ``tests/test_targets_one_sample.py``.
"""

import numpy as np


class RowDense:
    """The book's dense layer: samples as rows, gradients stored."""

    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.1 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class RowDense_Bug(RowDense):
    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        # BUG: the input gradient of one sample only (a batch cannot be reshaped to one row)
        self.dinputs = (dvalues.reshape(1, -1) @ self.weights.T).reshape(len(dvalues), -1)


class RowSGD:
    """Samples as rows, the update inside backward(grad, learning_rate), over any batch."""

    def __init__(self, in_size, out_size):
        self.w = np.random.randn(in_size, out_size)
        self.c = np.random.randn(1, out_size)

    def forward(self, x):
        self.x = x
        return x @ self.w + self.c

    def backward(self, grad, lr):
        dx = grad @ self.w.T
        self.w -= lr * (self.x.T @ grad)
        self.c -= lr * grad.sum(axis=0, keepdims=True)
        return dx


class RowSGD_Bug(RowSGD):
    def backward(self, grad, lr):
        dx = (grad.reshape(1, -1) @ self.w.T).reshape(len(grad), -1)  # BUG: one sample only
        self.w -= lr * (self.x.T @ grad)
        self.c -= lr * grad.sum(axis=0, keepdims=True)
        return dx
