"""Gradient checks for NumPy neural networks written in the NNFS style.

>>> from gradcheck import check_layer, check_loss, GradientError

The public API is what ``gradcheck.__all__`` lists (``dir(gradcheck)`` shows exactly that):

- the checks: :func:`check_layer`, :func:`check_loss`, :func:`check_function`,
  :func:`check_model`, :func:`check_params` and :func:`check_all` (every class of a
  notebook);
- their results: :class:`Report` (one per checked object), :class:`GradientResult` (one
  per gradient), :class:`Status` (a verdict: ``passed``, ``failed``, ...), :class:`Kind`
  (what was checked) and :class:`Checked` (what :func:`check_all` returns);
- the settings of every check: :func:`configure` (memory per stacked call, BLAS threads);
- what they raise or warn: :class:`GradientError`, :class:`GradcheckWarning`.

Public modules besides this façade: :mod:`gradcheck.errors` (every exception and
warning), :mod:`gradcheck.strategies` (Hypothesis strategies), :mod:`gradcheck.notebook`
(the ``%gradcheck`` magic), and the ``gradcheck`` command (``python -m gradcheck``) with
its pytest plugin.

**Everything else is internal** and may change in any release: the packages
:mod:`gradcheck.protocol`, :mod:`gradcheck.engine`, :mod:`gradcheck.targets` and the
modules of :mod:`gradcheck.cli` (``api.py``, ``model_api.py``, ``report.py``,
``views.py``, ``heatmaps.py`` are reached through the names above). Import from
``gradcheck`` or ``gradcheck.errors``.

The public names are loaded on first use (PEP 562), so that ``import gradcheck`` (which
pytest does for the plugin) stays cheap.
"""

import importlib as _importlib
import typing as _typing

__all__ = [
    "Checked",
    "GradcheckWarning",
    "GradientError",
    "GradientResult",
    "Kind",
    "Report",
    "Status",
    "check_all",
    "check_derivative",
    "check_engine",
    "check_function",
    "check_layer",
    "check_loss",
    "check_model",
    "check_params",
    "configure",
]
__version__ = "0.1.0"

_WHERE = {
    "Checked": "gradcheck.notebook",
    "GradcheckWarning": "gradcheck.errors",
    "GradientError": "gradcheck.errors",
    "GradientResult": "gradcheck.report",
    "Kind": "gradcheck.report",
    "Report": "gradcheck.report",
    "Status": "gradcheck.report",
    "check_all": "gradcheck.notebook",
    "check_derivative": "gradcheck.api",
    "check_engine": "gradcheck.autograd_api",
    "check_function": "gradcheck.api",
    "check_layer": "gradcheck.api",
    "check_loss": "gradcheck.api",
    "check_model": "gradcheck.api",
    "check_params": "gradcheck.api",
    "configure": "gradcheck.settings",
}

if _typing.TYPE_CHECKING:
    from gradcheck.api import (
        check_derivative,
        check_function,
        check_layer,
        check_loss,
        check_model,
        check_params,
    )
    from gradcheck.autograd_api import check_engine
    from gradcheck.errors import GradcheckWarning, GradientError
    from gradcheck.notebook import Checked, check_all
    from gradcheck.report import GradientResult, Kind, Report, Status
    from gradcheck.settings import configure


def __getattr__(name: str) -> object:
    if name in _WHERE:
        value = getattr(_importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradcheck' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
