"""Cross-entropies of probabilities with class labels (written for the tests).

``cross_entropy(probs, labels)`` takes a log of its first argument: drawn on real values
it gives no finite loss, so it is checked on predictions in (0, 1). Each has a twin.
"""

import numpy as np


def cross_entropy(probs, labels):
    n = probs.shape[0]
    loss = -np.log(probs[np.arange(n), labels]).mean()
    d = np.zeros_like(probs)
    d[np.arange(n), labels] = -1 / probs[np.arange(n), labels] / n
    return loss, d


def cross_entropy_unaveraged(probs, labels):
    n = probs.shape[0]
    loss = -np.log(probs[np.arange(n), labels]).mean()
    d = np.zeros_like(probs)
    d[np.arange(n), labels] = -1 / probs[np.arange(n), labels]
    return loss, d


def nll(p, y):
    picked = p[np.arange(len(y)), y]
    dp = -np.eye(p.shape[1])[y] / p
    return -np.sum(np.log(picked)), dp


def nll_signed(p, y):
    picked = p[np.arange(len(y)), y]
    dp = np.eye(p.shape[1])[y] / p
    return -np.sum(np.log(picked)), dp
