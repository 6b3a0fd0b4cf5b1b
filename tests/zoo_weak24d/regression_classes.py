"""Regression loss classes whose forward returns the mean (a scalar), not per-sample losses.

A squared error and a Huber loss, each with ``forward(y_pred, y_true)`` returning one
number and ``backward(dvalues, y_true)`` setting ``self.dinputs``: losses on continuous
targets of the predictions' shape (not fused losses of binary targets).
"""

import numpy as np


class MeanSquaredErrorLoss:
    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2)

    def backward(self, dvalues, y_true):
        self.dinputs = -2 * (y_true - dvalues) / dvalues.size


class MeanSquaredErrorLoss_Bug:
    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2)

    def backward(self, dvalues, y_true):
        self.dinputs = -2 * (y_true - dvalues) / len(dvalues)  # N, not N * C


class HuberLoss:
    def __init__(self, delta=1.0):
        self.delta = delta

    def forward(self, y_pred, y_true):
        r = y_pred - y_true
        quadratic = np.minimum(np.abs(r), self.delta)
        linear = np.abs(r) - quadratic
        return np.mean(0.5 * quadratic ** 2 + self.delta * linear)

    def backward(self, dvalues, y_true):
        r = dvalues - y_true
        self.dinputs = np.clip(r, -self.delta, self.delta) / r.size


class HuberLoss_Bug:
    def __init__(self, delta=1.0):
        self.delta = delta

    def forward(self, y_pred, y_true):
        r = y_pred - y_true
        quadratic = np.minimum(np.abs(r), self.delta)
        linear = np.abs(r) - quadratic
        return np.mean(0.5 * quadratic ** 2 + self.delta * linear)

    def backward(self, dvalues, y_true):
        r = dvalues - y_true
        self.dinputs = np.clip(r, -self.delta, self.delta)  # the mean's 1 / size forgotten
