"""A max pooling layer with overlapping windows (kernel 3, stride 1), written here.

Most drawn examples of it hold ties in a window (undecidable by finite differences: the
example is inconclusive); a few are decided. ``MaxPool_Assign``: its twin writing each
window's gradient with ``=``, wrong where windows overlap.
"""

import numpy as np


class MaxPool2x:
    def __init__(self, kernel_size, stride):
        self.k, self.s = kernel_size, stride

    def forward(self, x):
        self.x = x
        n, c, h, w = x.shape
        ho, wo = (h - self.k) // self.s + 1, (w - self.k) // self.s + 1
        out = np.empty((n, c, ho, wo))
        for i in range(ho):
            for j in range(wo):
                win = x[:, :, i * self.s:i * self.s + self.k, j * self.s:j * self.s + self.k]
                out[:, :, i, j] = win.max(axis=(2, 3))
        return out

    def backward(self, dout):
        x, k, s = self.x, self.k, self.s
        dx = np.zeros_like(x)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                win = x[:, :, i * s:i * s + k, j * s:j * s + k]
                flat = win.reshape(win.shape[0], win.shape[1], -1)
                a, b = np.unravel_index(flat.argmax(axis=2), (k, k))
                for n in range(x.shape[0]):
                    for c in range(x.shape[1]):
                        dx[n, c, i * s + a[n, c], j * s + b[n, c]] += dout[n, c, i, j]
        self.dx = dx
        return dx


class MaxPool_Assign(MaxPool2x):
    def backward(self, dout):
        x, k, s = self.x, self.k, self.s
        dx = np.zeros_like(x)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                win = x[:, :, i * s:i * s + k, j * s:j * s + k]
                flat = win.reshape(win.shape[0], win.shape[1], -1)
                a, b = np.unravel_index(flat.argmax(axis=2), (k, k))
                for n in range(x.shape[0]):
                    for c in range(x.shape[1]):
                        dx[n, c, i * s + a[n, c], j * s + b[n, c]] = dout[n, c, i, j]  # BUG
        self.dx = dx
        return dx
