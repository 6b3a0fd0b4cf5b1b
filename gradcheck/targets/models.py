"""Whole networks in a target: found, built, fed, and checked with ``check_model``.

A class is a network when it is a CS231n model (a ``loss`` method and no ``forward``:
``params`` is a dict once built) or the book's ``Model`` (``forward``, ``backward``, ``add``
and ``finalize``). It is built like any class (no-argument constructors, defaults, sizes;
arguments that cannot be guessed come from ``[tool.gradcheck.args.NAME]`` /
``GRADCHECK_ARGS``, else it is skipped naming that key); a CS231n model with a ``reg``
argument is also checked with ``reg=0.1``, so that its regularization terms are.

Data: ``N`` samples of the model's input shape (CS231n: the ``input_dim`` argument, or the
first weight matrix's rows; the book: the first dense layer's rows), labels over the
classes the scores show (``loss(X)`` without labels returns scores in CS231n), or targets
of the output's shape for the book's regression and binary losses.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from typing import Any

import numpy as np

from gradcheck.model_api import check_model
from gradcheck.protocol.model import model_kind
from gradcheck.report import ERROR, INCONCLUSIVE, PASSED, SKIPPED, Kind
from gradcheck.targets.discovery import (
    CONFIG_NAME,
    CheckSpec,
    Constructor,
    Found,
    Planned,
    constructors,
    describe_exception,
)
from gradcheck.targets.results import RANK, CheckResult, ClassResult

__all__ = ["layout", "plan_model", "run_model"]

SAMPLES = 4
REG = 0.1  # CS231n models with a ``reg`` argument are also checked with it this strong


def layout(cls: type) -> str | None:
    """``"cs231n"``, ``"book"`` or None: whether the class looks like a whole network."""
    def has(name: str) -> bool:
        return callable(inspect.getattr_static(cls, name, None))

    if has("loss") and not has("forward") and not has("backward"):
        return "cs231n"
    if all(has(m) for m in ("forward", "backward", "add", "finalize")):
        return "book"
    return None


def plan_model(found: Found, config: dict[str, list[dict[str, Any]]]) -> Planned | None:
    """A plan for a network class; None when ``found`` is no network.

    Parameters
    ----------
    found : Found
        A class discovery ignored (neither a layer nor a loss).
    config : dict
        Constructor arguments per class name (``load_config``).
    """
    kind = layout(found.cls)
    if kind is None:
        return None
    found = dataclasses.replace(found, kind=Kind.MODEL.value, verdict="check", reason="")
    given = config.get(found.cls.__name__) or config.get(found.name)
    builds, reason = constructors(found.cls, given)
    if reason is not None:
        return Planned(found, status="skip", reason=reason)
    if builds[0].sizes:
        names = ", ".join(builds[0].sizes)
        return Planned(found, status="skip", reason=(
            f"constructor argument(s) {names} size the network and cannot be guessed; give "
            f"them in {CONFIG_NAME} or [tool.gradcheck.args.{found.cls.__name__}]"
        ))
    params = inspect.signature(found.cls).parameters
    if kind == "cs231n" and "reg" in params and not (given and any("reg" in g for g in given)):
        strong = Constructor(fixed={**builds[0].fixed, "reg": REG},
                             shown={**builds[0].shown, "reg": REG}, label=f"reg={REG:g}")
        builds.append(strong)
    specs = [CheckSpec(found, build, Kind.MODEL.value) for build in builds]
    return Planned(found, specs=specs)


def _input_shape(model: Any, build: Constructor) -> tuple[int, ...] | None:
    given = build.fixed.get("input_dim")
    if given is None:
        default = inspect.signature(type(model)).parameters.get("input_dim")
        given = None if default is None else default.default
    if isinstance(given, int):
        return (given,)
    if isinstance(given, tuple | list) and all(isinstance(d, int) for d in given):
        return tuple(given)
    if model_kind(model) == "book":
        for layer in model.layers:
            weights = getattr(layer, "weights", None)
            if isinstance(weights, np.ndarray) and weights.ndim == 2:
                return (weights.shape[0],)
        return None
    first = next(iter(model.params.values()), None)
    if isinstance(first, np.ndarray) and first.ndim == 2:
        return (first.shape[0],)
    return None


def _data(model: Any, build: Constructor, rng: np.random.Generator) -> tuple[Any, Any]:
    """Inputs and labels the model takes, or a reason (str) why none were found."""
    shape = _input_shape(model, build)
    if shape is None:
        return None, "its input shape could not be found (give input_dim)"
    X = rng.standard_normal((SAMPLES, *shape))
    if model_kind(model) == "cs231n":
        scores = np.asarray(model.loss(X))  # CS231n: no labels, the scores
        return X, rng.integers(0, scores.shape[-1], SAMPLES)
    if getattr(model, "input_layer", None) is None:
        model.finalize()
    output = np.asarray(model.forward(X, False))
    loss = type(model.loss).__name__.lower()
    if "categorical" in loss or ("crossentropy" in loss and "binary" not in loss):
        return X, rng.integers(0, output.shape[-1], SAMPLES)
    if "binary" in loss:
        return X, (rng.random(output.shape) < 0.5).astype(float)
    return X, rng.standard_normal(output.shape)


def run_model(planned: Planned, *, seed: int = 0) -> ClassResult:
    """Check every planned build of a network class with :func:`check_model`.

    Parameters
    ----------
    planned : Planned
        From :func:`plan_model`.
    seed : int
        Seed of the data and of the check.
    """
    found = planned.found
    if planned.status != "check":
        status = SKIPPED if planned.status == "skip" else ERROR
        return ClassResult(found.name, found.kind, found.module, status, planned.reason)
    start = time.perf_counter()
    checks = []
    for spec in planned.specs:
        begun = time.perf_counter()
        try:
            model = spec.build.build(found.cls, {})
        except Exception as exc:  # noqa: BLE001 - the user's constructor
            checks.append(CheckResult(spec, ERROR, f"{found.name}(...) raised "
                                      f"{describe_exception(exc)}"))
            continue
        if layout(found.cls) == "book" and not (
            getattr(model, "layers", None) and hasattr(model, "loss")
        ):
            checks.append(CheckResult(spec, SKIPPED, (
                "the book's Model is assembled with add() and set(loss=...) in your code: "
                "check an assembled model with gradcheck.check_model(model, X, y)"
            )))
            continue
        if model_kind(model) is None:
            checks.append(CheckResult(spec, SKIPPED, "built, it holds no params dict"))
            continue
        try:
            X, y = _data(model, spec.build, np.random.default_rng(seed))
        except Exception as exc:  # noqa: BLE001 - the user's code
            checks.append(CheckResult(spec, ERROR, f"{found.name} raised "
                                      f"{describe_exception(exc)} on probe data"))
            continue
        if X is None:
            checks.append(CheckResult(spec, SKIPPED, f"{found.name}: {y}"))
            continue
        report = check_model(model, X, y, seed=seed, raise_on_failure=False)
        status = str(report.status)
        checks.append(CheckResult(
            spec, status, report.summary(), report=report, examples=1,
            passed=int(status == PASSED), inconclusive=int(status == INCONCLUSIVE),
            seconds=time.perf_counter() - begun,
        ))
    worst = min(checks, key=lambda c: RANK.get(c.status, 4))
    if worst.status == SKIPPED:
        return ClassResult(found.name, found.kind, found.module, SKIPPED, worst.message)
    message = worst.message
    if len(checks) > 1 and worst.status != PASSED:
        message = f"[{worst.spec.variant}] {message}"
    return ClassResult(found.name, found.kind, found.module, worst.status, message, checks,
                       seconds=time.perf_counter() - start)

