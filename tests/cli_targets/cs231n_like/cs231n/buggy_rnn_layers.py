"""Realistic bugs in CS231n-style recurrent layers, each next to its twin in rnn_layers.py."""

import numpy as np

from cs231n.rnn_layers import (
    lstm_step_forward,  # noqa: F401 - the forward of the lstm_step bug
    rnn_forward,  # noqa: F401
    rnn_step_backward,
    word_embedding_forward,  # noqa: F401
)


def lstm_step_backward_in_place(dnext_h, dnext_c, cache):
    # bug: accumulates into the caller's dnext_c (right values, upstream gradient changed)
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dnext_c += dnext_h * o * (1 - tanh_c**2)
    dc = dnext_c
    da = np.concatenate([
        dc * g * i * (1 - i),
        dc * prev_c * f * (1 - f),
        dnext_h * tanh_c * o * (1 - o),
        dc * i * (1 - g**2),
    ], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_backward_last_step(dh, cache):
    # bug: the weight gradients are overwritten at every step instead of summed
    n, t, _ = dh.shape
    x0, h0, Wx, Wh, _ = cache[0]
    dx = np.zeros((n, t, x0.shape[1]))
    dprev = np.zeros_like(h0)
    for k in reversed(range(t)):
        dx[:, k], dprev, dWx, dWh, db = rnn_step_backward(dh[:, k] + dprev, cache[k])
    return dx, dprev, dWx, dWh, db


def word_embedding_backward_fancy(dout, cache):
    # bug: fancy-index += keeps one of the rows of a repeated word id
    x, shape = cache
    dW = np.zeros(shape)
    dW[x] += dout
    return dW


def temporal_softmax_unmasked_loss(x, y, mask, verbose=False):
    # bug: the loss is masked, its gradient is not
    n, t, v = x.shape
    flat, labels, keep = x.reshape(n * t, v), y.reshape(n * t), mask.reshape(n * t)
    shifted = flat - flat.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n * t)
    loss = -(keep * log_probs[rows, labels]).sum() / n
    dx = np.exp(log_probs)
    dx[rows, labels] -= 1
    return loss, dx.reshape(n, t, v) / n
