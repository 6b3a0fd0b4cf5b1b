"""Layers whose backward takes the learning rate first: ``backwardpass(lr, X, delta)``.

The layer keeps nothing from ``forwardpass(X)``: backward is given the layer's input
again beside the upstream gradient ``delta``, updates its weights itself and returns the
input gradient. Written here for the checker's tests (numpy only); each bug is one line
marked ``# BUG``. Batch 5, 3 inputs, 4 outputs.
"""

import numpy as np


class Layer:
    """``forwardpass(X)`` / ``backwardpass(lr, X, delta)``."""

    def __init__(self, n_in=3, n_out=4):
        rng = np.random.default_rng(21)
        self.W = 0.5 * rng.standard_normal((n_in, n_out))
        self.b = 0.1 * rng.standard_normal(n_out)

    def forwardpass(self, X):
        return X @ self.W + self.b

    def backwardpass(self, lr, X, delta):
        dX = delta @ self.W.T
        self.W -= lr * (X.T @ delta)
        self.b -= lr * delta.sum(axis=0)
        return dX


class Layer_BiasMean_Bug(Layer):
    def backwardpass(self, lr, X, delta):
        dX = delta @ self.W.T
        self.W -= lr * (X.T @ delta)
        self.b -= lr * delta.mean(axis=0)  # BUG: the batch mean beside a summed dW
        return dX


class Layer_UpdatedWeights_Bug(Layer):
    def backwardpass(self, lr, X, delta):
        self.W -= lr * (X.T @ delta)
        self.b -= lr * delta.sum(axis=0)
        return delta @ self.W.T  # BUG: the weights were already updated


class Sigmoid:
    """An activation of the same protocol: the learning rate is taken and not used."""

    def forwardpass(self, X):
        return 1.0 / (1.0 + np.exp(-X))

    def backwardpass(self, lr, X, delta):
        s = 1.0 / (1.0 + np.exp(-X))
        return delta * s * (1.0 - s)


class Sigmoid_Bug(Sigmoid):
    def backwardpass(self, lr, X, delta):
        s = 1.0 / (1.0 + np.exp(-X))
        return delta * s  # BUG: the factor (1 - s) is missing


class Dense:
    """``forward(x)`` / ``backward(x, grad, eta)``: the input first, the rate last."""

    def __init__(self, n_in=3, n_out=4):
        rng = np.random.default_rng(22)
        self.weights = 0.5 * rng.standard_normal((n_in, n_out))
        self.bias = 0.1 * rng.standard_normal((1, n_out))

    def forward(self, x):
        return x @ self.weights + self.bias

    def backward(self, x, grad, eta):
        dx = grad @ self.weights.T
        self.weights -= eta * (x.T @ grad)
        self.bias -= eta * grad.sum(axis=0, keepdims=True)
        return dx


class Dense_Bug(Dense):
    def backward(self, x, grad, eta):
        dx = grad @ self.weights.T
        self.weights -= eta * (x.T @ grad) / len(x)  # BUG: divided by the batch size
        self.bias -= eta * grad.sum(axis=0, keepdims=True)
        return dx
