"""Activation and loss objects whose methods are named otherwise than fn/grad, written
here: ``__call__``/``gradient``, ``activate``/``derivative``, ``function``/``prime``
(static), ``forward``/``derivative`` with no backward, ``loss``/``gradient`` in Keras'
order, ``calculate``/``derivative``. Each has a twin with one bug.
"""

import numpy as np


class Sigmoid:
    def __call__(self, x):
        return 1 / (1 + np.exp(-x))

    def gradient(self, x):
        s = self(x)
        return s * (1 - s)


class Sigmoid_Bug(Sigmoid):
    def gradient(self, x):
        return self(x) * (1 - x)  # BUG: 1 - x where 1 - sigmoid(x) is meant


class ReLU:
    def activate(self, x):
        return np.maximum(0, x)

    def derivative(self, x):
        return (x > 0).astype(float)


class ReLU_Bug(ReLU):
    def derivative(self, x):
        return (x >= -0.5).astype(float)  # BUG: the threshold


class Tanh:
    @staticmethod
    def function(x):
        return np.tanh(x)

    @staticmethod
    def prime(x):
        return 1 - np.tanh(x) ** 2


class Tanh_Bug(Tanh):
    @staticmethod
    def prime(x):
        return 1 - np.tanh(x)  # BUG: the square is missing


class Softplus:
    def forward(self, x):
        return np.logaddexp(0, x)

    def derivative(self, x):
        return 1 / (1 + np.exp(-x))


class Softplus_Bug(Softplus):
    def derivative(self, x):
        return 1 / (1 + np.exp(x))  # BUG: the sign of the exponent


class MSE:
    def loss(self, y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2)

    def gradient(self, y_true, y_pred):
        return 2 * (y_pred - y_true) / y_true.size


class MSE_Bug(MSE):
    def gradient(self, y_true, y_pred):
        return 2 * (y_pred - y_true)  # BUG: not divided by the number of elements


class MAE:
    def calculate(self, y_pred, y_true):
        return np.mean(np.abs(y_pred - y_true))

    def derivative(self, y_pred, y_true):
        return np.sign(y_pred - y_true) / y_pred.size


class MAE_Bug(MAE):
    def derivative(self, y_pred, y_true):
        return np.sign(y_true - y_pred) / y_pred.size  # BUG: the sign
