"""Losses that return the mean and whose backward reads what forward stored.

``backward()`` with no argument returns the gradient of the predictions forward was
given (the PyTorch-like ``loss.backward()``); a cross-entropy of probabilities whose
forward returns ``-mean(log p)`` (a scalar, not per-sample losses) is a loss of
probability rows, not a fused loss of logits.
"""

import numpy as np


class MSE_Stored:
    def forward(self, y_pred, y_true):
        self.diff = y_pred - y_true
        return np.mean(self.diff ** 2)

    def backward(self):
        return 2 * self.diff / self.diff.size


class MSE_Stored_Bug(MSE_Stored):
    def backward(self):
        return self.diff / self.diff.size  # BUG: the factor 2 is lost


class CE_Stored:
    def forward(self, probs, labels):
        self.probs, self.labels = probs, labels
        rows = np.arange(len(probs))
        return -np.mean(np.log(probs[rows, labels]))

    def backward(self):
        rows = np.arange(len(self.probs))
        grad = np.zeros_like(self.probs)
        grad[rows, self.labels] = -1 / self.probs[rows, self.labels]
        return grad / len(self.probs)


class CE_Stored_Bug(CE_Stored):
    def backward(self):
        rows = np.arange(len(self.probs))
        grad = np.zeros_like(self.probs)
        grad[rows, self.labels] = -1 / self.probs[rows, self.labels]
        return grad  # BUG: not divided by the batch size (forward takes the mean)


class CE_ScalarProbs:
    """The book's backward(dvalues, y_true), with a forward returning the mean."""

    def forward(self, y_pred, y_true):
        rows = np.arange(len(y_pred))
        return -np.mean(np.log(y_pred[rows, y_true]))

    def backward(self, dvalues, y_true):
        rows = np.arange(len(dvalues))
        self.dinputs = np.zeros_like(dvalues)
        self.dinputs[rows, y_true] = -1 / dvalues[rows, y_true] / len(dvalues)


class CE_ScalarProbs_Bug(CE_ScalarProbs):
    def backward(self, dvalues, y_true):
        rows = np.arange(len(dvalues))
        self.dinputs = np.zeros_like(dvalues)
        self.dinputs[rows, y_true] = 1 / dvalues[rows, y_true] / len(dvalues)  # BUG: sign
