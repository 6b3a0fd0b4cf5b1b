"""Layers over 3-D and 4-D arrays, and integer ids: built and fed the shapes they take."""

import numpy as np


class Layer_Conv2D:
    # (n, C, H, W) -> (n, F, H - k + 1, W - k + 1), no padding, stride 1
    def __init__(self, in_channels, out_channels, kernel_size):
        self.k = kernel_size
        self.weights = 0.1 * np.random.randn(out_channels, in_channels, kernel_size, kernel_size)
        self.biases = np.zeros(out_channels)

    def forward(self, inputs):
        n, c, h, w = inputs.shape
        if c != self.weights.shape[1]:
            raise ValueError(f"expected {self.weights.shape[1]} channels, got {c}")
        k = self.k
        self.inputs = inputs
        windows = np.lib.stride_tricks.sliding_window_view(inputs, (k, k), axis=(2, 3))
        self.windows = windows  # n, c, h', w', k, k
        self.output = np.einsum("nchwij,fcij->nfhw", windows, self.weights) \
            + self.biases[None, :, None, None]

    def backward(self, dvalues):
        k = self.k
        self.dweights = np.einsum("nfhw,nchwij->fcij", dvalues, self.windows)
        self.dbiases = dvalues.sum(axis=(0, 2, 3))
        self.dinputs = np.zeros_like(self.inputs)
        for i in range(k):
            for j in range(k):
                self.dinputs[:, :, i:i + dvalues.shape[2], j:j + dvalues.shape[3]] += \
                    np.einsum("nfhw,fc->nchw", dvalues, self.weights[:, :, i, j])


class Layer_Embedding:
    # integer ids below vocab_size -> vectors; no gradient for the ids
    def __init__(self, vocab_size, n_neurons):
        self.weights = 0.1 * np.random.randn(vocab_size, n_neurons)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = self.weights[inputs]

    def backward(self, dvalues):
        self.dweights = np.zeros_like(self.weights)
        np.add.at(self.dweights, self.inputs, dvalues)
