"""The book's Dense -> ReLU -> Dense as one object, and its unmasked-bias bug, alone.

A small CLI target (the two classes of :mod:`ties` that the CLI once judged wrong on
some seeds: a correct parameter gradient failed where rows sat at their kinks at
offsets finer than the step).
"""

from .ties import DenseReluDense as _Correct
from .ties import DenseReluDense_UnmaskedBias as _Unmasked


class DenseReluDense(_Correct):
    """Correct: every gradient, the biases' masked by ``hidden <= 0``."""


class DenseReluDense_UnmaskedBias(_Unmasked):
    """Bug: the hidden biases' gradient summed before the ReLU mask."""
