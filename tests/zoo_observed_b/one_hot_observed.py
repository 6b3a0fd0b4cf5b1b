"""Losses of class labels not named as cross-entropies, whose one-hot support is observed.

Whether a loss takes one-hot labels is read from what its backward does, not from its
name: a backward that gives one-hot labels the gradient it gives the same labels sparse
says the class takes both kinds, so a forward that raises on them is a failed one-hot
kind. A loss whose backward takes sparse labels only is a loss of sparse labels (not a
failure). A typo inside a branch forward has for one-hot labels (an ``if``, or a
conditional expression, on the labels' shape) is that branch's bug, whatever backward does.
Written here for the checker's tests (numpy only); each bug is one line marked ``# BUG``;
``_Bug`` classes are the twins.
"""

import numpy as np


def _indices(y_true):
    return y_true if y_true.ndim == 1 else y_true.argmax(axis=1)


class NLL:
    """Negative log-likelihood of probability rows; labels sparse or one-hot (a conditional
    expression, no ``if`` statement on the labels' shape)."""

    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=1)
        return -np.log(p[np.arange(len(p)), labels])

    def backward(self, dvalues, y_true):
        n = len(dvalues)
        labels = _indices(y_true)
        self.dinputs = np.zeros_like(dvalues)
        self.dinputs[np.arange(n), labels] = -1.0 / dvalues[np.arange(n), labels] / n


class NLL_OneHotTypo_Bug(NLL):
    """A typo in the one-hot branch of a conditional expression: that branch's bug."""

    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=2)  # BUG: axis 2
        return -np.log(p[np.arange(len(p)), labels])


def _indices_typo(y_true):
    return y_true if y_true.ndim == 1 else y_true.argmax(axis=2)  # BUG: axis 2


class NLL_HelperTypo_Bug(NLL):
    """The same typo in a helper: no branch in forward to see; backward says both kinds."""

    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -np.log(p[np.arange(len(p)), _indices_typo(y_true)])


class XEnt:
    """A cross-entropy named otherwise, one-hot labels by a product, sparse ones converted."""

    def forward(self, y_pred, y_true):
        if y_true.ndim == 1:
            y_true = np.eye(y_pred.shape[1])[y_true]
        return -np.sum(y_true * np.log(np.clip(y_pred, 1e-7, 1 - 1e-7)), axis=1)

    def backward(self, dvalues, y_true):
        if y_true.ndim == 1:
            y_true = np.eye(dvalues.shape[1])[y_true]
        self.dinputs = -y_true / dvalues / len(dvalues)


class XEnt_ForwardIndexes_Bug(XEnt):
    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -np.log(p[np.arange(len(p)), y_true])  # BUG: one-hot labels raise here


class NLL_IntLabels:
    """Sparse labels only, in forward and backward: a loss of sparse labels, not a bug."""

    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -np.log(p[np.arange(len(p)), y_true])

    def backward(self, dvalues, y_true):
        n = len(dvalues)
        self.dinputs = np.zeros_like(dvalues)
        self.dinputs[np.arange(n), y_true] = -1.0 / dvalues[np.arange(n), y_true] / n


class XEnt_OneHotScaled_Bug(XEnt):
    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            return -np.log(p[np.arange(len(p)), y_true])
        return -np.log(np.sum(p * y_true, axis=1)) / len(p)  # BUG: / N on one path only


class NLL_IntLabels_OneHotTypo_Bug(NLL_IntLabels):
    """Backward takes sparse labels only, but forward has a one-hot branch: it raises."""

    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=2)  # BUG: axis 2
        return -np.log(p[np.arange(len(p)), labels])


# ------------------------------------------------- fused: softmax + loss, of logits
class SoftmaxNLL:
    """Softmax and negative log-likelihood fused: a scalar of logits; both label kinds."""

    def forward(self, logits, y_true):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        self.output = e / e.sum(axis=1, keepdims=True)
        labels = _indices(y_true)
        return float(np.mean(-np.log(self.output[np.arange(len(logits)), labels])))

    def backward(self, dvalues, y_true):
        n = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(n), _indices(y_true)] -= 1
        self.dinputs /= n


class SoftmaxNLL_ForwardIndexes_Bug(SoftmaxNLL):
    def forward(self, logits, y_true):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        self.output = e / e.sum(axis=1, keepdims=True)
        rows = np.arange(len(logits))
        return float(np.mean(-np.log(self.output[rows, y_true])))  # BUG: one-hot raise


class SoftmaxNLL_IntLabels(SoftmaxNLL_ForwardIndexes_Bug):
    """Sparse labels only, in forward and backward."""

    def backward(self, dvalues, y_true):
        n = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(n), y_true] -= 1
        self.dinputs /= n
