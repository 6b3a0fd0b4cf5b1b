"""Losses that take one-hot labels and no sparse ones, written here, each with a twin.

A categorical loss may rely on one 1 per row: the log of the picked probability, an
argmax of ``y_true``, a fused ``(softmax - y) / N`` (right only where each row sums to
1). Fed binary rows (a row of zeros, two ones), every correct one of them failed. The
sigmoid + binary cross-entropy beside them takes several labels per row and is checked
on binary targets.
"""

import numpy as np


class CCE_Picked:
    def forward(self, y_pred, y_true):
        self.y_pred, self.y_true = y_pred, y_true
        return -np.mean(np.log(np.sum(y_pred * y_true, axis=1)))

    def backward(self):
        return -self.y_true / self.y_pred / len(self.y_pred)


class CCE_Picked_NoMean(CCE_Picked):
    def backward(self):
        return -self.y_true / self.y_pred  # BUG: not divided by the number of samples


class CCE_Argmax:
    def __call__(self, y_pred, y_true):
        self.y_pred, self.y_true = y_pred, y_true
        return -np.mean(np.sum(y_true * np.log(y_pred), axis=1))

    def backward(self):
        n = len(self.y_pred)
        rows, picked = np.arange(n), self.y_true.argmax(axis=1)
        grad = np.zeros_like(self.y_pred)
        grad[rows, picked] = -1 / self.y_pred[rows, picked] / n
        return grad


class CCE_Argmax_Sign(CCE_Argmax):
    def backward(self):
        return -super().backward()  # BUG: the sign


class SoftmaxCE_OneHot:
    def forward(self, logits, y_true):
        z = logits - logits.max(axis=1, keepdims=True)
        self.p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return -np.mean(np.sum(y_true * np.log(self.p), axis=1))

    def backward(self, dvalues, y_true):
        self.dinputs = (self.p - y_true) / len(y_true)


class SoftmaxCE_OneHot_Twice(SoftmaxCE_OneHot):
    def backward(self, dvalues, y_true):
        self.dinputs = 2 * (self.p - y_true) / len(y_true)  # BUG: a factor 2


class SigmoidBCE:
    def forward(self, logits, y_true):
        self.s = 1 / (1 + np.exp(-logits))
        return -np.mean(y_true * np.log(self.s) + (1 - y_true) * np.log(1 - self.s))

    def backward(self, dvalues, y_true):
        self.dinputs = (self.s - y_true) / y_true.size


class SigmoidBCE_ChainTwice(SigmoidBCE):
    def backward(self, dvalues, y_true):
        # BUG: the sigmoid's derivative applied again to a gradient already in logits
        self.dinputs = (self.s - y_true) * self.s * (1 - self.s) / y_true.size
