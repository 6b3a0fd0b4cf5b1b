"""Loss objects returning ``(loss, grad)`` from one call, with no forward and backward.

Course code's ``loss, dscores = criterion(scores, y)``, and a plain object whose
``loss(x, y)`` method returns ``(loss, dx)``.
"""

import numpy as np


def _softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


class SoftmaxCriterion:
    def __call__(self, scores, y):
        n = scores.shape[0]
        p = _softmax(scores)
        loss = -np.log(p[np.arange(n), y]).mean()
        dscores = p.copy()
        dscores[np.arange(n), y] -= 1
        dscores /= n
        return loss, dscores


class SoftmaxCriterion_Bug:
    def __call__(self, scores, y):
        n = scores.shape[0]
        p = _softmax(scores)
        loss = -np.log(p[np.arange(n), y]).mean()
        dscores = p.copy()
        dscores[np.arange(n), y] -= 1  # the 1 / N forgotten
        return loss, dscores


class MSECriterion:
    def __call__(self, pred, target):
        diff = pred - target
        loss = np.mean(diff ** 2)
        grad = 2 * diff / diff.size
        return loss, grad


class MSECriterion_Bug:
    def __call__(self, pred, target):
        diff = pred - target
        loss = np.mean(diff ** 2)
        grad = 2 * diff  # the mean's 1 / size forgotten
        return loss, grad


class SVM:
    """A multiclass hinge loss with a margin set in the constructor."""

    def __init__(self, delta=1.0):
        self.delta = delta

    def loss(self, x, y):
        n = x.shape[0]
        correct = x[np.arange(n), y][:, None]
        margins = np.maximum(0, x - correct + self.delta)
        margins[np.arange(n), y] = 0
        loss = margins.sum() / n
        positive = (margins > 0).astype(float)
        positive[np.arange(n), y] -= positive.sum(axis=1)
        dx = positive / n
        return loss, dx


class SVM_Bug:
    def __init__(self, delta=1.0):
        self.delta = delta

    def loss(self, x, y):
        n = x.shape[0]
        correct = x[np.arange(n), y][:, None]
        margins = np.maximum(0, x - correct + self.delta)
        margins[np.arange(n), y] = 0
        loss = margins.sum() / n
        positive = (margins > 0).astype(float)
        positive[np.arange(n), y] -= positive.sum(axis=1)
        dx = positive  # the 1 / N forgotten
        return loss, dx
