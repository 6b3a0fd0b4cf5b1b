"""Layers that accept only some inputs: a domain, even widths, an axis argument, channels.

Each must be built and fed what it accepts, not end as an error. Activation_NaiveSoftmax
is correct on small logits and overflows on large ones: only large-magnitude examples
reach its bug. ``Layer`` is a template base class: ignored, with the reason.
"""

import numpy as np


class Layer:
    def forward(self, inputs):
        pass
    def backward(self, dvalues):
        raise NotImplementedError

class Activation_Log(Layer):
    def forward(self, inputs):
        if np.any(inputs <= 0):
            raise ValueError("log of a non-positive number")
        self.inputs = inputs
        self.output = np.log(inputs)
    def backward(self, dvalues):
        self.dinputs = dvalues / self.inputs

class Activation_Sqrt(Layer):
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.sqrt(inputs)
    def backward(self, dvalues):
        self.dinputs = dvalues / (2 * self.output)

class Layer_MaxPool1D(Layer):
    def forward(self, inputs):
        n, w = inputs.shape
        if w % 2:
            raise ValueError("pooling needs an even width")
        pairs = inputs.reshape(n, w // 2, 2)
        self.inputs = inputs
        self.argmax = np.argmax(pairs, axis=2)
        self.output = np.max(pairs, axis=2)
    def backward(self, dvalues):
        n, w = self.inputs.shape
        d = np.zeros((n, w // 2, 2))
        np.put_along_axis(d, self.argmax[..., None], dvalues[..., None], axis=2)
        self.dinputs = d.reshape(n, w)

class Activation_Softmax:
    def __init__(self, dim):
        self.dim = dim
    def forward(self, inputs):
        e = np.exp(inputs - np.max(inputs, axis=self.dim, keepdims=True))
        self.output = e / np.sum(e, axis=self.dim, keepdims=True)
    def backward(self, dvalues):
        s = self.output
        self.dinputs = s * (dvalues - np.sum(dvalues * s, axis=self.dim, keepdims=True))

class Activation_NaiveSoftmax:
    def forward(self, inputs):
        e = np.exp(inputs)
        self.output = e / np.sum(e, axis=1, keepdims=True)
    def backward(self, dvalues):
        s = self.output
        self.dinputs = s * (dvalues - np.sum(dvalues * s, axis=1, keepdims=True))

class Layer_Conv1D:
    """in_channels channels of length L, flattened to (n, in_channels * L)."""
    def __init__(self, in_channels, out_channels, kernel_size):
        self.c, self.k = in_channels, kernel_size
        self.weights = 0.1 * np.random.randn(out_channels, in_channels, kernel_size)
        self.biases = np.zeros(out_channels)
    def forward(self, inputs):
        n, width = inputs.shape
        if width % self.c:
            raise ValueError("width must be a multiple of in_channels")
        x = inputs.reshape(n, self.c, width // self.c)
        L = x.shape[2] - self.k + 1
        if L < 1:
            raise ValueError("too short")
        self.x = x
        cols = np.stack([x[:, :, i:i + self.k] for i in range(L)], axis=1)  # n, L, c, k
        self.cols = cols
        out = np.einsum("nlck,ock->nol", cols, self.weights) + self.biases[None, :, None]
        self.output = out.reshape(n, -1)
    def backward(self, dvalues):
        n = dvalues.shape[0]
        d = dvalues.reshape(n, self.weights.shape[0], -1)
        self.dweights = np.einsum("nol,nlck->ock", d, self.cols)
        self.dbiases = d.sum(axis=(0, 2))
        dcols = np.einsum("nol,ock->nlck", d, self.weights)
        dx = np.zeros_like(self.x)
        for i in range(dcols.shape[1]):
            dx[:, :, i:i + self.k] += dcols[:, i]
        self.dinputs = dx.reshape(n, -1)
