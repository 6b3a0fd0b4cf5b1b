"""Outputs written into a buffer, ids given as floats: each correct class with a buggy twin.

Written here for the checker's tests (numpy only); each bug is one line marked ``# BUG``.
"""

import numpy as np


class DenseOutBuffer:
    """Forward writes into ``self.output``, allocated once per batch shape."""

    def __init__(self, n_in=3, n_out=4):
        rng = np.random.default_rng(9)
        self.weights = 0.5 * rng.standard_normal((n_in, n_out))
        self.biases = 0.5 * rng.standard_normal((1, n_out))
        self.output = None

    def forward(self, inputs):
        self.inputs = inputs
        shape = (inputs.shape[0], self.weights.shape[1])
        if self.output is None or self.output.shape != shape:
            self.output = np.empty(shape)
        np.dot(inputs, self.weights, out=self.output)
        self.output += self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class DenseOutBuffer_DbiasesFirstRow(DenseOutBuffer):
    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues[:1].copy()  # BUG: the first sample only
        self.dinputs = dvalues @ self.weights.T


class ReturnsBuffer:
    """Forward returns the same preallocated array on every call (a tanh)."""

    def __init__(self):
        self.out = np.empty(0)

    def forward(self, x):
        if self.out.shape != x.shape:
            self.out = np.empty_like(x)
        np.tanh(x, out=self.out)
        self.x = x
        return self.out

    def backward(self, grad):
        return grad * (1 - np.tanh(self.x) ** 2)


class ReturnsBuffer_FromBuffer(ReturnsBuffer):
    def backward(self, grad):
        return grad * (1 - self.out)  # BUG: 1 - t, not 1 - t**2


class EmbeddingFloatIds:
    """Ids arrive as floats and are cast in forward: no input gradient is expected."""

    def __init__(self, vocab_size=6, dim=4):
        self.table = 0.5 * np.random.default_rng(10).standard_normal((vocab_size, dim))

    def forward(self, ids):
        self.ids = ids.astype(int)
        self.output = self.table[self.ids]

    def backward(self, dvalues):
        self.dtable = np.zeros_like(self.table)
        np.add.at(self.dtable, self.ids, dvalues)


class EmbeddingFloatIds_Assign(EmbeddingFloatIds):
    def backward(self, dvalues):
        self.dtable = np.zeros_like(self.table)
        self.dtable[self.ids] += dvalues  # BUG: repeated ids counted once
