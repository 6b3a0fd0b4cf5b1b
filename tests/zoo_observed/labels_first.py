"""Losses in Keras' and scikit-learn's order, written here: ``forward(y_true, y_pred)``
and ``backward(y_true, y_pred)`` returning the gradient for ``y_pred``. Each has a twin.

Called in the book's order (predictions first), every correct one failed: the mean
squared error as "sign flipped" (differentiated for its labels), the binary
cross-entropy fed logits as labels.
"""

import numpy as np


class MeanSquaredError:
    def forward(self, y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2)

    def backward(self, y_true, y_pred):
        return 2 * (y_pred - y_true) / y_true.size


class MeanSquaredError_Sign(MeanSquaredError):
    def backward(self, y_true, y_pred):
        return 2 * (y_true - y_pred) / y_true.size  # BUG: the sign


class BinaryCrossEntropy:
    def forward(self, y_true, y_pred):
        return -np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))

    def backward(self, y_true, y_pred):
        return ((1 - y_true) / (1 - y_pred) - y_true / y_pred) / np.size(y_true)


class BinaryCrossEntropy_Rows(BinaryCrossEntropy):
    def backward(self, y_true, y_pred):
        # BUG: divided by the rows, where forward's mean is over every element
        return ((1 - y_true) / (1 - y_pred) - y_true / y_pred) / len(y_true)


class QuadraticCost:
    """Nielsen's order and names: the desired output y, then the activations a."""

    def forward(self, y, a):
        return 0.5 * np.sum((a - y) ** 2) / len(a)

    def backward(self, y, a):
        return (a - y) / len(a)


class QuadraticCost_Unscaled(QuadraticCost):
    def backward(self, y, a):
        return a - y  # BUG: not divided by the number of samples
