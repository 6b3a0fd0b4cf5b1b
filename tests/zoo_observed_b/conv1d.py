"""1-D convolutions over sequences: channels first ``(N, C, L)`` and channels last
``(N, L, C)``, each with a buggy twin whose bug shows only on 3-D inputs of the right
layout (and, for the stride bug, only at a stride above 1).

Written here for the checker's tests (numpy only); each bug is one line marked ``# BUG``.
"""

import numpy as np


class Conv1D:
    """``Conv1D(in_channels, out_channels, kernel_size, stride=1)`` on ``(N, C, L)``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        rng = np.random.default_rng(31)
        self.W = 0.4 * rng.standard_normal((out_channels, in_channels, kernel_size))
        self.b = 0.1 * rng.standard_normal(out_channels)
        self.k, self.stride = kernel_size, stride

    def forward(self, x):
        self.x = x
        k, s = self.k, self.stride
        steps = (x.shape[2] - k) // s + 1
        out = np.empty((x.shape[0], self.W.shape[0], steps))
        for t in range(steps):
            window = x[:, :, t * s:t * s + k]
            out[:, :, t] = np.tensordot(window, self.W, axes=([1, 2], [1, 2]))
        self.output = out + self.b[None, :, None]
        return self.output

    def backward(self, dvalues):
        x, k, s = self.x, self.k, self.stride
        self.dW = np.zeros_like(self.W)
        self.dx = np.zeros_like(x)
        for t in range(dvalues.shape[2]):
            window = x[:, :, t * s:t * s + k]
            self.dW += np.tensordot(dvalues[:, :, t], window, axes=([0], [0]))
            self.dx[:, :, t * s:t * s + k] += np.tensordot(dvalues[:, :, t], self.W,
                                                           axes=([1], [0]))
        self.db = dvalues.sum(axis=(0, 2))
        return self.dx


class Conv1D_BiasOneStep_Bug(Conv1D):
    def backward(self, dvalues):
        dx = super().backward(dvalues)
        self.db = dvalues.sum(axis=0)[:, 0]  # BUG: the bias gradient of the first step only
        return dx


class Conv1D_Stride_Bug(Conv1D):
    def backward(self, dvalues):
        x, k = self.x, self.k
        self.dW = np.zeros_like(self.W)
        self.dx = np.zeros_like(x)
        for t in range(dvalues.shape[2]):
            start = t * self.stride
            self.dW += np.tensordot(dvalues[:, :, t], x[:, :, start:start + k], axes=([0], [0]))
            self.dx[:, :, t:t + k] += np.tensordot(  # BUG: the window at t, not t * stride
                dvalues[:, :, t], self.W, axes=([1], [0]))
        self.db = dvalues.sum(axis=(0, 2))
        return self.dx


class TemporalConv:
    """``TemporalConv(n_in, n_filters, width)`` on ``(N, L, C)``: channels last."""

    def __init__(self, n_in, n_filters, width=3):
        rng = np.random.default_rng(32)
        self.weights = 0.4 * rng.standard_normal((width, n_in, n_filters))
        self.biases = 0.1 * rng.standard_normal(n_filters)
        self.width = width

    def forward(self, inputs):
        self.inputs = inputs
        steps = inputs.shape[1] - self.width + 1
        self.output = np.stack([
            np.einsum("nkc,kcf->nf", inputs[:, t:t + self.width], self.weights)
            for t in range(steps)], axis=1) + self.biases

    def backward(self, dvalues):
        self.dweights = np.zeros_like(self.weights)
        self.dinputs = np.zeros_like(self.inputs)
        for t in range(dvalues.shape[1]):
            self.dweights += np.einsum("nkc,nf->kcf", self.inputs[:, t:t + self.width],
                                       dvalues[:, t])
            self.dinputs[:, t:t + self.width] += np.einsum("nf,kcf->nkc", dvalues[:, t],
                                                           self.weights)
        self.dbiases = dvalues.sum(axis=(0, 1))


class TemporalConv_Bug(TemporalConv):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = dvalues.sum(axis=0).mean(axis=0)  # BUG: a mean over the steps


class LazyConv1D:
    """``LazyConv1D(out_ch, kernel_width, pad=0, stride=1)`` on ``(N, L, C)``.

    The weights are made by the first forward, from the channels it is given; backward
    returns the input gradient and keeps the others in ``self.gradients``.
    """

    def __init__(self, out_ch, kernel_width, pad=0, stride=1):
        self.out_ch, self.kernel_width, self.pad, self.stride = out_ch, kernel_width, pad, stride
        self.parameters = {}
        self.gradients = {}

    def _init_params(self, in_ch):
        rng = np.random.default_rng(33)
        self.parameters = {
            "W": 0.4 * rng.standard_normal((self.kernel_width, in_ch, self.out_ch)),
            "b": 0.1 * rng.standard_normal((1, 1, self.out_ch)),
        }

    def forward(self, X):
        if not self.parameters:
            self._init_params(X.shape[2])
        W, b = self.parameters["W"], self.parameters["b"]
        p, s, k = self.pad, self.stride, self.kernel_width
        self.Xp = np.pad(X, ((0, 0), (p, p), (0, 0)))
        steps = (self.Xp.shape[1] - k) // s + 1
        Y = np.stack([np.einsum("nkc,kco->no", self.Xp[:, t * s:t * s + k], W)
                      for t in range(steps)], axis=1)
        return Y + b

    def backward(self, dLdy):
        W = self.parameters["W"]
        p, s, k = self.pad, self.stride, self.kernel_width
        dXp = np.zeros_like(self.Xp)
        dW = np.zeros_like(W)
        for t in range(dLdy.shape[1]):
            dW += np.einsum("nkc,no->kco", self.Xp[:, t * s:t * s + k], dLdy[:, t])
            dXp[:, t * s:t * s + k] += np.einsum("no,kco->nkc", dLdy[:, t], W)
        self.gradients = {"W": dW, "b": dLdy.sum(axis=(0, 1), keepdims=True)}
        return dXp[:, p:dXp.shape[1] - p]


class LazyConv1D_Bug(LazyConv1D):
    def backward(self, dLdy):
        dX = super().backward(dLdy)
        self.gradients["b"] = dLdy.mean(axis=1, keepdims=True).sum(axis=0, keepdims=True)  # BUG
        return dX


class FilterBank:
    """``FilterBank(filters, width, n_in)``: no channels or kernel name, 3-D weights."""

    def __init__(self, filters, width, n_in):
        rng = np.random.default_rng(34)
        self.weights = 0.4 * rng.standard_normal((filters, n_in, width))
        self.biases = 0.1 * rng.standard_normal(filters)

    def forward(self, inputs):  # (N, C, L)
        self.inputs = inputs
        w = self.weights.shape[2]
        steps = inputs.shape[2] - w + 1
        self.output = np.stack(
            [np.einsum("ncw,fcw->nf", inputs[:, :, t:t + w], self.weights)
             for t in range(steps)], axis=2) + self.biases[None, :, None]

    def backward(self, dvalues):
        w = self.weights.shape[2]
        self.dweights = np.zeros_like(self.weights)
        self.dinputs = np.zeros_like(self.inputs)
        for t in range(dvalues.shape[2]):
            self.dweights += np.einsum("nf,ncw->fcw", dvalues[:, :, t],
                                       self.inputs[:, :, t:t + w])
            self.dinputs[:, :, t:t + w] += np.einsum("nf,fcw->ncw", dvalues[:, :, t],
                                                     self.weights)
        self.dbiases = dvalues.sum(axis=(0, 2))


class FilterBank_Bug(FilterBank):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dinputs[:, :, -1] = 0.0  # BUG: the last step of the sequence gets no gradient
