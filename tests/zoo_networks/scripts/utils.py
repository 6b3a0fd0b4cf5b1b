import numpy as np


class Momentum:
    def __init__(self, lr=0.01, beta=0.9):
        self.lr = lr
        self.beta = beta
        self.v = {}

    def step(self, key, param, grad):
        v = self.beta * self.v.get(key, 0) - self.lr * grad
        self.v[key] = v
        return param + v


def relu(x):
    return np.maximum(0, x)


def relu_grad(x):
    return (x > 0).astype(float)
