"""Gradient checks for NumPy neural networks written in the NNFS style.

>>> from gradcheck import check_layer, check_loss, GradientError

The public names are loaded on first use (PEP 562), so that ``import gradcheck`` (which
pytest does for the plugin) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "GradcheckWarning",
    "GradientError",
    "GradientResult",
    "Report",
    "check_all",
    "check_derivative",
    "check_function",
    "check_layer",
    "check_loss",
    "check_model",
    "check_params",
]
__version__ = "0.1.0"

_WHERE = {
    "GradcheckWarning": "gradcheck.engine.frame",
    "GradientError": "gradcheck.report",
    "GradientResult": "gradcheck.report",
    "Report": "gradcheck.report",
    "check_all": "gradcheck.notebook",
    "check_derivative": "gradcheck.api",
    "check_function": "gradcheck.api",
    "check_layer": "gradcheck.api",
    "check_loss": "gradcheck.api",
    "check_model": "gradcheck.api",
    "check_params": "gradcheck.api",
}

if TYPE_CHECKING:
    from gradcheck.api import (
        check_derivative,
        check_function,
        check_layer,
        check_loss,
        check_model,
        check_params,
    )
    from gradcheck.engine.frame import GradcheckWarning
    from gradcheck.notebook import check_all
    from gradcheck.report import GradientError, GradientResult, Report


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradcheck' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
