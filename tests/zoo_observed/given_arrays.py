"""Layers whose constructor takes the parameter arrays themselves (written for the tests).

A dataclass ``Linear(W, b)`` and ``Scale(weights)`` (elementwise), each with a twin whose
parameter gradient is a batch mean.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Linear:
    W: np.ndarray
    b: np.ndarray
    x: np.ndarray | None = field(default=None, repr=False)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0)
        return grad @ self.W.T


class Scale:
    def __init__(self, weights: np.ndarray):
        self.weights = weights

    def forward(self, x):
        self.x = x
        return x * self.weights

    def backward(self, g):
        self.dweights = (g * self.x).sum(axis=0)
        return g * self.weights


@dataclass
class Linear_MeanBias(Linear):
    def backward(self, grad: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ grad
        self.db = grad.mean(axis=0)
        return grad @ self.W.T


class Scale_MeanWeights(Scale):
    def backward(self, g):
        self.dweights = (g * self.x).mean(axis=0)
        return g * self.weights
