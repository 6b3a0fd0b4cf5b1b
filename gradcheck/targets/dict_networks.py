"""deeplearning.ai-style networks: functions over a ``parameters`` dict, found in a file.

The course writes a network as functions: ``forward_propagation<suffix>(X, parameters,
...) -> (A, cache)``, ``backward_propagation<suffix>(X, Y, cache, ...) -> dict`` of
gradients keyed ``dW1, db1, ...`` (beside ``dA1``, ``dZ1``), and a cost
``compute_cost<suffix>(A, Y, ...)``, features x samples. Each such forward/backward pair
(``forward_propagation_with_dropout`` with ``backward_propagation_with_dropout``) is
found by its names (nothing is called to find it) and checked with
:func:`gradcheck.check_params` over parameters ``W1, b1, ..., WL, bL`` of the layers the
forward reads (``parameters["W3"]``): 4 inputs, hidden layers of 5 and 3 units (more as
needed), 1 output unit, 6 samples, binary labels. Settings take the course's values:
``keep_prob=0.7``, ``lambd=0.7``. The cost is the one of the same suffix
(``compute_cost_with_regularization`` for ``..._with_regularization``), else
``compute_cost``. The random state is pinned before every evaluation, so unseeded
dropout draws the same masks in the loss and in the gradients.
"""

from __future__ import annotations

import ast
import inspect
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.model_api import check_params
from gradcheck.protocol.source import function_tree
from gradcheck.report import Kind
from gradcheck.targets.classes import Found
from gradcheck.targets.loading import Target, own_functions
from gradcheck.targets.results import ClassResult, checked_once, not_run
from gradcheck.targets.specs import Called, CheckSpec, Planned

__all__ = ["DictNetwork", "find_dict_networks", "plan_dict_networks", "run_dict_network"]

SETTINGS = {"keep_prob": 0.7, "lambd": 0.7, "lambda_": 0.7, "lamb": 0.7}
INPUTS, SAMPLES, HIDDEN = 4, 6, (5, 3, 4, 3, 5)
_X, _Y = ("X", "x"), ("Y", "y")
_CACHE = ("cache", "caches")
_PARAMETERS = ("parameters", "params")


@dataclass
class DictNetwork:
    """What a pair's check runs: its forward, backward and cost, and how many layers."""

    forward: Any
    backward: Any
    cost: Any
    layers: int


def _variant(layers: int, settings: dict[str, Any]) -> str:
    """The layer sizes and settings used (the row's variant)."""
    dims = [INPUTS, *HIDDEN[: layers - 1], 1]
    return ", ".join([f"layer_dims={dims}"] + [f"{k}={v:g}" for k, v in settings.items()])


