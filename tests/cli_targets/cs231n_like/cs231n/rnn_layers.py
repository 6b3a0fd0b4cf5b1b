"""Recurrent layers in the CS231n layout, written for gradcheck's tests from the maths."""

import numpy as np


def sigmoid(x):
    # two branches: exp never overflows
    pos = x >= 0
    z = np.exp(np.where(pos, -x, x))
    return np.where(pos, 1 / (1 + z), z / (1 + z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    n, t, _ = x.shape
    h = np.zeros((n, t, h0.shape[1]))
    caches = []
    prev = h0
    for k in range(t):
        prev, cache = rnn_step_forward(x[:, k], prev, Wx, Wh, b)
        h[:, k] = prev
        caches.append(cache)
    return h, caches


def rnn_backward(dh, cache):
    n, t, _ = dh.shape
    x0, h0, Wx, Wh, _ = cache[0]
    dx = np.zeros((n, t, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1])
    dprev = np.zeros_like(h0)
    for k in reversed(range(t)):
        dx[:, k], dprev, dwx, dwh, dbk = rnn_step_backward(dh[:, k] + dprev, cache[k])
        dWx, dWh, db = dWx + dwx, dWh + dwh, db + dbk
    return dx, dprev, dWx, dWh, db


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    hidden = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :hidden])
    f = sigmoid(a[:, hidden:2 * hidden])
    o = sigmoid(a[:, 2 * hidden:3 * hidden])
    g = np.tanh(a[:, 3 * hidden:])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)  # a new array: dnext_c stays as given
    da = np.concatenate([
        dc * g * i * (1 - i),
        dc * prev_c * f * (1 - f),
        dnext_h * tanh_c * o * (1 - o),
        dc * i * (1 - g**2),
    ], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    n, t, _ = x.shape
    h = np.zeros((n, t, h0.shape[1]))
    prev_h, prev_c = h0, np.zeros_like(h0)
    caches = []
    for k in range(t):
        prev_h, prev_c, cache = lstm_step_forward(x[:, k], prev_h, prev_c, Wx, Wh, b)
        h[:, k] = prev_h
        caches.append(cache)
    return h, caches


def lstm_backward(dh, cache):
    n, t, _ = dh.shape
    x0, h0, _, Wx, Wh = cache[0][:5]
    dx = np.zeros((n, t, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1])
    dprev_h, dprev_c = np.zeros_like(h0), np.zeros_like(h0)
    for k in reversed(range(t)):
        dx[:, k], dprev_h, dprev_c, dwx, dwh, dbk = lstm_step_backward(
            dh[:, k] + dprev_h, dprev_c, cache[k])
        dWx, dWh, db = dWx + dwx, dWh + dwh, db + dbk
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, x, dout)  # repeated word ids add up (dW[x] += dout would not)
    return dW


def temporal_affine_forward(x, w, b):
    n, t, d = x.shape
    out = (x.reshape(n * t, d) @ w + b).reshape(n, t, -1)
    return out, (x, w, b)


def temporal_affine_backward(dout, cache):
    x, w, b = cache
    n, t, d = x.shape
    flat = dout.reshape(n * t, -1)
    dx = (flat @ w.T).reshape(n, t, d)
    return dx, x.reshape(n * t, d).T @ flat, flat.sum(axis=0)


def temporal_softmax_loss(x, y, mask, verbose=False):
    n, t, v = x.shape
    flat, labels, keep = x.reshape(n * t, v), y.reshape(n * t), mask.reshape(n * t)
    shifted = flat - flat.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n * t)
    loss = -(keep * log_probs[rows, labels]).sum() / n
    dx = np.exp(log_probs)
    dx[rows, labels] -= 1
    dx *= keep[:, None] / n
    return loss, dx.reshape(n, t, v)
