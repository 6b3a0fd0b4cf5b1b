"""The from-scratch tutorial protocol: backward applies the update itself.

``forward(input)`` returns the output; ``backward(output_gradient, learning_rate)``
returns the input gradient and updates the weights in place. Other spellings of the same
protocol: ``forward_propagation`` / ``backward_propagation(output_error,
learning_rate)``, ``forward`` / ``backprop(d, lr)``. Written here for the checker's
tests (numpy only); each bug is one line marked ``# BUG``. Batch 5, 3 inputs, 4 outputs.
"""

import numpy as np


def _normal(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [0.5 * rng.standard_normal(shape) for shape in shapes]


class Dense:
    def __init__(self, input_size=3, output_size=4):
        self.weights, self.bias = _normal(6, (input_size, output_size), (1, output_size))

    def forward(self, input):  # noqa: A002 - the tutorial's spelling
        self.input = input
        return input @ self.weights + self.bias

    def backward(self, output_gradient, learning_rate):
        weights_gradient = self.input.T @ output_gradient
        input_gradient = output_gradient @ self.weights.T
        self.weights -= learning_rate * weights_gradient
        self.bias -= learning_rate * output_gradient.sum(axis=0, keepdims=True)
        return input_gradient


class Dense_InputGradientAfterUpdate(Dense):
    def backward(self, output_gradient, learning_rate):
        weights_gradient = self.input.T @ output_gradient
        self.weights -= learning_rate * weights_gradient
        self.bias -= learning_rate * output_gradient.sum(axis=0, keepdims=True)
        return output_gradient @ self.weights.T  # BUG: the weights were already updated


class Dense_BiasMean(Dense):
    def backward(self, output_gradient, learning_rate):
        weights_gradient = self.input.T @ output_gradient
        input_gradient = output_gradient @ self.weights.T
        self.weights -= learning_rate * weights_gradient
        self.bias -= learning_rate * output_gradient.mean(axis=0, keepdims=True)  # BUG: mean
        return input_gradient


class Tanh:
    def forward(self, input):  # noqa: A002
        self.input = input
        return np.tanh(input)

    def backward(self, output_gradient, learning_rate):
        return output_gradient * (1 - np.tanh(self.input) ** 2)


class Tanh_Identity(Tanh):
    def backward(self, output_gradient, learning_rate):
        return output_gradient  # BUG: the derivative is missing


class FCLayer:
    """``forward_propagation`` / ``backward_propagation(output_error, learning_rate)``."""

    def __init__(self, input_size=3, output_size=4):
        self.weights, self.bias = _normal(7, (input_size, output_size), (1, output_size))

    def forward_propagation(self, input_data):
        self.input = input_data
        self.output = input_data @ self.weights + self.bias
        return self.output

    def backward_propagation(self, output_error, learning_rate):
        input_error = output_error @ self.weights.T
        weights_error = self.input.T @ output_error
        self.weights -= learning_rate * weights_error
        self.bias -= learning_rate * output_error.sum(axis=0, keepdims=True)
        return input_error


class FCLayer_WeightsErrorHalved(FCLayer):
    def backward_propagation(self, output_error, learning_rate):
        input_error = output_error @ self.weights.T
        weights_error = self.input.T @ output_error
        self.weights -= 0.5 * learning_rate * weights_error  # BUG: half a step
        self.bias -= learning_rate * output_error.sum(axis=0, keepdims=True)
        return input_error


class Linear:
    """``forward`` / ``backprop(d, lr)``."""

    def __init__(self, n_in=3, n_out=4):
        self.W, self.b = _normal(8, (n_in, n_out), (n_out,))

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backprop(self, d, lr):
        dx = d @ self.W.T
        self.W = self.W - lr * (self.x.T @ d)
        self.b = self.b - lr * d.sum(axis=0)
        return dx


class Linear_DxFromInputs(Linear):
    def backprop(self, d, lr):
        dx = d @ self.W.T * self.x  # BUG: multiplied by the inputs
        self.W = self.W - lr * (self.x.T @ d)
        self.b = self.b - lr * d.sum(axis=0)
        return dx
