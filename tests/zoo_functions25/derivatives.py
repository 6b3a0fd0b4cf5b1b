"""Activation functions, losses and their derivatives: all correct, in both readings."""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_prime(s):
    """Written in terms of the output: s = sigmoid(x)."""
    return s * (1.0 - s)


def tanh(x):
    return np.tanh(x)


def tanh_derivative(x):
    """Written in terms of the input."""
    return 1.0 - np.tanh(x) ** 2


def relu(x):
    return np.maximum(0.0, x)


def relu_prime(x):
    return (x > 0).astype(float)


def leaky_relu(x):
    return np.where(x > 0, x, 0.01 * x)


def d_leaky_relu(x):
    return np.where(x > 0, 1.0, 0.01)


def softplus(x):
    return np.log1p(np.exp(x))


def dsoftplus(x):
    return sigmoid(x)


def mse(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2)


def mse_prime(y_true, y_pred):
    return 2.0 * (y_pred - y_true) / y_true.size


def binary_cross_entropy(y_true, y_pred):
    return np.mean(-y_true * np.log(y_pred) - (1 - y_true) * np.log(1 - y_pred))


def binary_cross_entropy_prime(y_true, y_pred):
    return ((1 - y_true) / (1 - y_pred) - y_true / y_pred) / np.size(y_true)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_prime(x):
    """The Jacobian of each row: (..., C, C). Not elementwise: skipped, not failed."""
    s = softmax(x)
    return s[..., :, None] * (np.eye(s.shape[-1]) - s[..., None, :])


def log(x):
    return np.log(x)


def log_prime(x):
    """Positive inputs only: the domain is probed."""
    return 1.0 / x


def arcsin(x):
    return np.arcsin(x)


def arcsin_derivative(x):
    """Inputs in (-1, 1) only."""
    return 1.0 / np.sqrt(1.0 - x ** 2)
