"""Layers that take one sample with no batch axis, updating their weights in backward.

Written here, in the style of a much-copied from-scratch CNN tutorial: a convolution on
one ``(H, W)`` image whose ``backprop(d_L_d_out, learn_rate)`` updates its filters and
returns ``None`` (the first layer of its network), a 2x2 max pool on ``(h, w, filters)``,
and a softmax on a vector. Before: "belong to different protocols" (``learn_rate`` was no
rate name), then errors (every batched probe lost the batch axis), and an update read
with a stale input (a false failure for every layer that keeps a copy of its input and
updates inside backward: ``Dense_KeepsCopy``). Each correct class has a buggy twin.
"""

import numpy as np


def _windows(image, size):
    h, w = image.shape[:2]
    for i in range(h - size + 1):
        for j in range(w - size + 1):
            yield i, j, image[i:i + size, j:j + size]


class SingleConv:
    def __init__(self, num_filters):
        rng = np.random.default_rng(5)
        self.filters = rng.normal(0.0, 0.3, (num_filters, 3, 3))

    def forward(self, image):
        self.image = image
        h, w = image.shape
        out = np.zeros((h - 2, w - 2, len(self.filters)))
        for i, j, patch in _windows(image, 3):
            out[i, j] = (patch * self.filters).sum(axis=(1, 2))
        return out

    def backprop(self, d_L_d_out, learn_rate):
        grad = np.zeros_like(self.filters)
        for i, j, patch in _windows(self.image, 3):
            grad += d_L_d_out[i, j][:, None, None] * patch
        self.filters -= learn_rate * grad
        return None


class SingleConv_PatchTransposed(SingleConv):
    def backprop(self, d_L_d_out, learn_rate):
        grad = np.zeros_like(self.filters)
        for i, j, patch in _windows(self.image, 3):
            grad += d_L_d_out[i, j][:, None, None] * patch.T
        self.filters -= learn_rate * grad
        return None


class SinglePool:
    def forward(self, maps):
        self.maps = maps
        h, w, c = maps.shape
        blocks = maps[:h // 2 * 2, :w // 2 * 2].reshape(h // 2, 2, w // 2, 2, c)
        return blocks.max(axis=(1, 3))

    def backprop(self, d_L_d_out):
        h, w, c = self.maps.shape
        d = np.zeros_like(self.maps)
        for i in range(h // 2):
            for j in range(w // 2):
                block = self.maps[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                for k in range(c):
                    a, b = np.unravel_index(np.argmax(block[:, :, k]), (2, 2))
                    d[2 * i + a, 2 * j + b, k] = d_L_d_out[i, j, k]
        return d


class SinglePool_RowColumnSwapped(SinglePool):
    def backprop(self, d_L_d_out):
        h, w, c = self.maps.shape
        d = np.zeros_like(self.maps)
        for i in range(h // 2):
            for j in range(w // 2):
                block = self.maps[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                for k in range(c):
                    a, b = np.unravel_index(np.argmax(block[:, :, k]), (2, 2))
                    d[2 * i + b, 2 * j + a, k] = d_L_d_out[i, j, k]
        return d


class SingleSoftmax:
    """Flattens one sample and gives class probabilities; a full Jacobian in backprop."""

    def __init__(self, input_len, nodes):
        rng = np.random.default_rng(6)
        self.weights = rng.normal(0.0, 0.5, (input_len, nodes))
        self.biases = np.zeros(nodes)

    def forward(self, sample):
        self.shape = sample.shape
        self.flat = sample.ravel()
        z = self.flat @ self.weights + self.biases
        e = np.exp(z - z.max())
        self.p = e / e.sum()
        return self.p

    def backprop(self, d_L_d_out, learn_rate):
        d_z = self.p * (d_L_d_out - d_L_d_out @ self.p)
        d_input = self.weights @ d_z
        self.weights -= learn_rate * np.outer(self.flat, d_z)
        self.biases -= learn_rate * d_z
        return d_input.reshape(self.shape)


class SingleSoftmax_FirstNonzeroOnly(SingleSoftmax):
    """Right for cross-entropy's upstream gradient (one non-zero element) only."""

    def backprop(self, d_L_d_out, learn_rate):
        for k, g in enumerate(d_L_d_out):
            if g == 0:
                continue
            d_z = -self.p[k] * self.p
            d_z[k] = self.p[k] * (1 - self.p[k])
            d_z = g * d_z
            d_input = self.weights @ d_z
            self.weights -= learn_rate * np.outer(self.flat, d_z)
            self.biases -= learn_rate * d_z
            return d_input.reshape(self.shape)


class Dense_KeepsCopy:
    """A batched layer that keeps a copy of its input and updates itself in backward."""

    def __init__(self, n_inputs, n_neurons):
        rng = np.random.default_rng(7)
        self.W = rng.normal(0.0, 0.5, (n_inputs, n_neurons))
        self.b = np.zeros(n_neurons)

    def forward(self, x):
        self.x = x.copy()
        return x @ self.W + self.b

    def backward(self, grad, learning_rate):
        dx = grad @ self.W.T
        self.W -= learning_rate * self.x.T @ grad
        self.b -= learning_rate * grad.sum(axis=0)
        return dx


class Dense_KeepsCopy_UpdatedFirst(Dense_KeepsCopy):
    def backward(self, grad, learning_rate):
        self.W -= learning_rate * self.x.T @ grad
        self.b -= learning_rate * grad.sum(axis=0)
        return grad @ self.W.T
