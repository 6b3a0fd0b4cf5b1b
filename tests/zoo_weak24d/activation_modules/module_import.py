"""An activation layer whose file imports the module of its pair (``import activations``)."""

import activations


class Activation:
    def __init__(self, activation, activation_prime):
        self.activation = activation
        self.activation_prime = activation_prime

    def forward(self, inputs):
        self.inputs = inputs
        self.output = self.activation(inputs)
        return self.output

    def backward(self, output_gradient, learning_rate):
        return output_gradient * self.activation_prime(self.inputs)


class Activation_Bug(Activation):
    def backward(self, output_gradient, learning_rate):
        return output_gradient * self.activation_prime(self.output)  # on the output


def _layer():  # how a network script builds it
    return Activation(activations.tanh, activations.tanh_prime)
