"""Several inputs and several outputs: each correct class with a buggy twin.

Written here for the checker's tests (numpy only); each bug is one line marked
``# BUG``. Checked as ``check_layer(layer, (a, b))``.
"""

import numpy as np


class Multiply:
    """``forward(a, b)``; backward returns ``(da, db)``."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        return grad * self.b, grad * self.a


class Multiply_SwappedGradients(Multiply):
    def backward(self, grad):
        return grad * self.a, grad * self.b  # BUG: each input's gradient uses itself


class AddList:
    """``forward([a, b, c])`` (one list); backward sets ``self.dinputs`` to a list."""

    def forward(self, inputs):
        self.n = len(inputs)
        self.output = sum(inputs)

    def backward(self, dvalues):
        self.dinputs = [dvalues.copy() for _ in range(self.n)]


class AddList_Halved(AddList):
    def backward(self, dvalues):
        self.dinputs = [dvalues / self.n for _ in range(self.n)]  # BUG: split, not copied


class Attention:
    """``forward(q, k, v, mask=None)``: scaled dot-product attention, batch first."""

    def forward(self, q, k, v, mask=None):
        self.q, self.k, self.v = q, k, v
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
        scores = scores - scores.max(axis=-1, keepdims=True)
        e = np.exp(scores)
        self.p = e / e.sum(axis=-1, keepdims=True)
        return self.p @ v

    def backward(self, dout):
        dv = self.p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = self.p * (dp - (dp * self.p).sum(axis=-1, keepdims=True))
        ds = ds / np.sqrt(self.q.shape[-1])
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv


class Attention_NoScaleInBackward(Attention):
    def backward(self, dout):
        dv = self.p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = self.p * (dp - (dp * self.p).sum(axis=-1, keepdims=True))  # BUG: no 1/sqrt(d)
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv


class GatedCell:
    """One step of a small gated cell: ``forward(x, h) -> (h_new, c)``; two upstream grads."""

    def __init__(self, n_in=3, n_hidden=4):
        rng = np.random.default_rng(11)
        self.Wx = 0.5 * rng.standard_normal((n_in, n_hidden))
        self.Wh = 0.5 * rng.standard_normal((n_hidden, n_hidden))

    def forward(self, x, h):
        self.x, self.h = x, h
        self.c = np.tanh(x @ self.Wx + h @ self.Wh)
        self.g = 1.0 / (1.0 + np.exp(-(h @ self.Wh)))
        return self.g * self.c, self.c

    def backward(self, dh_new, dc):
        dc_total = dh_new * self.g + dc
        dz = dc_total * (1 - self.c ** 2)
        dg = dh_new * self.c * self.g * (1 - self.g)
        self.dWx = self.x.T @ dz
        self.dWh = self.h.T @ (dz + dg)
        return dz @ self.Wx.T, (dz + dg) @ self.Wh.T


class GatedCell_SecondGradientIgnored(GatedCell):
    def backward(self, dh_new, dc):
        dc_total = dh_new * self.g  # BUG: the gradient from the c output is dropped
        dz = dc_total * (1 - self.c ** 2)
        dg = dh_new * self.c * self.g * (1 - self.g)
        self.dWx = self.x.T @ dz
        self.dWh = self.h.T @ (dz + dg)
        return dz @ self.Wx.T, (dz + dg) @ self.Wh.T
