"""Attention whose queries and keys differ in length (``Lq != Lk``): cross-attention.

``forward(q, k, v)`` with ``q`` of shape ``(N, Lq, d)`` and ``k``, ``v`` of shapes
``(N, Lk, d)`` and ``(N, Lk, dv)``; backward returns ``(dq, dk, dv)``. Each bug is one line
marked ``# BUG``; ``_Bug`` classes are the twins. Written here for the checker's tests
(numpy only).
"""

import numpy as np


def _softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class CrossAttention:
    """Scaled dot-product attention, batch first; an optional mask (1 keeps, 0 drops)."""

    def forward(self, q, k, v, mask=None):
        self.q, self.k, self.v = q, k, v
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
        if mask is not None:
            scores = np.where(mask, scores, -1e9)
        self.p = _softmax(scores)
        return self.p @ v

    def backward(self, dout):
        dv = self.p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = self.p * (dp - (dp * self.p).sum(axis=-1, keepdims=True)) / np.sqrt(
            self.q.shape[-1])
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv


class CrossAttention_WrongAxis_Bug(CrossAttention):
    def backward(self, dout):
        dv = self.p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = self.p * (dp - (dp * self.p).sum(axis=1, keepdims=True)) / np.sqrt(  # BUG
            self.q.shape[-1])  # (the softmax's sum over the queries, not the keys)
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv


class CrossAttention_NoScale_Bug(CrossAttention):
    def backward(self, dout):
        dv = self.p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = self.p * (dp - (dp * self.p).sum(axis=-1, keepdims=True))  # BUG: no 1/sqrt(d)
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv


class MaskedAttention:
    """``forward(q, k, v, mask)`` with the mask required (additive: 0 keeps, -inf drops)."""

    def forward(self, q, k, v, mask):
        self.q, self.k, self.v = q, k, v
        self.p = _softmax(q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1]) + mask)
        return self.p @ v

    def backward(self, dout):
        dv = self.p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = self.p * (dp - (dp * self.p).sum(axis=-1, keepdims=True)) / np.sqrt(
            self.q.shape[-1])
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv


class MaskedAttention_Bug(MaskedAttention):
    def backward(self, dout):
        dv = self.p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = self.p * (dp - (dp * self.p).sum(axis=-1, keepdims=True)) / np.sqrt(
            self.k.shape[1])  # BUG: the square root of the number of keys, not of d
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv
