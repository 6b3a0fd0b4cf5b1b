"""CS231n-style functions in a target: pairs ``NAME_forward*`` / ``NAME_backward*`` and losses.

Discovery: in every module of the target, each function defined there whose name holds
``_backward`` is paired with the forward of the same stem (``conv_backward_naive`` with
``conv_forward_naive``; ``batchnorm_backward_alt`` with ``batchnorm_forward``; a variant
``conv_backward_naive_v2`` with ``conv_forward_naive`` when there is no
``conv_forward_naive_v2``; ``max_pool_backward`` with the only ``max_pool_forward_*``);
each function defined there whose name ends in ``_loss`` is a loss returning
``(loss, dx)``, and so is every function whose source returns ``(loss, gradient...)``
whatever its name (:mod:`gradcheck.targets.returning`: ``svm_loss_naive(W, X, y,
reg)``). Pairs whose backward is only imported (``from .layers import *``) are checked
where they are defined.

Arguments: from ``[tool.gradcheck.args.NAME]`` / ``GRADCHECK_ARGS`` (by the forward's or
the loss's name), else from the CS231n conventions whose arguments fit the signature
(:func:`gradcheck.strategies.function_arguments`), else from the parameter names
(``W``, ``X``, ``y``, ``reg``: :func:`gradcheck.targets.returning.roles`), else the pair
is skipped with that reason. Each example is drawn by Hypothesis (shrinking included)
and checked with :func:`gradcheck.check_function`, through the same runner as classes.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.protocol.derivative import same_parameters
from gradcheck.report import FAILED, PASSED
from gradcheck.targets.classes import Found
from gradcheck.targets.column_layout import (
    MEAN_NOTE,
    mean_parameters,
    undivided,
    with_chosen,
)
from gradcheck.targets.discovery import CONFIG_NAME, Target
from gradcheck.targets.loading import own_functions
from gradcheck.targets.results import Case
from gradcheck.targets.specs import CheckSpec, Planned

__all__ = [
    "Arguments",
    "FunctionCall",
    "FunctionPair",
    "KIND",
    "draw_function_case",
    "find_functions",
    "plan_functions",
    "run_function_engine",
]

KIND = "function"
# conventions whose names are prefixes of others: the longest match wins
_LOSSES = ("temporal_softmax_loss", "softmax_loss", "svm_loss")
# how many positional arguments each loss convention gives
_LOSS_ARITY = {"temporal_softmax_loss": 3, "softmax_loss": 2, "svm_loss": 2}


@dataclass
class FunctionPair:
    """What a function check runs: a forward and its backward (none for a loss function).

    ``owner``: the class whose bound method ``forward`` is (a loss object's ``__call__``
    returning ``(loss, grad)``: :mod:`gradcheck.targets.loss_objects`), else None.
    """

    forward: Callable[..., Any]
    backward: Callable[..., Any] | None
    convention: str | None
    owner: type | None = None


def _found(name: str, module: str, forward: Callable[..., Any],
           backward: Callable[..., Any] | None, convention: str | None, *,
           verdict: str = "check", reason: str = "") -> Found:
    """A function pair as the runner sees a class (listed when ``forward.backward`` is)."""
    return Found.function(FunctionPair(forward, backward, convention), name, module, KIND,
                          at=forward, listed=callable(getattr(forward, "backward", None)),
                          verdict=verdict, reason=reason)


@dataclass
class Arguments:
    """How the arguments of one check are made: a convention or the user's config."""

    label: str
    shown: dict[str, Any] = field(default_factory=dict)
    convention: str | None = None
    given: dict[str, Any] | None = None
    roles: dict[str, str] | None = None  # arguments drawn by their names (W, X, y, reg)
    layout: str = "rows"  # or "columns" (features x samples: Z = W @ A + b), or "vector"
    chosen: dict[str, str] | None = None  # a choice argument's value (activation="relu")


class FunctionCall:
    """The drawn arguments of one example (the runner's ``Case.obj``)."""

    __slots__ = ("args", "kwargs")

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.args, self.kwargs = args, kwargs


