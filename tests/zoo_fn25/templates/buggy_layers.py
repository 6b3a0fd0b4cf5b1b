"""The layers of ``layers.py`` finished with real bugs (our own code): failed, not unfinished.

The template's ``pass`` and ``# TODO`` lines are still there, but each backward computes
something, and it is wrong: a bug to fix, not a template to fill in.
"""
import numpy as np


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        # TODO: gradients on the parameters (dweights, dbiases) and on the inputs
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # bug: mean, not sum
        self.dinputs = np.dot(dvalues, self.weights.T)
        pass


class Activation_Sigmoid:
    def forward(self, inputs):
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = np.zeros_like(dvalues)
        # TODO: the derivative of the sigmoid, times dvalues
        self.dinputs += dvalues * (1 - self.output)  # bug: the factor output is missing


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        if dvalues.ndim != 2:
            raise NotImplementedError("only (samples, features)")
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs < 0] = 0
        self.dinputs = self.dinputs[:, ::-1]  # bug: columns reversed
