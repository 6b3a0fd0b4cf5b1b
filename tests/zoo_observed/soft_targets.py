"""A KL divergence of probability rows against soft targets, written as it reads
(``t * log(t / p)``), and a twin not divided by the number of samples.

Before, it was an ``error``: it takes neither sparse, one-hot nor binary labels (a target
of 0 gives ``0 * log 0``), and soft targets were never tried for a loss returning a
scalar. Soft targets are drawn inside (0, 1).
"""

import numpy as np


class KLDivergence:
    def forward(self, p_pred, p_true):
        return np.sum(p_true * np.log(p_true / p_pred)) / len(p_pred)

    def backward(self, dvalues, p_true):
        self.dinputs = -p_true / dvalues / len(dvalues)


class KLDivergence_Summed(KLDivergence):
    def backward(self, dvalues, p_true):
        self.dinputs = -p_true / dvalues  # BUG: not divided by the number of samples
