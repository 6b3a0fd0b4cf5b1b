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


# -- 2. a convolution whose defaults (stride 1, padding 1) hide a stride bug -----------------
class Conv:
    """Loops over output positions; stride and padding are constructor defaults."""

    def __init__(self, in_ch, out_ch, k=3, stride=1, padding=1):
        self.step, self.pad = stride, padding
        self.W = np.random.randn(out_ch, in_ch, k, k) * 0.1
        self.b = np.zeros(out_ch)

    def _padded(self, x):
        p = self.pad
        return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))

    def forward(self, x):
        self.x = x
        xp, s, k = self._padded(x), self.step, self.W.shape[-1]
        rows, cols = (xp.shape[2] - k) // s + 1, (xp.shape[3] - k) // s + 1
        out = np.empty((x.shape[0], self.W.shape[0], rows, cols))
        for i in range(rows):
            for j in range(cols):
                window = xp[:, :, i * s:i * s + k, j * s:j * s + k]
                out[:, :, i, j] = np.tensordot(window, self.W, axes=([1, 2, 3], [1, 2, 3]))
        return out + self.b[:, None, None]

    def _scatter(self, dxp, i, j, k, value):
        s = self.step
        dxp[:, :, i * s:i * s + k, j * s:j * s + k] += value

    def backward(self, dout):
        xp, s, k, p = self._padded(self.x), self.step, self.W.shape[-1], self.pad
        dxp = np.zeros_like(xp)
        self.dW = np.zeros_like(self.W)
        self.db = dout.sum(axis=(0, 2, 3))
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                window = xp[:, :, i * s:i * s + k, j * s:j * s + k]
                self.dW += np.tensordot(dout[:, :, i, j], window, axes=([0], [0]))
                self._scatter(dxp, i, j, k, np.tensordot(dout[:, :, i, j], self.W,
                                                         axes=([1], [0])))
        return dxp[:, :, p:dxp.shape[2] - p, p:dxp.shape[3] - p]


class Conv_Bug(Conv):
    """Scatters the input gradient as if the stride were 1."""

    def _scatter(self, dxp, i, j, k, value):
        dxp[:, :, i:i + k, j:j + k] += value


# -- 3. CS231n's single-letter sizes ----------------------------------------------------------
class Affine:
    """``out = x @ W + b`` with ``x`` of shape (N, D), sized by letters."""

    def __init__(self, D, M):
        self.params = {"W": np.random.randn(D, M) * 0.1, "b": np.zeros(M)}

    def forward(self, x):
        self.cache = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        x = self.cache
        self.grads = {"W": x.T @ dout, "b": dout.sum(axis=0)}
        return dout @ self.params["W"].T


class Affine_Bug(Affine):
    """The bias gradient averaged over the batch."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["b"] = dout.mean(axis=0)
        return dx


# -- 4. a base built from a function and its derivative, given by its subclasses -------------
class Elementwise:
    """Applies ``fn``; backward multiplies by ``dfn`` at the input."""

    def __init__(self, fn, dfn):
        self.fn = fn
        self.dfn = dfn

    def forward(self, x):
        self.x = x
        return self.fn(x)

    def backward(self, grad, lr):
        return grad * self.dfn(self.x)


class Softplus(Elementwise):
    def __init__(self):
        super().__init__(lambda x: np.logaddexp(0.0, x), lambda x: 1.0 / (1.0 + np.exp(-x)))


class Softplus_Bug(Elementwise):
    """The derivative of softplus taken as softplus itself."""

    def __init__(self):
        super().__init__(lambda x: np.logaddexp(0.0, x), lambda x: np.logaddexp(0.0, x))


class Shifted:
    """A base whose required argument is a number, not a function: still listed."""

    def __init__(self, offset):
        self.offset = offset

    def forward(self, x):
        return x + self.offset

    def backward(self, grad):
        return grad


class ShiftedByOne(Shifted):
    def __init__(self):
        super().__init__(1.0)
