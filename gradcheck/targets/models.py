"""Whole networks in a target: found, built, fed, and checked with ``check_model``.

A class is a network when it has a loss method and no ``forward``/``backward`` (a CS231n
model with a ``params`` dict, or a model keeping its arrays as attributes: CS231n's
``LinearSVM`` with ``self.W``), Nielsen's ``Network`` (``backprop`` and ``feedforward``),
or the book's ``Model`` (``forward``, ``backward``, ``add`` and ``finalize``). An abstract
base (a loss method that only passes or raises ``NotImplementedError``, subclassed in the
target) is not checked.

Built like any class (no-argument constructors, defaults; arguments that cannot be
guessed come from ``[tool.gradcheck.args.NAME]`` / ``GRADCHECK_ARGS``, else it is
skipped naming that key), with the sizes of the courses and books read from their names
(``input_size``/``input_dim`` 5, ``hidden_size`` 7, ``hidden_dims`` ``[6, 4]``,
``output_size``/``num_classes`` 3, ``sizes`` ``[5, 4, 3]``; a size given a default above
32, such as ``3 * 32 * 32``, is made small too); ``std``/``weight_scale`` 5e-2 when they
have no default or one below 1e-2, and ``dtype=np.float64``, as the course's own gradient
checks build their models. A model with a ``reg`` argument, in its constructor or in its loss
method, is also checked with ``reg > 0`` so that its regularization terms are.
``self.W = None`` (created by ``train()``) is set to ``0.01 * randn(5, 3)`` first.

Data: ``N`` samples of the model's input shape, labels over the classes the scores show
(``loss(X)`` without labels returns scores in CS231n), targets of the output's shape for
the book's regression and binary losses; Nielsen's networks get ``SAMPLES`` samples, each
a column vector ``x`` with a one-hot ``y`` (``backprop`` takes one sample: it is called
once per sample and the nablas summed, as ``update_mini_batch`` does).

An exception raised inside gradcheck while doing this is reported as a gradcheck bug,
never as the user's error.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from gradcheck.model_api import check_model
from gradcheck.protocol.model import model_kind
from gradcheck.protocol.model_layouts import attribute_params
from gradcheck.protocol.source import function_tree
from gradcheck.report import ERROR, INCONCLUSIVE, PASSED, SKIPPED, UNFINISHED, Kind
from gradcheck.targets.discovery import (
    CONFIG_NAME,
    CheckSpec,
    Constructor,
    Found,
    Planned,
    constructors,
    describe_exception,
)
from gradcheck.targets.results import RANK, CheckResult, ClassResult, not_run
from gradcheck.targets.scripts import missing_names, missing_reason

__all__ = ["NetworkSpec", "layout", "plan_model", "run_model"]

SAMPLES = 4
REG = 0.1  # networks with a ``reg`` argument are also checked with it this strong
LINEAR_SCALE = 0.01

# Sizes read from the names courses and books give them (distinct, so shapes tell apart).
_SIZES: dict[str, Any] = {
    **dict.fromkeys(("input_size", "input_dim", "n_input", "n_inputs", "num_inputs",
                     "in_dim", "input_units", "n_x", "D"), 5),
    **dict.fromkeys(("hidden_size", "hidden_dim", "n_hidden", "num_hidden", "hidden_units",
                     "n_h", "H"), 7),
    **dict.fromkeys(("output_size", "output_dim", "num_classes", "n_classes", "n_output",
                     "n_outputs", "num_outputs", "n_y", "C"), 3),
    **dict.fromkeys(("hidden_dims", "hidden_sizes", "hidden_layers"), [6, 4]),
    **dict.fromkeys(("sizes", "layer_sizes", "layers_dims", "layer_dims", "layers"),
                    [5, 4, 3]),
}
_SCALES = ("std", "weight_scale", "init_std", "weight_init_std", "scale")
_REGULARIZERS = ("reg", "lambd", "lmbda", "lambda_", "l2", "reg_strength", "weight_decay")
_LARGE = 32  # a size default above this is replaced by a small one

@dataclasses.dataclass
class NetworkSpec(CheckSpec):
    """A network's check: a :class:`CheckSpec` with the loss method's keyword arguments."""

    loss_kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def variant(self) -> str:
        """The build's label and the loss's keyword arguments."""
        base = super().variant
        if not self.loss_kwargs:
            return base
        shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v!r}"
                          for k, v in self.loss_kwargs.items())
        return shown if base == "default" else f"{base}; loss {shown}"


def layout(cls: type) -> str | None:
    """``"cs231n"``, ``"nielsen"``, ``"book"`` or None: whether ``cls`` is a whole network.

    ``"cs231n"`` covers every class with a loss method and no forward/backward (a
    ``params`` dict or array attributes, told apart once built).
    """
    def has(name: str) -> bool:
        return callable(inspect.getattr_static(cls, name, None))

    if has("backprop") and has("feedforward"):
        return "nielsen"
    if has("loss") and not has("forward") and not has("backward"):
        return "cs231n"
    if all(has(m) for m in ("forward", "backward", "add", "finalize")):
        return "book"
    return None


def _abstract(cls: type, method: str) -> bool:
    """Whether ``cls.method`` only passes, returns nothing or raises NotImplementedError."""
    function = inspect.getattr_static(cls, method, None)
    definition = function_tree(function) if function is not None else None
    if not isinstance(definition, ast.FunctionDef):
        return False
    for statement in definition.body:
        if isinstance(statement, ast.Pass) or (
            isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        ):
            continue
        if isinstance(statement, ast.Raise) and "NotImplementedError" in ast.unparse(statement):
            continue
        if isinstance(statement, ast.Return) and statement.value is None:
            continue
        return False
    return True


def _automatic(cls: type) -> dict[str, Any]:
    """Constructor sizes and scales read from their names (see the module's docstring)."""
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return {}
    chosen: dict[str, Any] = {}
    for p in params:
        required = p.default is inspect.Parameter.empty
        if p.name in _SIZES:
            value = _SIZES[p.name]
            large = isinstance(p.default, int) and not isinstance(p.default, bool) and \
                p.default > _LARGE
            if required or large:
                chosen[p.name] = list(value) if isinstance(value, list) else value
        elif p.name in _SCALES and (required or (
                isinstance(p.default, float) and p.default < 1e-2)):
            chosen[p.name] = 5e-2  # as the course's own gradient checks
        elif p.name == "dtype" and p.default is not inspect.Parameter.empty \
                and p.default is not np.float64:
            chosen[p.name] = np.float64  # as the course's own gradient checks
    return chosen


def _loss_variants(cls: type, kind: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The keyword arguments of the loss method's checks, or why it cannot be called."""
    method = "backprop" if kind == "nielsen" else "loss"
    try:
        params = list(inspect.signature(getattr(cls, method)).parameters.values())[1:]
    except (TypeError, ValueError, AttributeError):
        return [{}], None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    extra = positional[2:] + [p for p in params if p.kind is p.KEYWORD_ONLY]
    required = [p.name for p in extra if p.default is inspect.Parameter.empty]
    regularizers = [p.name for p in extra if p.name.lower() in _REGULARIZERS]
    unknown = [n for n in required if n not in regularizers]
    if unknown:
        return [], (f"{cls.__name__}.{method} needs {', '.join(unknown)}, which cannot be "
                    "guessed")
    if not regularizers:
        return [{}], None
    strong = dict.fromkeys(regularizers, REG)
    if required:
        return [strong], None
    return [{}, strong], None


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
    if kind == "cs231n" and _abstract(found.cls, "loss") and found.cls.__subclasses__():
        return None  # an abstract base: its subclasses are the networks
    found = dataclasses.replace(found, kind=Kind.MODEL.value, verdict="check", reason="")
    missing = missing_names(found.cls)
    if missing:
        return Planned(found, status="skip", reason=missing_reason(missing))
    given = config.get(found.cls.__name__) or config.get(found.name)
    automatic = _automatic(found.cls)
    wanted = [{**automatic, **g} for g in given] if given else [automatic]
    builds, reason = constructors(found.cls, wanted)
    if reason is not None:
        return Planned(found, status="skip", reason=reason)
    if builds[0].sizes:
        names = ", ".join(builds[0].sizes)
        return Planned(found, status="skip", reason=(
            f"constructor argument(s) {names} size the network and cannot be guessed; give "
            f"them in {CONFIG_NAME} or [tool.gradcheck.args.{found.cls.__name__}]"
        ))
    builds = [b for b in builds if "regularizers=" not in b.label]  # reg handled below
    for b in builds:
        b.label = b.label.replace(repr(np.float64), "np.float64")
    params = inspect.signature(found.cls).parameters
    if kind == "cs231n" and "reg" in params and not (given and any("reg" in g for g in given)):
        strong = Constructor(fixed={**builds[0].fixed, "reg": REG},
                             shown={**builds[0].shown, "reg": REG},
                             label=(f"{builds[0].label}, " if builds[0].label != "default"
                                    else "") + f"reg={REG:g}")
        builds.append(strong)
    variants, why = _loss_variants(found.cls, kind)
    if why is not None:
        return Planned(found, status="skip", reason=why)
    if kind == "nielsen":
        builds = _with_costs(found.cls, builds, given)
    specs: list[CheckSpec] = []
    for build in builds:
        for kwargs in variants if "reg=" not in build.label else [{}]:
            specs.append(NetworkSpec(found, build, Kind.MODEL.value, loss_kwargs=kwargs))
    return Planned(found, specs=specs)


def _with_costs(cls: type, builds: list[Constructor],
                given: list[dict[str, Any]] | None) -> list[Constructor]:
    """Nielsen's ``Network(sizes, cost=...)``: one build per cost class of its module.

    A cost class has ``fn`` and ``delta`` (``QuadraticCost``, ``CrossEntropyCost``).
    """
    params = inspect.signature(cls).parameters
    if "cost" not in params or (given and any("cost" in g for g in given)):
        return builds
    module = sys.modules.get(cls.__module__)
    costs = [v for v in vars(module).values() if inspect.isclass(v)
             and v.__module__ == cls.__module__ and callable(getattr(v, "fn", None))
             and callable(getattr(v, "delta", None))] if module is not None else []
    if not costs:
        return builds
    out = []
    for build in builds:
        for cost in costs:
            label = (f"{build.label}, " if build.label != "default" else "") + \
                f"cost={cost.__name__}"
            out.append(Constructor(fixed={**build.fixed, "cost": cost},
                                   shown={**build.shown, "cost": cost.__name__},
                                   positional_only=list(build.positional_only), label=label))
    return out


def _input_shape(model: Any, build: Constructor) -> tuple[int, ...] | None:
    given = next((build.fixed[n] for n in ("input_dim", "input_size", "D", "n_x")
                  if n in build.fixed), None)
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
    arrays = model.params if model_kind(model) == "cs231n" else attribute_params(model)
    first = next(iter(arrays.values()), None)
    if isinstance(first, np.ndarray) and first.ndim == 2:
        return (first.shape[0],)
    return None


@dataclasses.dataclass
class _Unfinished:
    """The model returned nothing usable on probe data (an unfinished template)."""

    message: str


def _data(model: Any, build: Constructor, rng: np.random.Generator) -> tuple[Any, Any]:
    """Inputs and labels the model takes, or a reason (str) why none were found."""
    kind = model_kind(model)
    if kind == "nielsen":
        weights = model.weights
        if not weights or not all(isinstance(w, np.ndarray) and w.ndim == 2 for w in weights):
            return None, "its weights are not a list of 2-D arrays"
        x = rng.standard_normal((weights[0].shape[1], SAMPLES))  # a sample per column
        y = np.zeros((weights[-1].shape[0], SAMPLES))
        y[rng.integers(0, len(y), SAMPLES), np.arange(SAMPLES)] = 1.0
        return x, y
    shape = _input_shape(model, build)
    if shape is None:
        return None, "its input shape could not be found (give input_dim)"
    X = rng.standard_normal((SAMPLES, *shape))
    if kind == "attributes":
        arrays = attribute_params(model)
        W = next((a for a in arrays.values() if a.ndim == 2), None)
        if W is None:
            return None, "no 2-D weight array among its attributes"
        return X, rng.integers(0, W.shape[-1], SAMPLES)
    if kind == "cs231n":
        scores = model.loss(X)  # CS231n: no labels, the scores
        if not isinstance(scores, np.ndarray) or scores.ndim < 1 or scores.dtype.kind not in "fi":
            return None, _Unfinished(
                f"loss(X) without labels returned {type(scores).__name__}, not the scores "
                "(an unfinished template? it must return the class scores when y is None)"
            )
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


def _initialise(model: Any, rng: np.random.Generator) -> str | None:
    """``self.W = None`` until ``train()``: a small random W, and a note saying so."""
    if model_kind(model) != "attributes" or getattr(model, "W", 0) is not None:
        return None
    size = _SIZES["input_size"], _SIZES["num_classes"]
    model.W = LINEAR_SCALE * rng.standard_normal(size)
    return (f"W was None (train() creates it): set to {LINEAR_SCALE:g} * randn"
            f"{size} for the check")


_OWN = str(Path(__file__).resolve().parents[1])


def _checker_bug(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by gradcheck's own code (its innermost frame is ours)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and str(Path(frames[-1].filename).resolve()).startswith(_OWN)


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
        return not_run(planned)
    start = time.perf_counter()
    checks = [_run_one(found, spec, seed) for spec in planned.specs]
    worst = min(checks, key=lambda c: RANK.get(c.status, 4))
    if worst.status == SKIPPED:
        return ClassResult(found.name, found.kind, found.module, SKIPPED, worst.message)
    message = worst.message
    if len(checks) > 1 and worst.status != PASSED:
        message = f"[{worst.spec.variant}] {message}"
    return ClassResult(found.name, found.kind, found.module, worst.status, message, checks,
                       seconds=time.perf_counter() - start)


def _run_one(found: Found, spec: CheckSpec, seed: int) -> CheckResult:
    begun = time.perf_counter()
    try:
        model = spec.build.build(found.cls, {})
    except Exception as exc:  # noqa: BLE001 - the user's constructor
        return CheckResult(spec, ERROR, f"{found.name}(...) raised {describe_exception(exc)}")
    if layout(found.cls) == "book" and not (
        getattr(model, "layers", None) and hasattr(model, "loss")
    ):
        return CheckResult(spec, SKIPPED, (
            "the book's Model is assembled with add() and set(loss=...) in your code: "
            "check an assembled model with gradcheck.check_model(model, X, y)"
        ))
    if model_kind(model) is None:
        return CheckResult(spec, SKIPPED, (
            "built, it holds neither a params dict nor weight arrays (nor W = None) for its "
            "loss method"
        ))
    rng = np.random.default_rng(seed)
    note = _initialise(model, rng)
    try:
        X, y = _data(model, spec.build, rng)
    except Exception as exc:  # noqa: BLE001 - the user's code, or ours
        if _checker_bug(exc):
            return CheckResult(spec, ERROR, (
                f"gradcheck could not prepare data for {found.name} (a gradcheck bug, "
                f"please report it: {type(exc).__name__}: {exc})"
            ))
        return CheckResult(spec, ERROR, f"{found.name} raised {describe_exception(exc)} "
                                        "on probe data")
    if isinstance(y, _Unfinished):  # never passed, never an error: the student's to finish
        return CheckResult(spec, UNFINISHED, f"{found.name}.{y.message}")
    if X is None:
        return CheckResult(spec, SKIPPED, f"{found.name}: {y}")
    kwargs = getattr(spec, "loss_kwargs", {})
    try:
        report = check_model(model, X, y, seed=seed, raise_on_failure=False,
                             loss_kwargs=kwargs or None)
    except Exception as exc:  # noqa: BLE001 - check_model refused it: never the user's error
        return CheckResult(spec, ERROR, (
            f"gradcheck could not check {found.name} (a gradcheck bug, please report it: "
            f"{type(exc).__name__}: {exc})"
        ))
    if note:
        report.notes.insert(0, note)
    status = str(report.status)
    return CheckResult(
        spec, status, report.summary(), report=report, examples=1,
        passed=int(status == PASSED), inconclusive=int(status == INCONCLUSIVE),
        seconds=time.perf_counter() - begun,
    )
