"""Derivatives with real bugs (each beside its correct function)."""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_prime(s):
    """Bug: half in terms of the output, half in terms of the input."""
    return sigmoid(s) * (1.0 - s)


def tanh(x):
    return np.tanh(x)


def tanh_prime(y):
    """Bug: 1 - y instead of 1 - y ** 2 (wrong in either reading)."""
    return 1.0 - y


def relu(x):
    return np.maximum(0.0, x)


def relu_prime(x):
    """Bugs: overwrites its argument, and returns x (not 1) on (0, 1]."""
    x[x <= 0] = 0
    x[x > 1] = 1
    return x


def mse(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2)


def mse_prime(y_true, y_pred):
    """Bug: without the 2 / N of the mean."""
    return y_pred - y_true


def binary_cross_entropy(y_true, y_pred):
    return np.mean(-y_true * np.log(y_pred) - (1 - y_true) * np.log(1 - y_pred))


def binary_cross_entropy_prime(y_true, y_pred):
    """Bug: not divided by the count (the loss is a mean)."""
    return (1 - y_true) / (1 - y_pred) - y_true / y_pred


def softplus(x):
    return np.log1p(np.exp(x))


def softplus_derivative(x):
    """Unfinished: a template."""
    pass
