"""Layers of a micro-framework, written here: parameters are ``Parameter`` objects holding
``data`` and ``grad``; backward adds into ``grad``; ``zero_grad()`` resets them.

Each correct layer has a twin with one bug. Before, a wrong bias gradient (the batch
mean) went unseen: ``b.grad`` disagreed with the numbers, so it was not taken for the
gradient of ``b.data``, and ``b.data`` was "treated as constant".
"""

import numpy as np


class Parameter:
    def __init__(self, data):
        self.data = data
        self.grad = np.zeros_like(data)


class Module:
    def parameters(self):
        return [v for v in vars(self).values() if isinstance(v, Parameter)]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = np.zeros_like(p.data)


class Linear(Module):
    def __init__(self, n_in, n_out):
        rng = np.random.default_rng(0)
        self.W = Parameter(rng.standard_normal((n_in, n_out)) * 0.1)
        self.b = Parameter(np.zeros(n_out))

    def forward(self, x):
        self.x = x
        return x @ self.W.data + self.b.data

    def backward(self, grad):
        self.W.grad += self.x.T @ grad
        self.b.grad += grad.sum(axis=0)
        return grad @ self.W.data.T


class Linear_MeanBias(Linear):
    def backward(self, grad):
        self.W.grad += self.x.T @ grad
        self.b.grad += grad.mean(axis=0)  # BUG: the batch mean beside a summed weight
        return grad @ self.W.data.T


class Scale(Module):
    """y = x * gamma + beta, per feature."""

    def __init__(self, dim):
        self.gamma = Parameter(np.linspace(0.5, 1.5, dim))
        self.beta = Parameter(np.zeros(dim))

    def forward(self, x):
        self.x = x
        return x * self.gamma.data + self.beta.data

    def backward(self, grad):
        self.gamma.grad += (grad * self.x).sum(axis=0)
        self.beta.grad += grad.sum(axis=0)
        return grad * self.gamma.data


class Scale_GammaUnsummed(Scale):
    def backward(self, grad):
        self.gamma.grad += (grad * self.x)[0]  # BUG: the first sample only
        self.beta.grad += grad.sum(axis=0)
        return grad * self.gamma.data
