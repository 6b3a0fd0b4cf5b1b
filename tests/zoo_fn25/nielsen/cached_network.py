"""A Nielsen-style network whose backprop reuses feedforward's activations (our own code).

``backprop(x, y)`` reads the activations the last ``feedforward`` call kept instead of
running its own forward pass. Trained as ``net.feedforward(x); net.backprop(x, y)`` it
looks right; for any other order it uses another sample's activations: a real bug, which a
check on one sample (``feedforward(x)`` then ``backprop(x, y)``) cannot see.
"""
import numpy as np


class Network(object):

    def __init__(self, sizes):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.biases = [np.random.randn(y, 1) for y in sizes[1:]]
        self.weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        self.activations, self.zs = [a], []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, a) + b
            a = sigmoid(z)
            self.zs.append(z)
            self.activations.append(a)
        return a

    def backprop(self, x, y):
        if not getattr(self, "zs", None):
            self.feedforward(x)
        activations, zs = self.activations, self.zs  # bug: the last feedforward's, not x's
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sigmoid_prime(zs[-l])
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))
