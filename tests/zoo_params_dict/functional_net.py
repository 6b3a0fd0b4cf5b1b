"""A two-layer network as one function over a dict of parameters (written for the tests).

``loss_and_grads(params, X, y) -> (loss, grads)`` with ``grads`` keyed like ``params``,
as functional (JAX-minded) NumPy code writes it.
"""

import numpy as np


def init_params(d_in, d_hidden, d_out, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((d_in, d_hidden)) * 0.1, "b1": np.zeros(d_hidden),
            "W2": rng.standard_normal((d_hidden, d_out)) * 0.1, "b2": np.zeros(d_out)}


def loss_and_grads(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    scores = h @ params["W2"] + params["b2"]
    scores = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=1, keepdims=True)
    n = X.shape[0]
    loss = -np.log(p[np.arange(n), y]).mean()
    dscores = p.copy()
    dscores[np.arange(n), y] -= 1
    dscores /= n
    grads = {"W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
    dz = (dscores @ params["W2"].T) * (1 - h ** 2)
    grads["W1"] = X.T @ dz
    grads["b1"] = dz.sum(axis=0)
    return loss, grads