def _layers(function: Any) -> int:
    """How many layers the forward reads: the largest ``N`` of its ``"WN"`` keys."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return 0
    numbers = [int(n) for n in re.findall(r"""["']W(\d+)["']""", source)]
    if not numbers:  # parameters["W" + str(l)] in a loop over len(parameters) // 2
        return 2 if re.search(r"""["']W["']\s*\+""", source) else 0
    return max(numbers)


def _returns_dict(function: Any) -> bool:
    tree = function_tree(function)
    if tree is None:
        return False
    dicts = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
             and isinstance(n.value, ast.Dict) for t in n.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None:
            if isinstance(node.value, ast.Dict) or (
                isinstance(node.value, ast.Name) and node.value.id in dicts
            ):
                return True
    return False


def find_dict_networks(target: Target) -> list[Found]:
    """Every ``forward_propagation*`` / ``backward_propagation*`` pair of the target."""
    found = []
    for module in target.modules:
        functions = own_functions(module)
        for name, backward in functions.items():
            if not name.startswith("backward_propagation"):
                continue
            suffix = name[len("backward_propagation"):]
            forward = functions.get("forward_propagation" + suffix)
            cost = functions.get("compute_cost" + suffix) or functions.get("compute_cost")
            if forward is None or cost is None or not _returns_dict(backward):
                continue
            layers = _layers(forward)
            if layers:
                network = DictNetwork(forward, backward, cost, layers)
                found.append(Found.function(network, f"forward_propagation{suffix}",
                                            module.__name__, Kind.MODEL.value, at=forward,
                                            listed=True))
    return found


def _settings(function: Any) -> tuple[dict[str, Any], list[str]]:
    """Values for the arguments after the data and the parameters; names left unknown."""
    settings: dict[str, Any] = {}
    unknown = []
    for p in list(inspect.signature(function).parameters.values()):
        if p.name in (*_X, *_Y, *_CACHE, *_PARAMETERS) or p.name.upper() in ("A3", "AL"):
            continue
        if p.name in SETTINGS:
            settings[p.name] = SETTINGS[p.name]
        elif p.default is inspect.Parameter.empty:
            unknown.append(p.name)
    return settings, unknown


def plan_dict_networks(target: Target) -> list[Planned]:
    """A plan per pair: its settings from their names, else skipped naming them."""
    plans = []
    for found in find_dict_networks(target):
        network: DictNetwork = found.subject
        settings: dict[str, Any] = {}
        unknown: list[str] = []
        for function in (network.forward, network.backward, network.cost):
            more, missing = _settings(function)
            settings.update(more)
            unknown += [m for m in missing if m not in unknown and not
                        m.lower().startswith(("a", "z"))]
        if unknown:
            plans.append(Planned(found, status="skip", reason=(
                f"{', '.join(unknown)} cannot be guessed from its name")))
            continue
        label = _variant(network.layers, settings)
        plans.append(Planned(found, [CheckSpec(found, Called(settings, label),
                                               Kind.MODEL.value)]))
    return plans


def _call(function: Any, positional: list[Any], settings: dict[str, Any]) -> Any:
    names = list(inspect.signature(function).parameters)
    extra = {k: v for k, v in settings.items() if k in names}
    return function(*positional, **extra)


def run_dict_network(planned: Planned, *, seed: int = 0) -> ClassResult:
    """Check a pair with :func:`check_params` over ``W1, b1, ..., WL, bL``."""
    found = planned.found
    network: DictNetwork = found.subject
    if planned.status != "check":
        return not_run(planned)
    spec = planned.specs[0]
    begun = time.perf_counter()
    rng = np.random.default_rng(seed)
    dims = [INPUTS, *HIDDEN[: network.layers - 1], 1]
    params: dict[str, np.ndarray] = {}
    for layer in range(1, len(dims)):
        params[f"W{layer}"] = 0.5 * rng.standard_normal((dims[layer], dims[layer - 1]))
        params[f"b{layer}"] = 0.1 * rng.standard_normal((dims[layer], 1))
    X = rng.standard_normal((INPUTS, SAMPLES))
    Y = (rng.random((1, SAMPLES)) < 0.5).astype(float)
    settings = spec.build.arguments

    def forward(p: dict[str, Any]) -> Any:
        return _call(network.forward, [X.copy(), p], settings)

    def cost_params(p: dict[str, Any]) -> list[Any]:
        names = list(inspect.signature(network.cost).parameters)
        return [p] if len(names) > 2 and names[2] in _PARAMETERS else []

    def loss(p: dict[str, Any]) -> Any:
        output = forward(p)[0]
        return _call(network.cost, [output, Y.copy(), *cost_params(p)], settings)

    def grads(p: dict[str, Any]) -> Any:
        cache = forward(p)[1]
        return _call(network.backward, [X.copy(), Y.copy(), cache], settings)

    loss.__name__ = found.name
    report = check_params(loss, grads, params, batch=SAMPLES, seed=seed,
                          raise_on_failure=False)
    report.notes.insert(0, f"{found.name} with {network.backward.__name__} and "
                        f"{network.cost.__name__}, features x samples: X {X.shape}, Y "
                        f"{Y.shape}")
    return checked_once(spec, report, time.perf_counter() - begun)