# ----------------------------------------------------------------------------- finding
def find_functions(target: Target) -> list[Found]:
    """Every function pair and loss function defined in the target's modules.

    Parameters
    ----------
    target : Target
        From :func:`gradcheck.targets.discovery.load_target`.

    Returns
    -------
    list of Found
        In definition order; ``verdict == "skip"`` with a reason for a backward of a known
        convention without its forward (other lone ``*_backward*`` functions are helpers).
    """
    from gradcheck.strategies import FUNCTION_CONVENTIONS
    from gradcheck.targets.loss_objects import loss_methods
    from gradcheck.targets.returning import gradient_functions

    found: list[Found] = []
    for module in target.modules:
        space = vars(module)
        functions = {k: v for k, v in space.items() if inspect.isfunction(v)}
        own = list(own_functions(module))
        before = len(found)
        for name in own:
            if "_backward" in name:
                stem, _, suffix = name.partition("_backward")
                forward_name = _forward_for(stem, suffix, functions)
                numpy_forward = _numpy_forward(stem, suffix, functions[name])
                if forward_name is None and numpy_forward is not None:
                    found.append(_found(name, module.__name__, numpy_forward,
                                        functions[name], None))
                    continue
                if forward_name is None:
                    if stem not in FUNCTION_CONVENTIONS:
                        continue  # a helper such as run_backward: not a pair
                    found.append(_found(
                        name, module.__name__, functions[name], None, None, verdict="skip",
                        reason=f"no forward function {stem}_forward{suffix} for it"))
                    continue
                if same_parameters(functions[forward_name], functions[name]):
                    continue  # elu_backward(x): a derivative (targets/derivatives.py)
                shown = forward_name
                if suffix and not forward_name.endswith(suffix):
                    shown = f"{forward_name}+{name}"  # a variant backward: name both
                convention = stem if stem in FUNCTION_CONVENTIONS else None
                found.append(_found(shown, module.__name__, functions[forward_name],
                                           functions[name], convention))
            elif name.endswith("_loss") and "_forward" not in name:
                convention = next((c for c in _LOSSES if name == c or (
                    name.startswith(c[: -len("_loss")]) and c in FUNCTION_CONVENTIONS
                )), None)
                found.append(_found(name, module.__name__, functions[name], None,
                                           convention))
        taken = {n for f in found[before:] for n in (f.subject.forward.__name__, getattr(
            f.subject.backward, "__name__", ""))}
        for name in gradient_functions(module, {k: functions[k] for k in own}, taken):
            convention = next((c for c in _LOSSES if name.startswith(c)), None)
            found.append(_found(name, module.__name__, functions[name], None,
                                       convention))
        for cls, method in loss_methods(module):  # loss, dscores = criterion(scores, y)
            found.append(Found.function(
                FunctionPair(method, None, None, owner=cls), cls.__qualname__,
                module.__name__, KIND, at=cls, listed=False))
    return found


#: numpy functions a file's ``<name>_backward(dout, x)`` is the backward of, when the
#: file defines no ``<name>`` itself (defined everywhere, smooth: any drawn x is valid)
NUMPY_FORWARDS = ("tanh", "exp", "sin", "cos", "arctan", "sinh", "cosh")


def _numpy_forward(stem: str, suffix: str,
                   backward: Callable[..., Any]) -> Callable[..., Any] | None:
    """``np.tanh`` for ``tanh_backward(dout, x)`` (two arguments, no cache), else None."""
    if suffix or stem not in NUMPY_FORWARDS:
        return None
    try:
        params = [p for p in inspect.signature(backward).parameters.values()
                  if p.default is p.empty]
    except (TypeError, ValueError):
        return None
    if len(params) != 2 or "cache" in params[1].name:
        return None
    function = getattr(np, stem)

    def forward(x: Any) -> Any:
        return function(x)

    forward.__name__ = forward.__qualname__ = f"np.{stem}"
    return forward


