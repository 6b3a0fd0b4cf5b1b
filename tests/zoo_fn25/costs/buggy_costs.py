"""The twin of ``costs.py`` with a real bug (our own code).

``QuadraticCost.delta`` forgets the sigmoid's derivative: ``a - y`` is the cross-entropy's
delta, not the quadratic cost's.

``fn(a, y)`` is the cost of the output activations ``a``; ``delta(z, a, y)`` the error of
the output layer, ``dC/dz`` at ``a = sigmoid(z)``.
"""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class QuadraticCost(object):

    @staticmethod
    def fn(a, y):
        return 0.5 * np.linalg.norm(a - y) ** 2

    @staticmethod
    def delta(z, a, y):
        return a - y  # bug: the factor sigmoid_prime(z) is missing


class CrossEntropyCost(object):

    @staticmethod
    def fn(a, y):
        return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        return a - y
