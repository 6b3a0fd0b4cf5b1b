"""Derivative pairs named ``deriv_f`` and ``f_backward(x)`` (the function's own arguments,
no upstream gradient), written here; each has a twin with one bug (``..._bug``).

``elu_backward(x, alpha)`` beside ``elu(x, alpha)`` was read as a CS231n backward and
ended in ``error``; ``deriv_relu`` was not found.
"""

import numpy as np


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def elu_backward(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(x))


def elu_bug(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def elu_bug_backward(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * (np.exp(x) - 1))  # BUG: the forward, not its slope


def relu(x):
    return np.maximum(0, x)


def deriv_relu(x):
    return (x > 0).astype(float)


def relu_bug(x):
    return np.maximum(0, x)


def deriv_relu_bug(x):
    return (x > 0.5).astype(float)  # BUG: the threshold


def softsign(x):
    return x / (1 + np.abs(x))


def softsign_backward(dout, x):  # a backward of the CS231n kind: dout first
    return dout / (1 + np.abs(x)) ** 2
