"""State kept per call: each correct class with a buggy twin.

Written here for the checker's tests (numpy only); each bug is one line marked ``# BUG``.
"""

import numpy as np


class DenseInputStack:
    """Keeps one input per forward call in a list; backward uses the latest one."""

    def __init__(self, n_in=3, n_out=4):
        rng = np.random.default_rng(12)
        self.W = 0.5 * rng.standard_normal((n_in, n_out))
        self.b = 0.5 * rng.standard_normal((1, n_out))
        self.X = []

    def forward(self, X):
        self.X.append(X)
        return X @ self.W + self.b

    def backward(self, dLdY):
        X = self.X[-1]
        self.dW = X.T @ dLdY
        self.db = dLdY.sum(axis=0, keepdims=True)
        return dLdY @ self.W.T


class DenseInputStack_FirstInput(DenseInputStack):
    def backward(self, dLdY):
        X = self.X[0]  # BUG: the first input ever seen, not this call's
        self.dW = X.T @ dLdY
        self.db = dLdY.sum(axis=0, keepdims=True)
        return dLdY @ self.W.T


class StatefulRNNStep:
    """Carries its hidden state across forward calls (a streaming RNN cell)."""

    def __init__(self, n_in=3, n_hidden=4):
        rng = np.random.default_rng(13)
        self.Wx = 0.5 * rng.standard_normal((n_in, n_hidden))
        self.Wh = 0.5 * rng.standard_normal((n_hidden, n_hidden))
        self.h = None

    def forward(self, x):
        if self.h is None or self.h.shape[0] != x.shape[0]:
            self.h = np.zeros((x.shape[0], self.Wh.shape[0]))
        self.x, self.h_prev = x, self.h
        self.h = np.tanh(x @ self.Wx + self.h_prev @ self.Wh)
        return self.h

    def backward(self, dh):
        dz = dh * (1 - self.h ** 2)
        self.dWx = self.x.T @ dz
        self.dWh = self.h_prev.T @ dz
        return dz @ self.Wx.T


class StatefulRNNStep_NoTanhDerivative(StatefulRNNStep):
    def backward(self, dh):
        dz = dh  # BUG: the tanh derivative is missing
        self.dWx = self.x.T @ dz
        self.dWh = self.h_prev.T @ dz
        return dz @ self.Wx.T