def _forward_for(stem: str, suffix: str, functions: dict[str, Any]) -> str | None:
    """``stem_forward + suffix``, or with the suffix's last parts dropped one by one."""
    parts = [p for p in suffix.split("_") if p]
    for keep in range(len(parts), -1, -1):
        candidate = f"{stem}_forward" + "".join(f"_{p}" for p in parts[:keep])
        if candidate in functions:
            return candidate
    # max_pool_backward with max_pool_forward_naive: the one forward of that stem
    others = [k for k in functions if k.startswith(f"{stem}_forward_")]
    if len(others) == 1:
        return others[0]
    # relu_backward(dout, x) with relu(x): a pair whose backward takes the inputs
    return stem if stem and not suffix and stem in functions else None


# ----------------------------------------------------------------------------- planning
def plan_functions(target: Target, config: dict[str, list[dict[str, Any]]]) -> list[Planned]:
    """A plan per function pair: arguments from the config or the conventions, else skip.

    Parameters
    ----------
    target : Target
        The imported target.
    config : dict
        From :func:`gradcheck.targets.discovery.load_config`: argument values by function
        name (``{"x": [[1.0, 2.0]], "w": {"shape": [2, 3]}, "conv_param": {...}}``).

    Returns
    -------
    list of Planned
    """
    plans = []
    for found in find_functions(target):
        pair: FunctionPair = found.subject
        if found.verdict == "skip":
            plans.append(Planned(found, status="skip", reason=found.reason))
            continue
        missing = _missing_names(found)
        if missing:
            plans.append(Planned(found, status="skip", reason=missing))
            continue
        given = config.get(pair.forward.__name__) or config.get(found.name)
        if given:
            specs = [CheckSpec(found, Arguments(
                "arguments given" if len(given) == 1 else f"arguments given #{i + 1}",
                shown=dict(entry), given=dict(entry)), KIND) for i, entry in enumerate(given)]
            plans.append(Planned(found, specs))
        elif pair.convention is not None and _fits(found):
            convention = pair.convention
            spec = CheckSpec(found, Arguments(f"CS231n convention: {convention}",
                                              convention=convention), KIND)
            plans.append(Planned(found, [spec]))
        else:
            plans.append(_by_names(found))
    return plans


def _fits(found: Found) -> bool:
    """Whether a loss convention's arguments fit the function's required arguments.

    ``svm_loss(x, y)`` fits the convention; ``svm_loss_naive(W, X, y, reg)`` does not
    (its arguments are drawn by their names instead).
    """
    pair: FunctionPair = found.subject
    arity = _LOSS_ARITY.get(pair.convention or "")
    if arity is None or pair.backward is not None:
        return True
    try:
        params = inspect.signature(pair.forward).parameters.values()
    except (TypeError, ValueError):
        return True
    required = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and p.default is p.empty]
    return len(required) == arity


def _by_names(found: Found) -> Planned:
    """A function's arguments drawn by their names, or the reason it is skipped.

    The layout is observed: samples in rows (``X @ W + b``) unless only features x
    samples (``W @ A + b``, ``b`` of shape ``(C, 1)``) runs. An argument compared with
    strings (``activation == "relu"``) gets one check per string. A loss's target is
    observed too: class labels, or continuous targets of the prediction's shape
    (:mod:`gradcheck.targets.regression`).
    """
    from gradcheck.targets.regression import observed_roles
    from gradcheck.targets.returning import choices, describe_roles, roles

    pair: FunctionPair = found.subject
    forward = pair.forward.__name__
    how = (f"give them in {CONFIG_NAME} = {{{forward!r}: {{...}}}} or "
           f"[tool.gradcheck.args.{forward}]")
    named, why = roles(pair.forward)
    if pair.backward is None and (not named or set(named.values()) == {"data", "labels"}):
        # pred and target, or x and y: labels or continuous targets, by observation
        named = observed_roles(pair.forward, named) or named
    if named and (pair.backward is None or "labels" not in named.values()):
        options = choices(pair.forward)
        picks = [{k: v} for k in named if named[k] == "choice" for v in options[k]] or [{}]
        if sum(r == "choice" for r in named.values()) > 1:
            return Planned(found, status="skip", reason=(
                f"{forward}: more than one argument chosen among strings: {how}"))
        layout = _layout(pair, named, picks[0])
        specs = [CheckSpec(found, Arguments(
            describe_roles(named, layout) + "".join(f", {k}={v!r}" for k, v in pick.items()),
            roles=named, layout=layout, chosen=pick), KIND) for pick in picks]
        return Planned(found, specs)
    if pair.backward is None:
        return Planned(found, status="skip", reason=(
            f"{forward}: {why}, no CS231n convention fits it and no arguments are given: "
            f"{how}"))
    return Planned(found, status="skip", reason=(
        f"no CS231n convention for {forward} and no arguments given: {why}; {how}"))


