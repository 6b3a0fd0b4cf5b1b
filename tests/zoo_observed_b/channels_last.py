"""A convolution over images kept channels last, ``(N, H, W, C)`` with kernels
``(k, k, C, F)`` (Keras' and TensorFlow's layout), written here, and a twin whose input
gradient ignores the stride.

Before, only channels-first images were tried: the correct layer was an ``error``
("not enough values to unpack") on the 2-D input probed last.
"""

import numpy as np


class ConvNHWC:
    def __init__(self, in_channels, filters, kernel_size=3, stride=1):
        rng = np.random.default_rng(0)
        self.k, self.s = kernel_size, stride
        self.W = rng.standard_normal((kernel_size, kernel_size, in_channels, filters)) * 0.1
        self.b = np.zeros(filters)

    def forward(self, x):
        self.x = x
        n, h, w, _ = x.shape
        k, s = self.k, self.s
        rows, cols = (h - k) // s + 1, (w - k) // s + 1
        out = np.zeros((n, rows, cols, self.W.shape[3]))
        for i in range(rows):
            for j in range(cols):
                window = x[:, i * s:i * s + k, j * s:j * s + k, :]
                out[:, i, j, :] = np.tensordot(window, self.W, axes=([1, 2, 3], [0, 1, 2]))
        return out + self.b

    def backward(self, dout):
        x, k, s = self.x, self.k, self.s
        self.dW, self.db = np.zeros_like(self.W), dout.sum(axis=(0, 1, 2))
        dx = np.zeros_like(x)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                window = x[:, i * s:i * s + k, j * s:j * s + k, :]
                self.dW += np.tensordot(window, dout[:, i, j, :], axes=([0], [0]))
                dx[:, i * s:i * s + k, j * s:j * s + k, :] += self._spread(dout[:, i, j, :])
        return dx

    def _spread(self, d):
        return np.tensordot(d, self.W, axes=([1], [3]))


class ConvNHWC_IgnoresStride(ConvNHWC):
    def backward(self, dout):
        x, k, s = self.x, self.k, self.s
        self.dW, self.db = np.zeros_like(self.W), dout.sum(axis=(0, 1, 2))
        dx = np.zeros_like(x)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                window = x[:, i * s:i * s + k, j * s:j * s + k, :]
                self.dW += np.tensordot(window, dout[:, i, j, :], axes=([0], [0]))
                dx[:, i:i + k, j:j + k, :] += self._spread(dout[:, i, j, :])  # BUG: no stride
        return dx
