"""A chapter script of a project: imports the shared layers from the project root."""

import numpy as np
from common.layers import Activation_ReLU


class Activation_LeakyReLU(Activation_ReLU):
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.where(inputs > 0, inputs, 0.01 * inputs)

    def backward(self, dvalues):
        self.dinputs = np.where(self.inputs > 0, dvalues, 0.01 * dvalues)


relu = Activation_ReLU()
relu.forward(np.random.randn(10, 3))
