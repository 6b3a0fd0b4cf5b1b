"""Layers a new user's first run met: written as the from-scratch tutorials write them.

Each correct class has a buggy twin (``*_Bug``) that the CLI must fail. Checked by
``tests/test_targets_trial_gaps.py``.
"""

import numpy as np


# -- 1. one sample at a time: backward(grad, learning_rate) updates in place -----------------
class ColumnLinear:
    """Samples as columns, one column per call: the bias update fits one column only."""

    def __init__(self, in_size, out_size):
        self.w = np.random.randn(out_size, in_size)
        self.c = np.random.randn(out_size, 1)

    def forward(self, x):
        self.x = x
        return self.w @ x + self.c

    def backward(self, grad, lr):
        dx = self.w.T @ grad
        self.w -= lr * (grad @ self.x.T)
        self.c -= lr * grad
        return dx


class ColumnLinear_Bug(ColumnLinear):
    """The input gradient read after the step: it uses the updated weights."""

    def backward(self, grad, lr):
        self.w -= lr * (grad @ self.x.T)
        self.c -= lr * grad
        return self.w.T @ grad


class RowLinear:
    """Samples as rows, one row per call: a bias of shape (1, out) updated by the row."""

    def __init__(self, in_size, out_size):
        self.w = np.random.randn(in_size, out_size)
        self.c = np.random.randn(1, out_size)

    def forward(self, x):
        self.x = x
        return x @ self.w + self.c

    def backward(self, grad, lr):
        dx = grad @ self.w.T
        self.w -= lr * (self.x.T @ grad)
        self.c -= lr * grad
        return dx


class RowLinear_Bug(RowLinear):
    """The input gradient read after the step."""

    def backward(self, grad, lr):
        self.w -= lr * (self.x.T @ grad)
        self.c -= lr * grad
        return grad @ self.w.T
