"""Forwards returning several arrays, and constructors sized by a name no list holds.

Written here for tests/test_several_returned.py. Each correct class has a buggy twin:

- ``PairedAttention(d_model)``: ``forward(x)`` returns ``(output, weights)`` (the
  attention weights kept for a plot) and ``backward(dout)`` takes one gradient. Before,
  "forward did not set self.output", and ``d_model`` "cannot be guessed".
- ``Halves(width)``: ``forward(x)`` returns a *list* of two outputs and ``backward(grads)``
  takes them back as one list.
"""

import numpy as np


class PairedAttention:
    def __init__(self, d_model):
        rng = np.random.default_rng(3)
        self.Wq = rng.normal(0.0, 0.4, (d_model, d_model))
        self.Wv = rng.normal(0.0, 0.4, (d_model, d_model))

    def forward(self, x):
        self.x = x
        self.q = x @ self.Wq
        self.v = x @ self.Wv
        scores = self.q @ x.transpose(0, 2, 1)
        scores = scores - scores.max(axis=-1, keepdims=True)
        e = np.exp(scores)
        self.weights = e / e.sum(axis=-1, keepdims=True)
        return self.weights @ self.v, self.weights

    def backward(self, dout):
        a = self.weights
        dv = a.transpose(0, 2, 1) @ dout
        da = dout @ self.v.transpose(0, 2, 1)
        ds = a * (da - (da * a).sum(axis=-1, keepdims=True))
        dq = ds @ self.x
        dx = dq @ self.Wq.T + ds.transpose(0, 2, 1) @ self.q + dv @ self.Wv.T
        self.dWq = np.einsum("btd,bte->de", self.x, dq)
        self.dWv = np.einsum("btd,bte->de", self.x, dv)
        return dx


class PairedAttention_NoKeyPath(PairedAttention):
    """Forgets that x is also the keys: the term through the scores' second factor."""

    def backward(self, dout):
        a = self.weights
        dv = a.transpose(0, 2, 1) @ dout
        da = dout @ self.v.transpose(0, 2, 1)
        ds = a * (da - (da * a).sum(axis=-1, keepdims=True))
        dq = ds @ self.x
        self.dWq = np.einsum("btd,bte->de", self.x, dq)
        self.dWv = np.einsum("btd,bte->de", self.x, dv)
        return dq @ self.Wq.T + dv @ self.Wv.T


class Halves:
    def __init__(self, width):
        self.scale = np.linspace(0.5, 2.0, width)

    def forward(self, x):
        self.x = x
        return [x * self.scale, np.sin(x)]

    def backward(self, grads):
        d_scaled, d_sin = grads
        self.dscale = (d_scaled * self.x).sum(axis=0)
        return d_scaled * self.scale + d_sin * np.cos(self.x)


class Halves_SecondIgnored(Halves):
    """Takes the list but uses only the first gradient."""

    def backward(self, grads):
        d_scaled = grads[0]
        self.dscale = (d_scaled * self.x).sum(axis=0)
        return d_scaled * self.scale


class RecastGain:
    """Re-casts its own parameter in every forward (a new array, read from the old one)."""

    def __init__(self, width):
        self.weights = np.linspace(0.5, 1.5, width)

    def forward(self, x):
        self.weights = self.weights.astype(np.float64)
        self.x = x
        return x * self.weights

    def backward(self, dvalues):
        self.dweights = (dvalues * self.x).sum(axis=0)
        return dvalues * self.weights


class RecastGain_NoGradient(RecastGain):
    """The same, with no gradient for its weights: still a missing gradient, not a cache."""

    def backward(self, dvalues):
        return dvalues * self.weights
