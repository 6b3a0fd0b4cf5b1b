"""Cross-entropies of probabilities as functions returning ``(loss, grad)``, targets of the
predictions' shape: finite only on predictions in (0, 1), where they are checked.
"""

import numpy as np


def categorical_crossentropy(y_pred, y_true):
    n = y_pred.shape[0]
    loss = -np.sum(y_true * np.log(y_pred)) / n
    grad = -y_true / y_pred / n
    return loss, grad


def categorical_crossentropy_bug(y_pred, y_true):
    n = y_pred.shape[0]
    loss = -np.sum(y_true * np.log(y_pred)) / n
    grad = -y_true / y_pred  # the 1 / N forgotten
    return loss, grad


def bce_loss(y_pred, y_true):
    n = y_pred.size
    loss = -np.sum(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred)) / n
    grad = (-(y_true / y_pred) + (1 - y_true) / (1 - y_pred)) / n
    return loss, grad


def bce_loss_bug(y_pred, y_true):
    n = y_pred.size
    loss = -np.sum(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred)) / n
    grad = (-(y_true / y_pred) - (1 - y_true) / (1 - y_pred)) / n  # a sign slip
    return loss, grad
