"""An activation layer whose file imports its pair from activations.py of its folder."""

from activations import tanh, tanh_prime  # noqa: F401 - the pair the network uses


class TanhLayer:
    def __init__(self, activation, activation_prime):
        self.activation = activation
        self.activation_prime = activation_prime

    def forward(self, inputs):
        self.inputs = inputs
        return self.activation(inputs)

    def backward(self, dvalues):
        return dvalues * self.activation_prime(self.inputs)


class TanhLayer_Bug(TanhLayer):
    def backward(self, dvalues):
        return dvalues * self.activation_prime(dvalues)  # the upstream gradient, not x
