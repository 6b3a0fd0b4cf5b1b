"""A convolution declared for CIFAR-size images, input_shape=(3, 32, 32) (written for the tests).

Its forward takes any height and width. Checked at that size, 3072 inputs per sample
through Python loops, it did not finish within the command's 120 s limit; a small odd,
non-square image is tried first. The twin assigns each window's input gradient instead
of adding it (overlapping windows overwrite each other).
"""

import numpy as np


class Conv2D:
    def __init__(self, input_shape=(3, 32, 32), filters=8, kernel=3):
        c, h, w = input_shape
        rng = np.random.default_rng(0)
        self.W = rng.standard_normal((filters, c, kernel, kernel)) * 0.1
        self.b = np.zeros(filters)
        self.k = kernel

    def forward(self, x):
        self.x = x
        n, c, h, w = x.shape
        k = self.k
        out = np.zeros((n, self.W.shape[0], h - k + 1, w - k + 1))
        for i in range(h - k + 1):
            for j in range(w - k + 1):
                patch = x[:, :, i:i + k, j:j + k]
                out[:, :, i, j] = np.tensordot(patch, self.W,
                                               axes=([1, 2, 3], [1, 2, 3])) + self.b
        return out

    def backward(self, dout):
        n, c, h, w = self.x.shape
        k = self.k
        dx = np.zeros_like(self.x)
        self.dW = np.zeros_like(self.W)
        self.db = dout.sum(axis=(0, 2, 3))
        for i in range(h - k + 1):
            for j in range(w - k + 1):
                patch = self.x[:, :, i:i + k, j:j + k]
                self.dW += np.tensordot(dout[:, :, i, j], patch, axes=([0], [0]))
                dx[:, :, i:i + k, j:j + k] += np.tensordot(dout[:, :, i, j], self.W,
                                                           axes=([1], [0]))
        return dx


class Conv2D_Assign(Conv2D):
    def backward(self, dout):
        n, c, h, w = self.x.shape
        k = self.k
        dx = np.zeros_like(self.x)
        self.dW = np.zeros_like(self.W)
        self.db = dout.sum(axis=(0, 2, 3))
        for i in range(h - k + 1):
            for j in range(w - k + 1):
                patch = self.x[:, :, i:i + k, j:j + k]
                self.dW += np.tensordot(dout[:, :, i, j], patch, axes=([0], [0]))
                dx[:, :, i:i + k, j:j + k] = np.tensordot(dout[:, :, i, j], self.W,
                                                          axes=([1], [0]))
        return dx
