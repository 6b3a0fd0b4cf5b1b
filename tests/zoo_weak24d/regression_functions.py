"""Regression loss functions returning ``(loss, grad)``: continuous targets, not labels.

Each takes a prediction and a target of the prediction's shape; the names alone
(``target``, ``y_true``, ``y``) could also be class labels, and ``cross_entropy(logits,
y)`` below does take labels: what each function does with the target decides.
"""

import numpy as np


def squared_error(pred, target):
    diff = pred - target
    loss = np.mean(diff ** 2)
    grad = 2 * diff / diff.size
    return loss, grad


def squared_error_bug(pred, target):
    diff = pred - target
    loss = np.mean(diff ** 2)
    grad = 2 * diff / pred.shape[0]  # divides by N, not N * C
    return loss, grad


def mse_loss(y_pred, y_true):
    d = y_pred - y_true
    loss = np.mean(d ** 2)
    grad = 2 * d / d.size
    return loss, grad


def mse_loss_bug(y_pred, y_true):
    d = y_pred - y_true
    loss = np.mean(d ** 2)
    grad = d / d.size  # the factor 2 dropped
    return loss, grad


def huber(pred, target, delta=1.0):
    r = pred - target
    small = np.abs(r) <= delta
    loss = np.where(small, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))
    grad = np.where(small, r, delta * np.sign(r)) / r.size
    return loss.mean(), grad


def huber_bug(pred, target, delta=1.0):
    r = pred - target
    small = np.abs(r) <= delta
    loss = np.where(small, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))
    grad = np.where(small, r, delta) / r.size  # the sign of the linear part lost
    return loss.mean(), grad


def keras_mse(y_true, y_pred):
    """Keras' order: the target first."""
    d = y_pred - y_true
    loss = np.mean(d ** 2)
    grad = 2 * d / d.size
    return loss, grad


def keras_mse_bug(y_true, y_pred):
    d = y_true - y_pred
    loss = np.mean(d ** 2)
    grad = 2 * d / d.size  # the gradient of the target, not the prediction
    return loss, grad


def l2_cost(x, y):
    """``x`` and ``y`` read as data and labels by their names; ``y`` is a target."""
    diff = x - y
    cost = 0.5 * np.sum(diff ** 2) / x.shape[0]
    dx = diff / x.shape[0]
    return cost, dx


def l2_cost_bug(x, y):
    diff = x - y
    cost = 0.5 * np.sum(diff ** 2) / x.shape[0]
    dx = diff  # the 1 / N forgotten
    return cost, dx


def cross_entropy(logits, y):
    """Class labels: it indexes with ``y``."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    n = logits.shape[0]
    loss = -np.log(p[np.arange(n), y]).mean()
    grad = p.copy()
    grad[np.arange(n), y] -= 1
    grad /= n
    return loss, grad


def cross_entropy_bug(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    n = logits.shape[0]
    loss = -np.log(p[np.arange(n), y]).mean()
    grad = p.copy()
    grad[np.arange(n), y] -= 1  # the 1 / N forgotten
    return loss, grad
