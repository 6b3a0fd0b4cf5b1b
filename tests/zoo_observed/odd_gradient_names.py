"""A PReLU, written here, whose gradient names no list holds (``nabla_alpha``, ``g_a``),
and twins with the batch mean in place of the sum.

Before, a disagreeing array under such a name was not taken for the gradient of ``alpha``
and ``alpha`` was "treated as constant": both twins passed. The only array of the
parameter's shape that backward produces is now its gradient, and fails if wrong.
"""

import numpy as np


class PReLU:
    def __init__(self, n):
        self.alpha = np.full(n, 0.25)

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.alpha * x)

    def backward(self, grad):
        self.nabla_alpha = (grad * np.where(self.x > 0, 0, self.x)).sum(0)
        return grad * np.where(self.x > 0, 1, self.alpha)


class PReLU_NablaMean(PReLU):
    def backward(self, grad):
        self.nabla_alpha = (grad * np.where(self.x > 0, 0, self.x)).mean(0)  # BUG: mean
        return grad * np.where(self.x > 0, 1, self.alpha)


class PReLU_GaMean(PReLU):
    def backward(self, grad):
        self.g_a = (grad * np.where(self.x > 0, 0, self.x)).mean(0)  # BUG: mean
        return grad * np.where(self.x > 0, 1, self.alpha)
