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
them and re-exports what callers use. Nothing here imports Hypothesis; the engine is
imported only to verify a variant build (padding 0, overlapping windows) on one example.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np

from gradcheck.engine import capture
from gradcheck.engine.templates import template_reasons
from gradcheck.errors import SkipError, UserCodeError
from gradcheck.targets import searching, shapes
from gradcheck.targets.backward_only import plan_backward_only
from gradcheck.targets.backward_only import wrap_backward_only as wrap_backward_only
from gradcheck.targets.building import CONFIG_NAME as CONFIG_NAME
from gradcheck.targets.building import GUESSES as GUESSES
from gradcheck.targets.building import REGULARIZER_STRENGTH as REGULARIZER_STRENGTH
from gradcheck.targets.building import Constructor as Constructor
from gradcheck.targets.building import argument_defaults, as_axis, set_up_for
from gradcheck.targets.building import constructors as constructors
from gradcheck.targets.building import prepare as prepare
from gradcheck.targets.classes import Found as Found
from gradcheck.targets.classes import classify as classify
from gradcheck.targets.classes import find_classes as find_classes
from gradcheck.targets.classes import ignore_as_base, ignore_as_function_base
from gradcheck.targets.fused_probe import fused_specs
from gradcheck.targets.layer_probe import masked_checks, probe_layer
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
    given = config.get(found.cls.__name__) or config.get(found.name)
    builds, reason = constructors(found.cls, given)
    if reason is not None:
        if not given:
            ignore_as_function_base(found)  # (Activation(f, f_prime): its subclasses run)
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
            specs = _searched(found, build, planned.unchecked, planned.notes)
        except SkipError as exc:
            if ignore_as_base(found, str(exc)):
                return Planned(found, status="skip", reason=str(exc))
            return _unfinished(found, exc) or Planned(found, status="skip", reason=str(exc))
        except UserCodeError as exc:
            if ignore_as_base(found, str(exc)):
                return Planned(found, status="skip", reason=str(exc))
            return _unfinished(found, exc) or Planned(found, status="error", reason=str(exc))
        planned.specs += specs
    if not planned.specs:
        return Planned(found, status="skip", reason="no data it accepts was found")
    return planned


def _unfinished(found: Found, exc: Exception) -> Planned | None:
    """A concrete class whose probe failed because a method is still a template.

    Its forward or backward does nothing or only raises ``NotImplementedError``
    (:func:`~gradcheck.engine.templates.template_reasons`): ``unfinished``, not the
    student's error nor a class gradcheck cannot feed.
    """
    if found.subclasses:
        return None  # a base: its subclasses are the layers
    text = str(exc)
    reasons = [r for r in template_reasons(found.cls)[::-1]  # forward first: probed first
               if r.endswith("raises NotImplementedError") == ("NotImplementedError" in text)
               and ("raises" in r or "does nothing" in r)]
    if not reasons:
        return None
    return Planned(found, status="unfinished", reason=(
        f"an unfinished template: {reasons[0]} (fill it in, then check again): {text}"))


def _searched(found: Found, build: Constructor, unchecked: list[str],
              notes: list[str]) -> list[CheckSpec]:
    """The checks of ``build``, its searched arguments tried in turn, and its variants.

    The first combination of searched values (``searching.alternatives``) that builds and
    takes an input is checked; then the builds bugs hide at (padding 0, overlapping
    windows), each kept only when it builds and takes an input too.
    """
    first_error: UserCodeError | None = None
    chosen: tuple[Constructor, list[CheckSpec]] | None = None
    for values in searching.alternatives(build.searched) if build.searched else [{}]:
        attempt = build.with_fixed(values) if values else build
        try:
            chosen = attempt, _probe(found, attempt, unchecked)
            break
        except UserCodeError as exc:
            first_error = first_error or exc
    if chosen is None:
        assert first_error is not None
        raise first_error
    used, specs = chosen
    used.show_arguments()
    if found.kind != "layer":
        return specs
    defaults = argument_defaults(found.cls)
    settings = {**defaults, **used.fixed}
    for change, what in [*searching.variants(settings), *searching.branches(found.cls,
                                                                            settings)]:
        (name, value), = change.items()
        variant = used.with_fixed(change, variant=f"{what}: where bugs hide")
        with contextlib.suppress(UserCodeError, SkipError):
            more = _probe(found, variant, [])
            variant.show_arguments()
            for spec in more:
                failure = _variant_failure(found, variant, spec)
                if failure is None:
                    notes.append(f"also checked with {name}={value!r} ({what}, where bugs "
                                 "hide) on one random example: passed")
                else:
                    spec.failure = f"with {name}={value!r} ({what}), on a random example: " \
                        + failure
                    specs.append(spec)
    return specs


def _variant_failure(found: Found, build: Constructor, spec: CheckSpec) -> str | None:
    """One check of a variant build on random data (no ties): the failure, or ``None``.

    Variants are verified by one example, not drawn ones: drawn data has ties, where a
    max pooling with overlapping windows costs seconds per example at its kinks.
    """
    from gradcheck.api import check_layer

    if spec.batch_last:
        return None
    shape = spec.input_shape if spec.input_shape is not None else (spec.input_width or 4,)
    candidate = shapes.Candidate(tuple(shape), spec.input_domain, high=spec.input_high)
    inputs = shapes.probe_inputs(candidate, 3, np.random.default_rng(17))
    try:
        obj = user_call(f"{found.name}({build.label})", build.build, found.cls,
                        _probe_sizes(build))
        prepare(obj)
        set_up_for(obj, tuple(shape))
        with capture.captured(io.StringIO()):
            report = check_layer(obj, inputs, raise_on_failure=False, seed=0,
                                 training=True if spec.training else None)
    except (UserCodeError, SkipError, TypeError, ValueError):
        return None
    if report.status not in ("failed", "error"):
        return None
    details = [g.describe() for g in report.gradients if g.status in ("failed", "missing")]
    return "; ".join([*report.problems[:1], *details[:2]]) or f"{report.status}"


def _probe_sizes(build: Constructor, width: int | None = None) -> dict[str, int]:
    sizes = {n: _PROBE_SIZES[i % len(_PROBE_SIZES)] for i, n in enumerate(build.sizes)}
    if width is not None and build.input_size in sizes:
        sizes[build.input_size] = width
    return sizes


def _probe(found: Found, build: Constructor, unchecked: list[str]) -> list[CheckSpec]:
    sizes = _probe_sizes(build)
    obj = user_call(f"{found.name}({_call_text(build, sizes)})", build.build, found.cls, sizes)
    prepare(obj)
    if found.kind == "layer" and found.labels_in_backward:
        specs = fused_specs(found, build, obj)
        if specs:
            return specs
    if found.kind == "layer":
        spec = probe_layer(found, build, obj, sizes)
        return [spec, *masked_checks(found, obj, spec)]
    return probe_loss(found, build, obj, unchecked)


def _call_text(build: Constructor, sizes: dict[str, int]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in {**build.fixed, **sizes}.items())
