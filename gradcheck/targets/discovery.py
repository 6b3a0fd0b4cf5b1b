"""Find the NNFS-style classes a target defines, and work out how to build and feed them.

Three steps, each usable on its own:

1. :func:`load_target` (in :mod:`gradcheck.targets.loading`, re-exported here) loads a
   ``.py`` file or notebook (its definitions only, by default), a package directory or a
   module name and raises :class:`TargetError` (a one-line, user-facing message) when
   it cannot.
2. :func:`find_classes` lists the classes *defined* in the target (not imported into it)
   and sorts them into checkable, skipped (with a reason) and ignored (not the protocol:
   optimizers, models, accuracy helpers, base classes).
3. :func:`plan_checks` builds each checkable class and probes it with small cases to
   decide what data it accepts: the input width of a layer, the label kinds (sparse,
   one-hot, binary, continuous) and the prediction domain (probabilities, values in
   (0, 1), any real) of a loss. The result is one :class:`CheckSpec` per check to run.

The steps live in their own modules: :mod:`~gradcheck.targets.classes` (finding and
sorting), :mod:`~gradcheck.targets.building` (constructor arguments),
:mod:`~gradcheck.targets.layer_probe` and :mod:`~gradcheck.targets.loss_probe` (probing),
:mod:`~gradcheck.targets.backward_only` (fused classes without a forward) and
:mod:`~gradcheck.targets.specs` (what a check runs). This module plans one class with
them and re-exports what callers use. Nothing here imports Hypothesis or the engine.
"""

from __future__ import annotations

import contextlib
from typing import Any

from gradcheck.errors import SkipError, UserCodeError
from gradcheck.targets.backward_only import plan_backward_only
from gradcheck.targets.backward_only import wrap_backward_only as wrap_backward_only
from gradcheck.targets.building import CONFIG_NAME as CONFIG_NAME
from gradcheck.targets.building import GUESSES as GUESSES
from gradcheck.targets.building import REGULARIZER_STRENGTH as REGULARIZER_STRENGTH
from gradcheck.targets.building import Constructor as Constructor
from gradcheck.targets.building import as_axis
from gradcheck.targets.building import constructors as constructors
from gradcheck.targets.building import prepare as prepare
from gradcheck.targets.classes import Found as Found
from gradcheck.targets.classes import classify as classify
from gradcheck.targets.classes import find_classes as find_classes
from gradcheck.targets.layer_probe import probe_layer
from gradcheck.targets.loading import Target as Target
from gradcheck.targets.loading import TargetError as TargetError
from gradcheck.targets.loading import describe_exception as describe_exception
from gradcheck.targets.loading import load_target as load_target
from gradcheck.targets.loss_probe import probe_loss
from gradcheck.targets.probe_calls import user_call
from gradcheck.targets.specs import DOMAIN_TEXT as DOMAIN_TEXT
from gradcheck.targets.specs import LABEL_KINDS as LABEL_KINDS
from gradcheck.targets.specs import LABEL_TEXT as LABEL_TEXT
from gradcheck.targets.specs import CheckSpec as CheckSpec
from gradcheck.targets.specs import Planned as Planned

__all__ = ["TargetError", "plan_checks"]

_PROBE_SIZES = (3, 5, 4, 6, 7)


def plan_checks(found: Found, config: dict[str, list[dict[str, Any]]]) -> Planned:
    """Build ``found`` with small probe data and decide which checks to run.

    Parameters
    ----------
    found : Found
        A class with ``verdict == "check"`` (others are passed through as skipped).
    config : dict
        From :func:`load_config`.

    Returns
    -------
    Planned
        ``status == "error"`` when the user's own code raised while being built or probed
        (the message says where), ``"skip"`` when it cannot be built or fed.
    """
    if found.verdict == "skip":
        if found.kind == "fused" and callable(getattr(found.cls, "backward", None)):
            return plan_backward_only(found, config)
        return Planned(found, status="skip", reason=found.reason)
    builds, reason = constructors(found.cls, config.get(found.cls.__name__)
                                  or config.get(found.name))
    if reason is not None:
        return Planned(found, status="skip", reason=reason)
    planned = Planned(found)
    for build in builds:
        axis = as_axis(build)
        if axis is not None:
            # ``dim``/``axis`` is an axis (softmax over dim=-1) or a size (a norm layer's
            # width): the axis reading wins when it builds and takes 2-D inputs.
            with contextlib.suppress(SkipError, UserCodeError):
                specs = _probe(found, axis, [])
                if all(s.input_shape is None or len(s.input_shape) == 1 for s in specs):
                    planned.specs += specs
                    continue
        try:
            specs = _probe(found, build, planned.unchecked)
        except SkipError as exc:
            return Planned(found, status="skip", reason=str(exc))
        except UserCodeError as exc:
            return Planned(found, status="error", reason=str(exc))
        planned.specs += specs
    if not planned.specs:
        return Planned(found, status="skip", reason="no data it accepts was found")
    return planned


def _probe_sizes(build: Constructor, width: int | None = None) -> dict[str, int]:
    sizes = {n: _PROBE_SIZES[i % len(_PROBE_SIZES)] for i, n in enumerate(build.sizes)}
    if width is not None and build.input_size in sizes:
        sizes[build.input_size] = width
    return sizes


def _probe(found: Found, build: Constructor, unchecked: list[str]) -> list[CheckSpec]:
    sizes = _probe_sizes(build)
    obj = user_call(f"{found.name}({_call_text(build, sizes)})", build.build, found.cls, sizes)
    prepare(obj)
    if found.kind == "layer":
        return [probe_layer(found, build, obj, sizes)]
    return probe_loss(found, build, obj, unchecked)


def _call_text(build: Constructor, sizes: dict[str, int]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in {**build.fixed, **sizes}.items())
