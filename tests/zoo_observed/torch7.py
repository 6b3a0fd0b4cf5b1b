"""Layers in Torch7's style, written here: ``updateOutput``/``updateGradInput``/
``accGradParameters``, ``backward(input, gradOutput)``, gradients in ``gradInput``,
``gradWeight`` and ``gradBias`` that accumulate until ``zeroGradParameters()``.

Each correct class has a twin with one bug.
"""

import numpy as np


class Linear:
    def __init__(self, n_in, n_out):
        rng = np.random.default_rng(1)
        self.weight = rng.standard_normal((n_out, n_in)) * 0.1
        self.bias = rng.standard_normal(n_out) * 0.1
        self.gradWeight = np.zeros_like(self.weight)
        self.gradBias = np.zeros_like(self.bias)

    def updateOutput(self, input):
        self.output = input @ self.weight.T + self.bias
        return self.output

    def updateGradInput(self, input, gradOutput):
        self.gradInput = gradOutput @ self.weight
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1.0):
        self.gradWeight += scale * gradOutput.T @ input
        self.gradBias += scale * gradOutput.sum(axis=0)

    def zeroGradParameters(self):
        self.gradWeight.fill(0)
        self.gradBias.fill(0)

    def forward(self, input):
        return self.updateOutput(input)

    def backward(self, input, gradOutput, scale=1.0):
        self.updateGradInput(input, gradOutput)
        self.accGradParameters(input, gradOutput, scale)
        return self.gradInput


class Linear_MeanBias(Linear):
    def accGradParameters(self, input, gradOutput, scale=1.0):
        self.gradWeight += scale * gradOutput.T @ input
        self.gradBias += scale * gradOutput.mean(axis=0)  # BUG: mean beside a summed weight


class Tanh:
    def forward(self, input):
        self.output = np.tanh(input)
        return self.output

    def backward(self, input, gradOutput):
        self.gradInput = gradOutput * (1 - self.output ** 2)
        return self.gradInput


class Tanh_NoSquare(Tanh):
    def backward(self, input, gradOutput):
        self.gradInput = gradOutput * (1 - self.output)  # BUG: the square is missing
        return self.gradInput
