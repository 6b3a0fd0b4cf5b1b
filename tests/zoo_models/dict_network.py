"""A 3-layer network over a parameter dict, in the deeplearning.ai layout.

Arrays are features x samples: ``X`` is ``(n_x, m)``, ``W1`` is ``(n_1, n_x)``, ``b1`` is
``(n_1, 1)``. LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID with the mean binary
cross-entropy cost. The gradients come back in one dict with ``dZ*``, ``dA*``, ``dW*`` and
``db*`` keys. ``classic_bugs=True`` puts in the two bugs of the classic exercise: ``dW2``
twice too large and ``db1`` four times too large.
"""

from __future__ import annotations

import numpy as np


def initial_parameters(sizes=(4, 5, 3, 1), seed=1):
    rng = np.random.default_rng(seed)
    params = {}
    for i in range(1, len(sizes)):
        params[f"W{i}"] = rng.standard_normal((sizes[i], sizes[i - 1])) / np.sqrt(sizes[i - 1])
        params[f"b{i}"] = 0.1 * rng.standard_normal((sizes[i], 1))
    return params


def data(n_x=4, m=6, seed=2):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_x, m)), (rng.random((1, m)) < 0.5).astype(float)


def forward_propagation(X, Y, params):
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.maximum(0, Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = np.maximum(0, Z2)
    Z3 = params["W3"] @ A2 + params["b3"]
    A3 = 1 / (1 + np.exp(-Z3))
    m = X.shape[1]
    cost = -np.sum(Y * np.log(A3) + (1 - Y) * np.log(1 - A3)) / m
    return cost, (Z1, A1, Z2, A2, Z3, A3)


def backward_propagation(X, Y, params, cache, classic_bugs=False):
    Z1, A1, Z2, A2, Z3, A3 = cache
    m = X.shape[1]
    dZ3 = A3 - Y
    dW3 = dZ3 @ A2.T / m
    db3 = np.sum(dZ3, axis=1, keepdims=True) / m
    dA2 = params["W3"].T @ dZ3
    dZ2 = dA2 * (A2 > 0)
    dW2 = dZ2 @ A1.T / m * (2 if classic_bugs else 1)
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dA1 = params["W2"].T @ dZ2
    dZ1 = dA1 * (A1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = (4.0 if classic_bugs else 1.0) / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
