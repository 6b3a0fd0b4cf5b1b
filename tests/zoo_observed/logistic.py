"""Logistic regression as a classic machine-learning course writes it (written for the tests).

``cost_function(theta, X, y) -> (J, grad)`` with a weight *vector* ``theta`` and binary
targets ``y`` of shape ``(N,)``, and its regularized form, which leaves the intercept
``theta[0]`` unregularized. Each has a twin.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def cost_function(theta, X, y):
    m = y.size
    h = sigmoid(X @ theta)
    J = -(y @ np.log(h) + (1 - y) @ np.log(1 - h)) / m
    grad = X.T @ (h - y) / m
    return J, grad


def cost_function_unaveraged(theta, X, y):
    m = y.size
    h = sigmoid(X @ theta)
    J = -(y @ np.log(h) + (1 - y) @ np.log(1 - h)) / m
    grad = X.T @ (h - y)
    return J, grad


def cost_function_reg(theta, X, y, lambda_):
    m = y.size
    h = sigmoid(X @ theta)
    penalty = theta.copy()
    penalty[0] = 0.0
    J = -(y @ np.log(h) + (1 - y) @ np.log(1 - h)) / m + lambda_ / (2 * m) * penalty @ penalty
    grad = X.T @ (h - y) / m + lambda_ / m * penalty
    return J, grad


def cost_function_reg_intercept(theta, X, y, lambda_):
    m = y.size
    h = sigmoid(X @ theta)
    penalty = theta.copy()
    penalty[0] = 0.0
    J = -(y @ np.log(h) + (1 - y) @ np.log(1 - h)) / m + lambda_ / (2 * m) * penalty @ penalty
    grad = X.T @ (h - y) / m + lambda_ / m * theta
    return J, grad
