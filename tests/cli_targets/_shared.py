"""A layer that other targets import: discovery must not count it as theirs."""

import numpy as np


class Activation_Imported:
    def forward(self, inputs):
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output**2)
