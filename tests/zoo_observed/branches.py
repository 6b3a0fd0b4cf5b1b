"""Layers whose constructor picks a branch by a string (written for the tests).

``Dense(units, activation=None)`` builds its weights at the first forward (the input's
width is known only then) and branches on ``self.activation == "relu"`` / ``"tanh"``;
``Pool(mode="max")`` on ``mode`` in ``__init__``-stored form. Each twin has a bug only
in a branch the default never takes.
"""

import numpy as np


class Dense:
    def __init__(self, units, activation=None):
        self.units = units
        self.activation = activation
        self.W = None
        self.b = None

    def build(self, input_dim):
        rng = np.random.default_rng(0)
        self.W = rng.standard_normal((input_dim, self.units)) * np.sqrt(2 / input_dim)
        self.b = np.zeros(self.units)

    def forward(self, x):
        if self.W is None:
            self.build(x.shape[-1])
        self.x = x
        self.z = x @ self.W + self.b
        if self.activation == "relu":
            return np.maximum(self.z, 0)
        if self.activation == "tanh":
            return np.tanh(self.z)
        return self.z

    def backward(self, grad):
        if self.activation == "relu":
            grad = grad * (self.z > 0)
        elif self.activation == "tanh":
            grad = grad * (1 - np.tanh(self.z) ** 2)
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0)
        return grad @ self.W.T


class Dense_TanhBranch(Dense):
    def backward(self, grad):
        if self.activation == "relu":
            grad = grad * (self.z > 0)
        elif self.activation == "tanh":
            grad = grad * (1 - np.tanh(self.z))
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0)
        return grad @ self.W.T


class Reduce:
    """Mean or sum over the features, picked by ``mode``."""

    def __init__(self, mode="mean"):
        self.mode = mode

    def forward(self, x):
        self.n = x.shape[1]
        if self.mode == "sum":
            return x.sum(axis=1, keepdims=True)
        return x.mean(axis=1, keepdims=True)

    def backward(self, grad):
        if self.mode == "sum":
            return np.repeat(grad, self.n, axis=1)
        return np.repeat(grad, self.n, axis=1) / self.n


class Reduce_SumDivided(Reduce):
    def backward(self, grad):
        return np.repeat(grad, self.n, axis=1) / self.n