def _layout(pair: FunctionPair, named: dict[str, str], chosen: dict[str, str]) -> str:
    """The first layout the function runs with, every size different.

    ``"rows"`` (``X @ W + b``), ``"columns"`` (features x samples: ``W @ A + b``, ``b``
    ``(C, 1)``), ``"vector"`` (one weight vector and binary targets, logistic
    regression's ``costFunction(theta, X, y)``). A loss function must also return a
    gradient of the weights' shape.
    """
    from gradcheck.targets.returning import probe_arguments

    if "unrolled" in named.values():
        return "unrolled"  # (its length is found by calling it, at each draw's sizes)
    weights = [k for k, r in named.items() if r.startswith("weights")]
    if not weights:
        return "rows"
    layouts = ["rows", "columns"] + (["vector"] if named[weights[0]] == "weights" else [])
    for layout in layouts:
        args = probe_arguments(named, layout=layout, chosen=chosen)
        try:
            with np.errstate(all="ignore"):
                result = pair.forward(*args)
        except Exception:  # noqa: BLE001 - the user's code refusing a layout is the answer
            continue
        if pair.backward is None and not _gives_gradient_of(result, np.shape(
                args[list(named).index(weights[0])])):
            continue
        return layout
    return "rows"


def _gives_gradient_of(result: Any, shape: tuple[int, ...]) -> bool:
    """A loss function's result holds an array of ``shape`` after the loss."""
    if not isinstance(result, tuple) or len(result) < 2:
        return False
    rest = [v for r in result[1:] for v in (r.values() if isinstance(r, dict) else [r])]
    return any(np.shape(v) == shape for v in rest if isinstance(v, np.ndarray))


def _missing_names(found: Found) -> str:
    """Why a pair cannot run ("" when it can).

    It uses, directly or through the functions it calls (a few levels deep), a name its
    module failed to import: an unbuilt compiled extension such as ``im2col_cython``
    (the course's ``conv_relu_forward`` calls ``conv_forward_fast``, which needs it).
    """
    pair: FunctionPair = found.subject
    missing: list[str] = []
    seen: set[int] = set()
    queue = [(f, 0) for f in (pair.forward, pair.backward) if f is not None]
    while queue:
        function, depth = queue.pop(0)
        if id(function) in seen or not inspect.isfunction(function):
            continue
        seen.add(id(function))
        space = function.__globals__
        imported = _imported_names(function.__module__)
        for name in function.__code__.co_names:
            value = space.get(name)
            if value is None and name in imported and not hasattr(builtins, name):
                missing.append(name)
            elif inspect.isfunction(value) and depth < 3:
                queue.append((value, depth + 1))
    if not missing:
        return ""
    names = ", ".join(dict.fromkeys(missing))
    return (f"needs {names}, which its module could not import (a compiled extension that "
            "is not built? e.g. python setup.py build_ext --inplace)")


def _imported_names(module_name: str) -> frozenset[str]:
    """Names the module's source imports (whether or not the import succeeded)."""
    module = sys.modules.get(module_name)
    try:
        return _names_imported_by(inspect.getsource(module)) if module is not None \
            else frozenset()
    except (OSError, TypeError, SyntaxError):
        return frozenset()


@functools.lru_cache(maxsize=16)
def _names_imported_by(source: str) -> frozenset[str]:
    # keyed on the source text: every function of a pair, and every function it calls,
    # asks about its module again (a course file: dozens of times); a few files at most
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(names)


