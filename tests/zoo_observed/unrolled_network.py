"""A two-layer network whose weights are unrolled into one vector (written here).

The Coursera machine-learning exercises' convention, as students port it to NumPy:
``cost(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)``
returns ``(J, grad)`` with ``grad`` unrolled like ``nn_params``; the derivative of the
sigmoid is ``sigmoidGradient``. Before: the cost was skipped ("no value is known for its
argument 'nn_params'") and ``sigmoidGradient`` was not found. Each has a buggy twin.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def logistic(t):
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def logisticGradient(t):
    """The twin: a plus sign for the minus."""
    s = logistic(t)
    return s * (1.0 + s)


def _split(nn_params, n_in, n_hidden, n_out):
    cut = n_hidden * (n_in + 1)
    first = nn_params[:cut].reshape(n_hidden, n_in + 1)
    second = nn_params[cut:].reshape(n_out, n_hidden + 1)
    return first, second


def _with_ones(a):
    return np.hstack([np.ones((a.shape[0], 1)), a])


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y,
                   lambda_=0.0):
    T1, T2 = _split(nn_params, input_layer_size, hidden_layer_size, num_labels)
    m = X.shape[0]
    a1 = _with_ones(X)
    z2 = a1 @ T1.T
    a2 = _with_ones(sigmoid(z2))
    h = sigmoid(a2 @ T2.T)
    Y = np.eye(num_labels)[y]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m
    J += lambda_ / (2 * m) * (np.sum(T1[:, 1:] ** 2) + np.sum(T2[:, 1:] ** 2))
    d3 = h - Y
    d2 = (d3 @ T2)[:, 1:] * sigmoidGradient(z2)
    G1 = d2.T @ a1 / m
    G2 = d3.T @ a2 / m
    G1[:, 1:] += lambda_ / m * T1[:, 1:]
    G2[:, 1:] += lambda_ / m * T2[:, 1:]
    return J, np.concatenate([G1.ravel(), G2.ravel()])


def nnCostFunction_BiasRegularized(nn_params, input_layer_size, hidden_layer_size,
                                   num_labels, X, y, lambda_=0.0):
    """Regularizes the bias column in the gradient (not in the cost)."""
    T1, T2 = _split(nn_params, input_layer_size, hidden_layer_size, num_labels)
    m = X.shape[0]
    a1 = _with_ones(X)
    z2 = a1 @ T1.T
    a2 = _with_ones(sigmoid(z2))
    h = sigmoid(a2 @ T2.T)
    Y = np.eye(num_labels)[y]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m
    J += lambda_ / (2 * m) * (np.sum(T1[:, 1:] ** 2) + np.sum(T2[:, 1:] ** 2))
    d3 = h - Y
    d2 = (d3 @ T2)[:, 1:] * sigmoidGradient(z2)
    G1 = d2.T @ a1 / m + lambda_ / m * T1
    G2 = d3.T @ a2 / m + lambda_ / m * T2
    return J, np.concatenate([G1.ravel(), G2.ravel()])


def softmaxCost(W, X, y, num_labels):
    """A size argument beside ordinary weights: num_labels is C."""
    s = X @ W
    e = np.exp(s - s.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    Y = np.eye(num_labels)[y]
    return -np.sum(Y * np.log(p)) / X.shape[0], X.T @ (p - Y) / X.shape[0]


def softmaxCost_Summed(W, X, y, num_labels):
    """The twin: the gradient not divided by the batch size."""
    s = X @ W
    e = np.exp(s - s.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    Y = np.eye(num_labels)[y]
    return -np.sum(Y * np.log(p)) / X.shape[0], X.T @ (p - Y)
