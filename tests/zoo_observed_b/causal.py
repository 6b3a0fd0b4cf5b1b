"""Attention with a mask argument, checked with a causal mask: a backward that lets the
gradient flow through masked positions is caught.

With the value that masks nothing (every position kept) such a backward is right; with a
causal mask it is not. Three conventions: ones keep (``np.where(mask, scores, -1e9)``),
ones drop (``np.where(mask, -1e9, scores)``), additive (``scores + mask``, ``-1e9``
drops); a mask that must be a boolean array (``~mask``); self-attention. Batch first:
``q (N, Lq, d)``, ``k (N, Lk, d)``, ``v (N, Lk, dv)``; backward returns ``(dq, dk, dv)``.
Each bug is one line marked ``# BUG``; ``_Bug`` classes are the twins. Written here for
the checker's tests (numpy only).
"""

import numpy as np


def _softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _scores(q, k):
    return q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])


class _Attention:
    def _masked(self, scores, mask):
        raise NotImplementedError

    def forward(self, q, k, v, mask):
        self.q, self.k, self.v = q, k, v
        self.p = _softmax(self._masked(_scores(q, k), mask))
        return self.p @ v

    def _backward(self, dout, p):
        dv = p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True)) / np.sqrt(self.q.shape[-1])
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv

    def backward(self, dout):
        return self._backward(dout, self.p)


class KeepMaskAttention(_Attention):
    """Ones keep (a boolean mask, ``True`` where a query may look)."""

    def _masked(self, scores, mask):
        return np.where(mask, scores, -1e9)


class KeepMaskAttention_Bug(KeepMaskAttention):
    def backward(self, dout):
        p = _softmax(_scores(self.q, self.k))  # BUG: recomputed without the mask
        return self._backward(dout, p)


class DropMaskAttention(_Attention):
    """Ones drop (``True`` where a query may not look)."""

    def _masked(self, scores, mask):
        return np.where(mask, -1e9, scores)


class DropMaskAttention_Bug(DropMaskAttention):
    def backward(self, dout):
        p = _softmax(_scores(self.q, self.k))  # BUG: recomputed without the mask
        return self._backward(dout, p)


class AdditiveMaskAttention(_Attention):
    """An additive mask: ``0`` keeps, ``-1e9`` drops."""

    def forward(self, q, k, v, mask):
        self.scores = _scores(q, k)
        return super().forward(q, k, v, mask)

    def _masked(self, scores, mask):
        return scores + mask


class AdditiveMaskAttention_Bug(AdditiveMaskAttention):
    def backward(self, dout):
        p = _softmax(self.scores)  # BUG: the scores kept before the mask was added
        return self._backward(dout, p)


class BoolMaskAttention(_Attention):
    """Takes no number for its mask (``~mask``): a boolean array, ``True`` keeps."""

    def _masked(self, scores, mask):
        return np.where(~mask, -1e9, scores)


class BoolMaskAttention_Bug(BoolMaskAttention):
    def backward(self, dout):
        p = _softmax(_scores(self.q, self.k))  # BUG: recomputed without the mask
        return self._backward(dout, p)


class SelfAttention:
    """``forward(x, mask)``: queries, keys and values are ``x`` itself (one input)."""

    def forward(self, x, mask):
        self.x = x
        self.p = _softmax(np.where(mask, _scores(x, x), -1e9))
        return self.p @ x

    def _backward(self, dout, p):
        dp = dout @ self.x.transpose(0, 2, 1)
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True)) / np.sqrt(self.x.shape[-1])
        return p.transpose(0, 2, 1) @ dout + ds @ self.x + ds.transpose(0, 2, 1) @ self.x

    def backward(self, dout):
        self.dinputs = self._backward(dout, self.p)


class SelfAttention_Bug(SelfAttention):
    def backward(self, dout):
        self.dinputs = self._backward(dout, _softmax(_scores(self.x, self.x)))  # BUG: no mask