# ----------------------------------------------------------------------------- examples
def draw_function_case(spec: CheckSpec, draw: Callable[[Any], Any]) -> Case:
    """Draw one example's arguments (the runner's ``draw_case`` for functions)."""
    from hypothesis import strategies as st

    from gradcheck import strategies as gs

    pair: FunctionPair = spec.found.subject
    if spec.build.given is not None:
        args, kwargs = _from_config(spec, draw(st.integers(0, 2**32 - 1)))
    elif spec.build.roles is not None:
        from gradcheck.targets.returning import role_arguments

        args, kwargs = role_arguments(spec.build.roles, draw, layout=spec.build.layout,
                                      chosen=spec.build.chosen, function=pair.forward)
    else:
        assert spec.build.convention is not None
        args, kwargs = draw(gs.function_arguments(spec.build.convention))
    names = _names(pair.forward, len(args))
    arrays = {n: a for n, a in zip(names, args, strict=True) if isinstance(a, np.ndarray)}
    for n, a in zip(names, args, strict=True):  # a dict of parameters: params['W1'] (D, H)
        if isinstance(a, dict) and a and all(isinstance(v, np.ndarray) for v in a.values()):
            arrays.update({f"{n}[{k!r}]": v for k, v in a.items()})
    settings = {n: repr(a) for n, a in zip(names, args, strict=True)
                if not isinstance(a, np.ndarray) and not any(k.startswith(f"{n}[")
                                                             for k in arrays)}
    settings.update({k: repr(v) for k, v in kwargs.items()})
    seed = draw(st.integers(0, 2**16 - 1))
    return Case(FunctionCall(tuple(args), kwargs), arrays, settings, seed)  # type: ignore[arg-type]


def _names(function: Callable[..., Any], count: int) -> list[str]:
    from gradcheck.protocol.function import argument_names

    return argument_names(function, count)


