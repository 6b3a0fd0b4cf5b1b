"""Layers whose backward takes the input first: ``backward(self, input, grad_output)``.

The style of a widely taught course's NumPy network: forward returns its output and
keeps nothing, backward is given the layer's input back, returns the input gradient and
updates the weights itself with the rate the constructor stored
(``self.learning_rate``). Written here for the checker's tests.
"""

import numpy as np


class ReLU:
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)


class ReLU_Bug(ReLU):
    def backward(self, input, grad_output):
        return grad_output * (input < 0)  # BUG: the mask is inverted


class Dense:
    def __init__(self, input_units, output_units, learning_rate=0.1):
        self.learning_rate = learning_rate
        rng = np.random.default_rng(input_units * 7 + output_units)
        self.weights = rng.normal(scale=np.sqrt(2 / (input_units + output_units)),
                                  size=(input_units, output_units))
        self.biases = np.zeros(output_units)

    def forward(self, input):
        return input @ self.weights + self.biases

    def backward(self, input, grad_output):
        grad_input = grad_output @ self.weights.T
        grad_weights = input.T @ grad_output
        grad_biases = grad_output.sum(axis=0)
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input


class Dense_Bug(Dense):
    def backward(self, input, grad_output):
        grad_weights = input.T @ grad_output
        grad_biases = grad_output.sum(axis=0)
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_output @ self.weights.T  # BUG: computed with the updated weights


class DenseMeanBias_Bug(Dense):
    def backward(self, input, grad_output):
        grad_input = grad_output @ self.weights.T
        grad_weights = input.T @ grad_output
        grad_biases = grad_output.mean(axis=0)  # BUG: a mean beside a summed dW
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input
