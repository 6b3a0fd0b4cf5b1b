"""Convolution and pooling layers whose constructors take shapes, tuples and short names.

Each bug hides at a constructor value or an input size the defaults do not reach: padding
0, a stride below the window (overlapping windows), sizes the windows do not cover.
"""

import numpy as np


def _windows(h, w, k, s):
    """Window origins of a ``k`` x ``k`` window at stride ``s`` (``k`` may be a pair)."""
    kh, kw = (k, k) if isinstance(k, int) else k
    return kh, kw, (h - kh) // s + 1, (w - kw) // s + 1


class Convolutional:
    """``Convolutional(input_shape=(C, H, W), kernel_size, depth, padding=1)``."""

    def __init__(self, input_shape, kernel_size, depth, stride=1, padding=1):
        channels = input_shape[0]
        self.input_shape, self.k, self.s, self.p = input_shape, kernel_size, stride, padding
        rng = np.random.default_rng(0)
        self.weights = rng.normal(size=(depth, channels, kernel_size, kernel_size)) * 0.3
        self.biases = rng.normal(size=depth) * 0.1

    def forward(self, x):
        p, s = self.p, self.s
        self.xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        kh, kw, ho, wo = _windows(*self.xp.shape[2:], self.k, s)
        out = np.zeros((len(x), len(self.weights), ho, wo))
        for i in range(ho):
            for j in range(wo):
                patch = self.xp[:, :, i * s:i * s + kh, j * s:j * s + kw]
                out[:, :, i, j] = np.tensordot(patch, self.weights, axes=([1, 2, 3], [1, 2, 3]))
        self.output = out + self.biases[None, :, None, None]
        return self.output

    def _backward_padded(self, dvalues):
        s = self.s
        kh, kw, ho, wo = _windows(*self.xp.shape[2:], self.k, s)
        dxp = np.zeros_like(self.xp)
        self.dweights = np.zeros_like(self.weights)
        for i in range(ho):
            for j in range(wo):
                patch = self.xp[:, :, i * s:i * s + kh, j * s:j * s + kw]
                d = dvalues[:, :, i, j]
                self.dweights += np.tensordot(d, patch, axes=([0], [0]))
                dxp[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.tensordot(
                    d, self.weights, axes=([1], [0]))
        self.dbiases = dvalues.sum(axis=(0, 2, 3))
        return dxp

    def backward(self, dvalues):
        dxp = self._backward_padded(dvalues)
        p = self.p
        self.dinputs = dxp[:, :, p:dxp.shape[2] - p, p:dxp.shape[3] - p]
        return self.dinputs


class Convolutional_Bug(Convolutional):
    def backward(self, dvalues):
        dxp = self._backward_padded(dvalues)
        p = self.p
        self.dinputs = dxp[:, :, p:-p, p:-p]  # BUG: empty at padding 0
        return self.dinputs


class ConvStrided(Convolutional):
    """``ConvStrided(f, n_c, n_f, stride=2, name="conv")``: short names, stride 2, no pad."""

    def __init__(self, f, n_c, n_f, stride=2, name="conv"):
        super().__init__((n_c, 1, 1), f, n_f, stride=stride, padding=0)
        self.name = name

    def backward(self, dvalues):
        self.dinputs = self._backward_padded(dvalues)
        return self.dinputs


class ConvStrided_Bug(ConvStrided):
    def backward(self, dvalues):
        dxp = self._backward_padded(dvalues)
        kh, kw, ho, wo = _windows(*dxp.shape[2:], self.k, self.s)
        hc, wc = (ho - 1) * self.s + kh, (wo - 1) * self.s + kw
        h, w = dxp.shape[2:]
        # BUG: the rows and columns no window covers get the last covered ones' gradient
        self.dinputs = np.pad(dxp[:, :, :hc, :wc], ((0, 0), (0, 0), (0, h - hc), (0, w - wc)),
                              mode="edge")
        return self.dinputs


class ConvCache:
    """im2col convolution keeping its forward cache as a tuple ``(x, cols, w_col)``."""

    def __init__(self, w_shape=(3, 2, 2, 2), stride=1):
        self.w_shape, self.stride = w_shape, stride
        self.W = np.random.default_rng(1).normal(size=w_shape) * 0.3

    def forward(self, x):
        f, c, k, _ = self.w_shape
        n, _, h, w = x.shape
        ho, wo = h - k + 1, w - k + 1
        cols = np.stack([x[:, :, i:i + k, j:j + k].reshape(n, -1)
                         for i in range(ho) for j in range(wo)], axis=1)  # (n, ho*wo, ckk)
        w_col = self.W.reshape(f, -1)
        self.cache = (x, cols, w_col)
        return (cols @ w_col.T).transpose(0, 2, 1).reshape(n, f, ho, wo)

    def backward(self, dout):
        x, cols, w_col = self.cache
        f, c, k, _ = self.w_shape
        n, _, h, w = x.shape
        ho, wo = h - k + 1, w - k + 1
        d = dout.reshape(n, f, ho * wo).transpose(0, 2, 1)  # (n, ho*wo, f)
        self.dW = np.einsum("npf,npq->fq", d, cols).reshape(self.W.shape)
        dcols = d @ w_col  # (n, ho*wo, ckk)
        dx = np.zeros_like(x)
        for idx, (i, j) in enumerate((i, j) for i in range(ho) for j in range(wo)):
            dx[:, :, i:i + k, j:j + k] += dcols[:, idx].reshape(n, c, k, k)
        return dx


class ConvCache_Bug(ConvCache):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW / len(dx)  # BUG: averaged over the batch
        return dx


class AvgPool:
    """``AvgPool(pool_size=(2, 2), stride=None)``: stride defaults to the window."""

    def __init__(self, pool_size=(2, 2), stride=None):
        self.pool_size = pool_size
        self.stride = stride or pool_size[0]

    def forward(self, x):
        (kh, kw), s = self.pool_size, self.stride
        self.x = x
        ho, wo = (x.shape[2] - kh) // s + 1, (x.shape[3] - kw) // s + 1
        out = np.zeros((*x.shape[:2], ho, wo))
        for i in range(ho):
            for j in range(wo):
                out[:, :, i, j] = x[:, :, i * s:i * s + kh, j * s:j * s + kw].mean(axis=(2, 3))
        self.output = out
        return out

    def backward(self, dvalues):
        (kh, kw), s = self.pool_size, self.stride
        self.dinputs = np.zeros_like(self.x)
        for i in range(dvalues.shape[2]):
            for j in range(dvalues.shape[3]):
                self.dinputs[:, :, i * s:i * s + kh, j * s:j * s + kw] += (
                    dvalues[:, :, i:i + 1, j:j + 1] / (kh * kw))
        return self.dinputs


class AvgPool_Bug(AvgPool):
    def backward(self, dvalues):
        (kh, kw), s = self.pool_size, self.stride
        self.dinputs = np.zeros_like(self.x)
        for i in range(dvalues.shape[2]):
            for j in range(dvalues.shape[3]):
                # BUG: assigned, not added: overlapping windows overwrite each other
                self.dinputs[:, :, i * s:i * s + kh, j * s:j * s + kw] = (
                    dvalues[:, :, i:i + 1, j:j + 1] / (kh * kw))
        return self.dinputs


class ScaleNamedCache:
    """Keeps its forward cache in a named tuple and in a frozen dataclass."""

    def __init__(self):
        import collections
        import dataclasses

        @dataclasses.dataclass(frozen=True)
        class Saved:
            x: np.ndarray
            wx: np.ndarray

        self._Cache, self._Saved = collections.namedtuple("Cache", "x wx"), Saved
        self.w = np.random.default_rng(2).normal(size=(3,))

    def forward(self, x):
        self.cache = self._Cache(x, x * self.w)
        self.saved = self._Saved(x, x * self.w)
        return np.tanh(self.cache.wx)

    def backward(self, dout):
        x, wx = self.cache
        local = dout * (1 - np.tanh(self.saved.wx) ** 2)
        self.dw = (local * x).sum(axis=0)
        return local * self.w


class ScaleNamedCache_Bug(ScaleNamedCache):
    def backward(self, dout):
        x, wx = self.cache
        local = dout * (1 - np.tanh(wx) ** 2)
        self.dw = (local * x).mean(axis=0)  # BUG: the batch mean
        return local * self.w


class ConvPair(Convolutional):
    """``ConvPair(in_channels, out_channels, kernel_size)``: the kernel is a pair only."""

    def __init__(self, in_channels, out_channels, kernel_size):
        kh, kw = kernel_size  # an int is refused here
        super().__init__((in_channels, 1, 1), 1, out_channels, padding=0)
        self.k = (kh, kw)
        rng = np.random.default_rng(3)
        self.weights = rng.normal(size=(out_channels, in_channels, kh, kw)) * 0.3


class ConvPair_Bug(ConvPair):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = dvalues.sum(axis=(0, 2))  # BUG: summed over the wrong axes
        return self.dinputs
