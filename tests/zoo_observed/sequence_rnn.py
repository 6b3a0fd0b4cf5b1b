"""A recurrent layer over a whole sequence, written here: forward(x, h0) with x (N, T, D)
and h0 (N, H), backward returning (dx, dh0); a twin that drops the gradient carried
from the next step.

Before, the sequence was not tried (x was probed per step, 2-D): the correct layer was
an error ("not enough values to unpack").
"""

import numpy as np


class RNN:
    def __init__(self, input_size, hidden_size):
        rng = np.random.default_rng(0)
        self.Wx = rng.standard_normal((input_size, hidden_size)) * 0.3
        self.Wh = rng.standard_normal((hidden_size, hidden_size)) * 0.3
        self.b = np.zeros(hidden_size)

    def forward(self, x, h0):
        self.x, self.h0 = x, h0
        n, t, _ = x.shape
        h = h0
        self.hs = []
        for s in range(t):
            h = np.tanh(x[:, s] @ self.Wx + h @ self.Wh + self.b)
            self.hs.append(h)
        return np.stack(self.hs, axis=1)

    def backward(self, dhs):
        n, t, _ = self.x.shape
        dx = np.zeros_like(self.x)
        self.dWx = np.zeros_like(self.Wx)
        self.dWh = np.zeros_like(self.Wh)
        self.db = np.zeros_like(self.b)
        dh_next = np.zeros_like(self.h0)
        for s in reversed(range(t)):
            h = self.hs[s]
            h_prev = self.hs[s - 1] if s > 0 else self.h0
            dz = (dhs[:, s] + dh_next) * (1 - h ** 2)
            dx[:, s] = dz @ self.Wx.T
            self.dWx += self.x[:, s].T @ dz
            self.dWh += h_prev.T @ dz
            self.db += dz.sum(0)
            dh_next = dz @ self.Wh.T
        return dx, dh_next


class RNN_NoCarry(RNN):
    def backward(self, dhs):
        n, t, _ = self.x.shape
        dx = np.zeros_like(self.x)
        self.dWx = np.zeros_like(self.Wx)
        self.dWh = np.zeros_like(self.Wh)
        self.db = np.zeros_like(self.b)
        dh_next = np.zeros_like(self.h0)
        for s in reversed(range(t)):
            h = self.hs[s]
            h_prev = self.hs[s - 1] if s > 0 else self.h0
            dz = dhs[:, s] * (1 - h ** 2)  # BUG: the carried gradient dropped
            dx[:, s] = dz @ self.Wx.T
            self.dWx += self.x[:, s].T @ dz
            self.dWh += h_prev.T @ dz
            self.db += dz.sum(0)
            dh_next = dz @ self.Wh.T
        return dx, dh_next
