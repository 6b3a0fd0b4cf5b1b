"""Cross-entropies in Keras' order, ``forward(y_true, y_pred)``, with a branch per label kind.

The twin's one-hot branch has a typo (``np.sum(..., axix=1)``): it raises on one-hot
labels inside the code's own ``if`` for them, a bug of that branch, as in the book's
order (``tests/zoo_observed_b/losses.py``).
"""

import numpy as np


class CategoricalCrossentropyKeras:
    def forward(self, y_true, y_pred):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(len(clipped)), y_true]
        elif len(y_true.shape) == 2:
            confidences = np.sum(clipped * y_true, axis=1)
        return -np.log(confidences)

    def backward(self, y_true, y_pred):
        samples, labels = y_pred.shape
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / y_pred / samples


class CategoricalCrossentropyKeras_Bug:
    def forward(self, y_true, y_pred):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(len(clipped)), y_true]
        elif len(y_true.shape) == 2:
            confidences = np.sum(clipped * y_true, axix=1)  # a typo: raises TypeError
        return -np.log(confidences)

    def backward(self, y_true, y_pred):
        samples, labels = y_pred.shape
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / y_pred / samples
