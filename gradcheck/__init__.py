"""Gradient checks for NumPy neural networks written in the NNFS style.

>>> from gradcheck import check_layer, check_loss, GradientError
"""

from gradcheck._check import GradcheckWarning, check_layer, check_loss
from gradcheck._report import GradientError, GradientResult, Report

__all__ = [
    "GradcheckWarning",
    "GradientError",
    "GradientResult",
    "Report",
    "check_layer",
    "check_loss",
]
__version__ = "0.1.0"
