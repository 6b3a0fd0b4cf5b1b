"""Layers that hand their gradients to an optimizer object given to backward (written
for the tests): ``backward(grad, optimizer)`` calling ``optimizer.update(self.W, dW)``
(or ``self.W = optimizer.step(self.W, dW)``). Each correct class has a buggy twin.
"""

import numpy as np


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, param, grad):
        param -= self.lr * grad


class Dense:
    def __init__(self, n_in, n_out):
        rng = np.random.default_rng(0)
        self.W = rng.standard_normal((n_in, n_out)) * 0.1
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad, optimizer):
        dx = grad @ self.W.T
        optimizer.update(self.W, self.x.T @ grad)
        optimizer.update(self.b, grad.sum(axis=0))
        return dx


class Dense_MeanBias(Dense):
    def backward(self, grad, optimizer):
        dx = grad @ self.W.T
        optimizer.update(self.W, self.x.T @ grad)
        optimizer.update(self.b, grad.mean(axis=0))
        return dx


class Linear:
    def __init__(self, n_in, n_out):
        rng = np.random.default_rng(1)
        self.W = rng.standard_normal((n_in, n_out)) * 0.1

    def forward(self, x):
        self.x = x
        return x @ self.W

    def backward(self, grad, opt):
        dx = grad @ self.W.T
        self.W = opt.step(self.W, self.x.T @ grad)
        return dx


class Linear_UpdatedFirst(Linear):
    def backward(self, grad, opt):
        self.W = opt.step(self.W, self.x.T @ grad)
        return grad @ self.W.T
