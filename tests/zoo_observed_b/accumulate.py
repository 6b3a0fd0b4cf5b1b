"""Gradients added up across backward calls (``self.dweights += ...``), with or without a
reset method of the class's own.

Without one, nothing in the NNFS protocol ever resets the sum: every backward after the
first gives a wrong gradient (a bug, whatever the increment), and the report says whether
the increment itself is right. With one (``zero_grad``), it is called before each forward
and the class is checked like any other. Written here for the checker's tests (numpy
only); each bug is one line marked ``# BUG``. Batch 5, 3 inputs, 4 outputs.
"""

import numpy as np


class Dense:
    """The book's way: each backward assigns its gradients."""

    def __init__(self, n_inputs=3, n_neurons=4):
        rng = np.random.default_rng(41)
        self.weights = 0.5 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = 0.1 * rng.standard_normal((1, n_neurons))
        self.dweights = np.zeros_like(self.weights)
        self.dbiases = np.zeros_like(self.biases)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class AccumulatingDense_Bug(Dense):
    def backward(self, dvalues):
        self.dweights += self.inputs.T @ dvalues  # BUG: summed over calls, never reset
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class AccumulatingDense_WrongIncrement_Bug(Dense):
    def backward(self, dvalues):
        self.dweights += self.inputs.T @ dvalues / len(dvalues)  # BUG: never reset, and /N
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class ResettingDense(Dense):
    """The same sum, with ``zero_grad()`` for the training loop to call."""

    def zero_grad(self):
        self.dweights[...] = 0.0
        self.dbiases[...] = 0.0

    def backward(self, dvalues):
        self.dweights += self.inputs.T @ dvalues
        self.dbiases += dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class ResettingDense_Bug(ResettingDense):
    def backward(self, dvalues):
        self.dweights += self.inputs.T @ dvalues
        self.dbiases += dvalues.mean(axis=0, keepdims=True)  # BUG: the batch mean
        self.dinputs = dvalues @ self.weights.T
