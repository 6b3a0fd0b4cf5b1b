"""Derivative objects with real bugs."""

import numpy as np


def tanh(x):
    return np.tanh(x)


def tanh_prime(x):
    """Bug: the square is missing."""
    return 1 - np.tanh(x)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class Activation:
    def __init__(self, activation, activation_prime):
        self.activation = activation
        self.activation_prime = activation_prime

    def forward(self, input):
        self.input = input
        return self.activation(self.input)

    def backward(self, output_gradient, learning_rate):
        return np.multiply(output_gradient, self.activation_prime(self.input))


class Tanh(Activation):
    def __init__(self):
        super().__init__(tanh, tanh_prime)


class Sigmoid(Activation):
    """Bug: a derivative written on the output (s * (1 - s)), called on the input."""

    def __init__(self):
        super().__init__(lambda x: 1 / (1 + np.exp(-x)), lambda s: s * (1 - s))


class SoftPlusFn:
    """Bug: grad2 is the derivative of the wrong function (tanh's)."""

    def fn(self, z):
        return np.log1p(np.exp(z))

    def grad(self, x):
        return 1 / (1 + np.exp(-x))

    def grad2(self, x):
        return 1 - np.tanh(x) ** 2


class SquaredError:
    """Bug: the gradient of 0.5 * sum((y_pred - y) ** 2) with the sign flipped."""

    @staticmethod
    def loss(y, y_pred):
        return 0.5 * np.sum((y_pred - y) ** 2)

    @staticmethod
    def grad(y, y_pred):
        return y - y_pred


class QuadraticCost:
    """Bug: delta forgets the sigmoid's derivative (that is the cross-entropy's delta)."""

    @staticmethod
    def fn(a, y):
        return 0.5 * np.linalg.norm(a - y) ** 2

    @staticmethod
    def delta(z, a, y):
        return a - y


class CrossEntropyCost:
    """Bug: multiplies by the sigmoid's derivative, which the cross-entropy cancels."""

    @staticmethod
    def fn(a, y):
        return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        return (a - y) * sigmoid_prime(z)


class SquaredErrorThrough:
    """Bug: the activation's derivative is forgotten (dL/dy_pred returned as dL/dz)."""

    @staticmethod
    def loss(y, y_pred):
        return 0.5 * np.linalg.norm(y_pred - y) ** 2

    @staticmethod
    def grad(y, y_pred, z, act_fn):
        return y_pred - y