def _from_config(spec: CheckSpec, seed: int) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Arguments from the user's values: lists become arrays, ``{"shape": [...]}`` draws.

    Values are matched to forward's parameters by name, in the signature's order; names
    that are not positional parameters are keyword arguments.
    """
    pair: FunctionPair = spec.found.subject
    rng = np.random.default_rng(seed)
    given = dict(spec.build.given or {})
    try:
        params = list(inspect.signature(pair.forward).parameters.values())
    except (TypeError, ValueError):
        params = []
    args: list[Any] = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        if p.name not in given:
            break
        args.append(_value(given.pop(p.name), rng))
    kwargs = {k: _value(v, rng) for k, v in given.items()}
    return tuple(args), kwargs


def _value(value: Any, rng: np.random.Generator) -> Any:
    if isinstance(value, dict) and set(value) <= {"shape", "dtype", "high"} and "shape" in value:
        shape = tuple(int(n) for n in value["shape"])
        if value.get("dtype", "float64") in ("int", "int64"):
            return rng.integers(0, int(value.get("high", 2)), shape)
        if value.get("dtype") == "bool":
            return rng.random(shape) < 0.5
        return rng.standard_normal(shape)
    if isinstance(value, list):
        array = np.array(value)
        return array.astype(np.float64) if array.dtype.kind == "f" else array
    return value


def run_function_engine(spec: CheckSpec, case: Any) -> tuple[Any, str | None]:
    """Check one example with :func:`gradcheck.check_function` (the runner's engine call)."""
    from gradcheck import check_function
    from gradcheck.targets.regression import predictions_first, targets_first

    pair: FunctionPair = spec.found.subject
    call: FunctionCall = case.obj
    backward = pair.backward
    if spec.build.chosen and backward is not None:  # linear_activation_backward(.., activation)
        backward = with_chosen(backward, spec.build.chosen)
    forward, args = pair.forward, call.args
    if spec.build.roles is not None and targets_first(spec.build.roles):
        forward, args = predictions_first(forward, args)  # loss(y_true, y_pred)

    def check(forward: Callable[..., Any], *args: Any) -> Any:
        return check_function(forward, backward, *args, seed=case.seed,
                              raise_on_failure=False, **call.kwargs)

    try:
        report = check(forward, *args)
        if report.status == FAILED and spec.build.layout == "columns" and spec.build.roles:
            report = _course_convention(report, check, pair, spec.build.roles, call.args)
    except (ValueError, TypeError) as exc:
        return None, f"the check rejected the call: {type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - never crash on one function
        from gradcheck.engine.blame import checker_raised

        return checker_raised(exc, spec.name, spec.kind)
    report.name = spec.found.name
    if pair.convention in _FLATTENING and report.status == FAILED:
        _note_unflattened(pair, call, report)
    return report, None


def _course_convention(report: Any, check: Callable[..., Any], pair: FunctionPair,
                       roles: dict[str, str], args: tuple[Any, ...]) -> Any:
    """The deeplearning.ai convention's report when it fails fewer gradients, else ``report``.

    Features x samples code divides its parameter gradients by the samples and not its
    input gradient (:mod:`gradcheck.targets.column_layout`). The convention that fails
    fewer gradients is reported, the course's on a tie: a backward dividing ``db`` and
    not ``dW`` fails on ``dW``, as the course reads it.
    """
    again = mean_parameters(check, pair.forward, roles, args)
    if again is None:
        return report
    failed = sum(g.status == FAILED for g in report.gradients)
    if sum(g.status == FAILED for g in again.gradients) > failed:
        return report
    again.notes.insert(0, MEAN_NOTE)
    undivided(again, roles, args)
    return again


# the conventions whose x is (N, d1, ..., dk), each example flattened (CS231n's affine)
_FLATTENING = ("affine", "affine_relu")


def _note_unflattened(pair: FunctionPair, call: FunctionCall, report: Any) -> None:
    """Say so when an affine fails only because its forward does not flatten x.

    CS231n's ``affine_forward`` takes ``x`` of shape ``(N, d1, ..., dk)`` and flattens
    each example; one written for 2-D ``x`` gives, at ``x`` of 3+ dimensions, an output
    that is not ``(N, M)`` and gradients of the wrong shape, which read like a missing
    ``keepdims``. When the same example with ``x`` flattened passes, the failed
    gradients say what is true instead.
    """
    from gradcheck import check_function

    x = call.args[0] if call.args else None
    if not isinstance(x, np.ndarray) or x.ndim <= 2:
        return
    flat = x.reshape(x.shape[0], -1)
    try:
        out = pair.forward(x.copy(), *call.args[1:], **call.kwargs)
        out = out[0] if isinstance(out, tuple) else out
        if np.ndim(out) == 2:
            return  # the forward flattens: the failure is its backward's, as reported
        again = check_function(pair.forward, pair.backward, flat, *call.args[1:],
                               raise_on_failure=False, **call.kwargs)
    except Exception:  # noqa: BLE001 - the note is optional; the failure stands
        return
    if again.status != PASSED:
        return
    note = (f"right for 2-D x, but x of shape {x.shape} is not flattened: CS231n's "
            "affine_forward takes x of shape (N, d1, ..., dk) and flattens each example "
            "(x.reshape(x.shape[0], -1)), and its backward reshapes dx back to x.shape")
    for g in report.gradients:
        if g.status == FAILED:
            g.diagnosis = note


@dataclass(frozen=True)
class _Functions:
    """How the runner draws and runs examples of function pairs (see ``targets/cases.py``)."""

    wider_first: bool = False

    def draw(self, spec: CheckSpec, draw: Callable[[Any], Any]) -> Case:
        return draw_function_case(spec, draw)

    def run(self, spec: CheckSpec, case: Case, *, dvalues: np.ndarray | None = None
            ) -> tuple[Any, str | None]:
        return run_function_engine(spec, case)

    def wider(self, spec: CheckSpec, case: Case, rng: np.random.Generator) -> Case | None:
        return None  # (the drawn arguments have no rows to widen in general)


FUNCTIONS = _Functions()
