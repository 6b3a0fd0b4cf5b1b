"""What :func:`gradcheck.engine.numerics.compare` needs beyond single-coordinate moves.

Built from a :class:`~gradcheck.protocol.subject.Subject` for one variable (the inputs or
a parameter): an evaluator moving several coordinates at once (the joint kink test of
:mod:`gradcheck.engine.kinks`), the groups kinks are judged jointly in (one sample's row
of ``dinputs``; one parameter), and the magnitude of the intermediate results forward can
compute from each input (the rounding-noise cap for cancellation inside forward).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck.protocol.subject import Subject


def joint_kinks(subject: Subject, variable: Any, x: np.ndarray) -> dict[str, Any]:
    """Keyword arguments for ``compare``: ``at_direction``, ``groups``, ``intermediate``.

    ``variable`` has ``value`` (the array differentiated by) and ``param`` (its name, or
    ``None`` for the inputs).
    """
    value, param = variable.value, variable.param

    def at_direction(index: np.ndarray, steps: np.ndarray) -> np.ndarray:
        out = np.empty(steps.shape[0])
        for k, step in enumerate(steps):
            point = value.copy()
            point.reshape(-1)[index] += step
            if param is None:
                out[k] = subject.total(point)[0]
            else:
                out[k] = subject.total_with(x, {param: point})[0]
        return out

    options: dict[str, Any] = {"at_direction": at_direction}
    if param is None and value.ndim >= 2 and value.shape[0] > 0:
        options["groups"] = np.arange(value.size) // (value.size // value.shape[0])
    if param is None and subject.kind == "layer" and subject.dvalues is not None:
        options["intermediate"] = np.abs(value) * float(np.max(np.abs(subject.dvalues)))
    return options
