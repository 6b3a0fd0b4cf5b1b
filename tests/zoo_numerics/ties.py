"""Ties and shared kinks: maxima, sorting, top-k, max pooling, a ReLU network as one object.

At a tie several coordinates sit at one non-differentiable point together; the checker
must judge them jointly. Each correct class routes the gradient to one winner (the
gradient of an adjacent linear piece); each bug routes it to every tied coordinate, so
the sum doubles at a tie.
"""

import numpy as np


class Max_OneWinner:
    """Max over features; backward to the first maximum (a valid subgradient)."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs.max(axis=1, keepdims=True)

    def backward(self, dvalues):
        self.dinputs = np.zeros_like(self.inputs)
        rows = np.arange(self.inputs.shape[0])
        self.dinputs[rows, self.inputs.argmax(axis=1)] = dvalues[:, 0]


class Max_EveryTiedMax(Max_OneWinner):
    def backward(self, dvalues):
        # BUG: every tied maximum gets the whole gradient; at a tie the sum doubles
        self.dinputs = (self.inputs == self.output) * dvalues


def _pairs(inputs):
    """Features in windows of two; an odd last feature is padded with -inf."""
    if inputs.shape[1] % 2:
        inputs = np.concatenate([inputs, np.full((inputs.shape[0], 1), -np.inf)], axis=1)
    return inputs.reshape(inputs.shape[0], -1, 2)


class MaxPool2_OneWinner:
    """Non-overlapping 2-wide max pooling over features."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = _pairs(inputs).max(axis=2)

    def backward(self, dvalues):
        pairs = _pairs(self.inputs)
        second = pairs[:, :, 1] > pairs[:, :, 0]
        d = np.zeros_like(pairs)
        d[:, :, 0] = dvalues * ~second
        d[:, :, 1] = dvalues * second
        self.dinputs = d.reshape(d.shape[0], -1)[:, : self.inputs.shape[1]]


class MaxPool2_EveryTiedMax(MaxPool2_OneWinner):
    def backward(self, dvalues):
        winners = _pairs(self.inputs) == self.output[:, :, None]  # BUG: both halves of a tie win
        d = winners * dvalues[:, :, None]
        self.dinputs = d.reshape(d.shape[0], -1)[:, : self.inputs.shape[1]]


class Sort_Stable:
    """Each row sorted ascending; backward through a stable argsort (one order of a tie)."""

    def forward(self, inputs):
        self.order = np.argsort(inputs, axis=1, kind="stable")
        self.output = np.take_along_axis(inputs, self.order, axis=1)

    def backward(self, dvalues):
        self.dinputs = np.zeros_like(dvalues)
        np.put_along_axis(self.dinputs, self.order, dvalues, axis=1)


class Sort_EveryTiedPosition(Sort_Stable):
    def backward(self, dvalues):
        inputs = np.take_along_axis(self.output, np.argsort(self.order, axis=1), axis=1)
        # BUG: an input equal to several sorted positions collects all their gradients
        same = inputs[:, :, None] == self.output[:, None, :]
        self.dinputs = (same * dvalues[:, None, :]).sum(axis=2)


class TopK_Stable:
    """The ``k`` largest features of each row, largest first."""

    def __init__(self, k=2):
        self.k = k

    def forward(self, inputs):
        self.shape = inputs.shape
        self.index = np.argsort(-inputs, axis=1, kind="stable")[:, : min(self.k, inputs.shape[1])]
        self.output = np.take_along_axis(inputs, self.index, axis=1)

    def backward(self, dvalues):
        self.dinputs = np.zeros(self.shape)
        np.put_along_axis(self.dinputs, self.index, dvalues, axis=1)


class TopK_EveryTiedValue(TopK_Stable):
    def backward(self, dvalues):
        inputs = np.zeros(self.shape)
        np.put_along_axis(inputs, self.index, self.output, axis=1)
        self.dinputs = np.zeros(self.shape)
        for j in range(self.index.shape[1]):
            # BUG: every input equal to the j-th value gets its gradient
            self.dinputs += (inputs == self.output[:, j : j + 1]) * dvalues[:, j : j + 1]


class DenseReluDense:
    """Dense -> ReLU -> Dense as one object, book initialisation (biases at zero).

    At a zero input every hidden unit sits at its kink; the backward's mask ``<= 0``
    gives the gradient of the piece where every unit is off.
    """

    def __init__(self, n_inputs, n_hidden, n_outputs):
        rng = np.random.default_rng(n_inputs * 100 + n_hidden * 10 + n_outputs)
        self.weights1 = rng.standard_normal((n_inputs, n_hidden))
        self.biases1 = np.zeros((1, n_hidden))
        self.weights2 = rng.standard_normal((n_hidden, n_outputs))
        self.biases2 = np.zeros((1, n_outputs))

    def forward(self, inputs):
        self.inputs = inputs
        self.hidden = inputs @ self.weights1 + self.biases1
        self.active = np.maximum(0, self.hidden)
        self.output = self.active @ self.weights2 + self.biases2

    def backward(self, dvalues):
        self.dweights2 = self.active.T @ dvalues
        self.dbiases2 = dvalues.sum(axis=0, keepdims=True)
        dactive = dvalues @ self.weights2.T
        dactive[self.hidden <= 0] = 0
        self.dweights1 = self.inputs.T @ dactive
        self.dbiases1 = dactive.sum(axis=0, keepdims=True)
        self.dinputs = dactive @ self.weights1.T


class DenseReluDense_SignSlip(DenseReluDense):
    def backward(self, dvalues):
        super().backward(dvalues)
        dactive = dvalues @ self.weights2.T
        dactive[self.hidden < 0] = 0
        self.dinputs = -(dactive @ self.weights1.T)  # BUG: sign lost on the way back


def ties(rng, n, f, *, tied=2):
    """(n, f) normals; in every row ``tied`` features share the row's maximum."""
    x = rng.standard_normal((n, f))
    for row in x:
        cols = rng.choice(f, size=min(tied, f), replace=False)
        row[cols] = row.max() + 0.5
    return x


def pair_ties(rng, n, pairs):
    """(n, 2 * pairs) normals; every other pair is a tie."""
    x = rng.standard_normal((n, 2 * pairs))
    x[:, 1::4] = x[:, 0::4]
    return x


def middle_ties(rng, n, f, *, tied=3):
    """(n, f) normals with ``tied`` equal features somewhere in the middle of each row."""
    x = rng.standard_normal((n, f))
    for row in x:
        cols = rng.choice(f, size=min(tied, f), replace=False)
        row[cols] = np.median(row)
    return x


class DenseReluDense_UnmaskedBias(DenseReluDense):
    def backward(self, dvalues):
        super().backward(dvalues)
        # BUG: the hidden biases' gradient summed before the ReLU mask
        self.dbiases1 = (dvalues @ self.weights2.T).sum(axis=0, keepdims=True)
