"""Derivative objects, correct: Activation(f, f_prime) layers, fn/grad/grad2 activations,
loss objects with loss/grad, and Nielsen-style cost objects with fn/delta."""

import numpy as np


def tanh(x):
    return np.tanh(x)


def tanh_prime(x):
    return 1 - np.tanh(x) ** 2


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class Layer:
    def __init__(self):
        self.input = None
        self.output = None

    def forward(self, input):
        raise NotImplementedError

    def backward(self, output_gradient, learning_rate):
        raise NotImplementedError


class Activation(Layer):
    def __init__(self, activation, activation_prime):
        super().__init__()
        self.activation = activation
        self.activation_prime = activation_prime

    def forward(self, input):
        self.input = input
        return self.activation(self.input)

    def backward(self, output_gradient, learning_rate):
        return np.multiply(output_gradient, self.activation_prime(self.input))


class Tanh(Activation):
    def __init__(self):
        super().__init__(tanh, tanh_prime)


class Sigmoid(Activation):
    def __init__(self):
        def sig(x):
            return 1 / (1 + np.exp(-x))

        def sig_prime(x):
            s = sig(x)
            return s * (1 - s)

        super().__init__(sig, sig_prime)


class OutputActivation(Layer):
    """Keeps its output and calls the derivative on it (the output reading)."""

    def __init__(self, f, f_prime):
        super().__init__()
        self.f, self.f_prime = f, f_prime

    def forward(self, input):
        self.output = self.f(input)
        return self.output

    def backward(self, output_gradient, learning_rate):
        return output_gradient * self.f_prime(self.output)


class SigmoidOnOutput(OutputActivation):
    def __init__(self):
        super().__init__(lambda x: 1 / (1 + np.exp(-x)), lambda s: s * (1 - s))


class SoftPlusFn:
    """An activation object with fn, grad and grad2."""

    def fn(self, z):
        return np.log1p(np.exp(z))

    def grad(self, x):
        return 1 / (1 + np.exp(-x))

    def grad2(self, x):
        s = 1 / (1 + np.exp(-x))
        return s * (1 - s)


class TanhFn:
    def fn(self, z):
        return np.tanh(z)

    def grad(self, x):
        return 1 - np.tanh(x) ** 2

    def grad2(self, x):
        return -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)


class SquaredError:
    """A loss object: loss(y, y_pred) and grad(y, y_pred)."""

    @staticmethod
    def loss(y, y_pred):
        return 0.5 * np.sum((y_pred - y) ** 2)

    @staticmethod
    def grad(y, y_pred):
        return y_pred - y


class QuadraticCost:
    @staticmethod
    def fn(a, y):
        return 0.5 * np.linalg.norm(a - y) ** 2

    @staticmethod
    def delta(z, a, y):
        return (a - y) * sigmoid_prime(z)


class CrossEntropyCost:
    @staticmethod
    def fn(a, y):
        return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        return a - y


class SquaredErrorThrough:
    """A loss whose grad is taken through the output activation: dL/dz."""

    @staticmethod
    def loss(y, y_pred):
        return 0.5 * np.linalg.norm(y_pred - y) ** 2

    @staticmethod
    def grad(y, y_pred, z, act_fn):
        return (y_pred - y) * act_fn.grad(z)
