"""Realistic bugs in CS231n-style layers, each next to its correct twin in layers.py.

Written for gradcheck's tests (not course code). Each backward here pairs with the
correct forward of layers.py by name (``conv_backward_naive_pad_slice`` with
``conv_forward_naive``) unless it has its own forward.
"""

import numpy as np

from .layers import (
    _padded,
    batchnorm_backward,
    batchnorm_forward,  # noqa: F401
    conv_forward_naive,  # noqa: F401 - the forward of the conv bugs
    dropout_forward,  # noqa: F401
    layernorm_forward,  # noqa: F401
    max_pool_forward_naive,  # noqa: F401
    relu_forward,  # noqa: F401
)


def conv_backward_naive_pad_slice(dout, cache):
    # bug: [pad:-pad] is empty when pad == 0 (right only for pad >= 1)
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    xp = _padded(x, pad)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    hh, ww = w.shape[2:]
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + hh)
            cols = slice(j * stride, j * stride + ww)
            dw += np.tensordot(dout[:, :, i, j], xp[:, :, rows, cols], axes=([0], [0]))
            dxp[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    return dxp[:, :, pad:-pad, pad:-pad], dw, dout.sum(axis=(0, 2, 3))


def conv_backward_naive_stride(dout, cache):
    # bug: the window of output (i, j) taken at (i, j), not (i * stride, j * stride)
    x, w, b, conv_param = cache
    pad = conv_param["pad"]
    xp = _padded(x, pad)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    hh, ww = w.shape[2:]
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = (slice(None), slice(None), slice(i, i + hh), slice(j, j + ww))
            dw += np.tensordot(dout[:, :, i, j], xp[window], axes=([0], [0]))
            dxp[window] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    h, wd = x.shape[2:]
    return dxp[:, :, pad:pad + h, pad:pad + wd], dw, dout.sum(axis=(0, 2, 3))


def max_pool_backward_naive_overwrite(dout, cache):
    # bug: `=` instead of `+=`: overlapping windows overwrite each other's gradient
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + ph)
            cols = slice(j * stride, j * stride + pw)
            window = x[:, :, rows, cols]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, rows, cols] = mask * dout[:, :, i, j][:, :, None, None]
    return dx


def relu_backward_in_place(dout, cache):
    # bug: zeroes the caller's dout (right values, but the upstream gradient is destroyed)
    dout[cache <= 0] = 0
    return dout


def batchnorm_backward_keepdims(dout, cache):
    # bug: dgamma and dbeta of shape (1, D) for a (D,) gamma
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    return dx, dgamma[None, :], dbeta[None, :]


def batchnorm_forward_running(x, gamma, beta, bn_param):
    # bug: in train mode, normalizes with the running statistics it just updated
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    d = x.shape[1]
    mean, var = x.mean(axis=0), x.var(axis=0)
    bn_param["running_mean"] = momentum * bn_param.get("running_mean", np.zeros(d)) \
        + (1 - momentum) * mean
    bn_param["running_var"] = momentum * bn_param.get("running_var", np.zeros(d)) \
        + (1 - momentum) * var
    inv_std = 1.0 / np.sqrt(bn_param["running_var"] + eps)
    xhat = (x - bn_param["running_mean"]) * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)


def batchnorm_backward_running(dout, cache):
    return batchnorm_backward(dout, cache)


def dropout_backward_unscaled(dout, cache):
    # bug: the mask without the 1 / p of inverted dropout
    dropout_param, mask = cache
    return dout * (mask > 0)


def layernorm_backward_axis0(dout, cache):
    # bug: the batchnorm formula (means over the batch axis) for a per-row normalization
    xhat, gamma, inv_std = cache
    dxhat = dout * gamma
    dx = inv_std * (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def svm_unscaled_loss(x, y):
    # bug: the loss is the mean, its gradient the sum (missing / N)
    n = x.shape[0]
    rows = np.arange(n)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1.0)
    margins[rows, y] = 0
    dx = (margins > 0).astype(float)
    dx[rows, y] -= dx.sum(axis=1)
    return margins.sum() / n, dx


def softmax_shifted_in_place_loss(x, y):
    # correct gradient, but shifts the CALLER's x in place (a fixed-step checker that
    # perturbs x in place then reads a wrong numeric gradient)
    n = x.shape[0]
    x -= x.max(axis=1, keepdims=True)
    log_probs = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return loss, dx / n
