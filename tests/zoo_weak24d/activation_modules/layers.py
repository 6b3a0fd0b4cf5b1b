"""Layers of the most copied tutorial; the activation pair comes from activations.py."""


class ActivationLayer:
    def __init__(self, activation, activation_prime):
        self.activation = activation
        self.activation_prime = activation_prime

    def forward_propagation(self, input_data):
        self.input = input_data
        self.output = self.activation(self.input)
        return self.output

    def backward_propagation(self, output_error, learning_rate):
        return self.activation_prime(self.input) * output_error


class ActivationLayer_Bug(ActivationLayer):
    def backward_propagation(self, output_error, learning_rate):
        return self.activation_prime(self.output) * output_error  # on the output
