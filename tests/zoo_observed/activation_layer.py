"""An activation layer built from a function and its derivative passed to its
constructor (``Activation(tanh, tanh_prime)``, the most copied tutorial's), written here,
with a twin that calls the derivative on the output.

Before, the layer was skipped ("constructor argument(s) activation, activation_prime ...
cannot be guessed") and only the module's pair was checked, which is right: the twin's
bug, in how the layer uses the pair, went unseen.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


class Activation:
    def __init__(self, activation, activation_prime):
        self.activation, self.activation_prime = activation, activation_prime

    def forward(self, inputs):
        self.inputs = inputs
        self.output = self.activation(inputs)
        return self.output

    def backward(self, output_gradient, learning_rate):
        return output_gradient * self.activation_prime(self.inputs)


class Activation_OnOutput(Activation):
    def backward(self, output_gradient, learning_rate):
        # BUG: the derivative (written for the input) called on the output
        return output_gradient * self.activation_prime(self.output)
