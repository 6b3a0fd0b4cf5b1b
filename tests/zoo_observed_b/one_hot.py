"""Categorical cross-entropies with no one-hot branch in forward.

The family takes sparse and one-hot labels (the book's class has a branch for each). A
class whose backward handles one-hot labels while its forward raises on them is failed
for that kind; one that handles sparse labels only, in forward and backward, is checked on
sparse labels and says one-hot was not checked. Written here for the checker's tests
(numpy only); the bug is one line marked ``# BUG``.
"""

import numpy as np


class CategoricalCrossentropy_IntLabels:
    """Sparse labels only, in forward and backward: a narrower class, said as such."""

    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -np.log(p[np.arange(len(p)), y_true])

    def backward(self, dvalues, y_true):
        n = len(dvalues)
        self.dinputs = np.zeros_like(dvalues)
        self.dinputs[np.arange(n), y_true] = -1.0 / dvalues[np.arange(n), y_true] / n


class CategoricalCrossentropy_ForwardIndexes_Bug:
    """Backward takes both kinds; forward only sparse labels."""

    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -np.log(p[np.arange(len(p)), y_true])  # BUG: one-hot labels raise here

    def backward(self, dvalues, y_true):
        n, c = dvalues.shape
        if y_true.ndim == 1:
            y_true = np.eye(c)[y_true]
        self.dinputs = -y_true / dvalues / n


class SparseCategoricalCrossentropy(CategoricalCrossentropy_ForwardIndexes_Bug):
    """Sparse by its name (Keras's spelling): one-hot labels are not its family's."""
