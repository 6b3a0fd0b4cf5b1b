"""Kinks near the point, closer than the finite-difference step, in a parameter's path.

A bias shared by every row moves every row's ReLU unit at once: kinks of different rows
sit at different offsets, some within the step. The correct classes take each row's own
side; each bug is off by a few percent, less than the jump of the kink in the step.
"""

import numpy as np


class BiasRelu:
    """``relu(inputs + biases)`` with one bias per feature."""

    def __init__(self, n_features=1):
        self.biases = np.zeros((1, n_features))

    def forward(self, inputs):
        self.hidden = inputs + self.biases
        self.output = np.maximum(0, self.hidden)

    def backward(self, dvalues):
        d = dvalues * (self.hidden > 0)
        self.dbiases = d.sum(axis=0, keepdims=True)
        self.dinputs = d


class BiasRelu_ScaledBias(BiasRelu):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = self.dbiases * 1.05  # BUG: 5% too large


def one_row_off_by_part_of_a_step(part=0.7):
    """Row 0 sits below its kink by ``part`` steps (of the bias), row 1 well above it."""
    step = float(np.cbrt(np.finfo(np.float64).eps))
    return np.array([[-part * step], [1.0]])


class BiasRelu_ShrunkBias(BiasRelu):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = self.dbiases * 0.95  # BUG: 5% too small


def one_row_at_its_kink_another_within_the_step(part=0.7):
    """Row 0 exactly at its kink, row 1 below its own by ``part`` steps, row 2 above.

    The bias's one-sided derivatives are 2 (right) and 1 (left) once the steps no longer
    reach row 1's kink; at the first step they mix in row 1's.
    """
    step = float(np.cbrt(np.finfo(np.float64).eps))
    return np.array([[0.0], [-part * step], [1.0]])
