"""A two-layer CS231n-style network with inverted dropout between the layers.

``dropout_param = {"p": keep, "seed": s}`` as in the course: with a seed, forward calls
``np.random.seed(seed)`` (the global state) before drawing its mask; with ``seed=None``
the mask comes from wherever the global state is. ``bug="mask_missing"``: backward lets
the gradient through the dropped units (the mask not applied).
"""

from __future__ import annotations

import numpy as np


class DropoutNet:
    def __init__(self, input_dim=6, hidden=10, classes=4, keep=0.6, seed=3, reg=0.01,
                 bug=None):
        rng = np.random.default_rng(0)
        self.params = {
            "W1": 0.3 * rng.standard_normal((input_dim, hidden)),
            "b1": 0.1 * rng.standard_normal(hidden),
            "W2": 0.3 * rng.standard_normal((hidden, classes)),
            "b2": np.zeros(classes),
        }
        self.dropout_param = {"mode": "train", "p": keep}
        if seed is not None:
            self.dropout_param["seed"] = seed
        self.reg = reg
        self.bug = bug

    def loss(self, X, y=None):
        W1, b1, W2, b2 = self.params.values()  # insertion order, as course code does
        p = self.dropout_param["p"]
        if "seed" in self.dropout_param:
            np.random.seed(self.dropout_param["seed"])
        h = np.maximum(X @ W1 + b1, 0)
        mask = (np.random.rand(*h.shape) < p) / p
        hd = h * mask
        scores = hd @ W2 + b2
        if y is None:
            return scores
        N = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        loss = -np.log(probs[np.arange(N), y]).mean()
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {"W2": hd.T @ dscores + self.reg * W2, "b2": dscores.sum(axis=0)}
        dhd = dscores @ W2.T
        dh = dhd if self.bug == "mask_missing" else dhd * mask
        dh = dh * (h > 0)
        grads["W1"] = X.T @ dh + self.reg * W1
        grads["b1"] = dh.sum(axis=0)
        return loss, grads
