"""deeplearning.ai-style networks: functions over a ``parameters`` dict, found in a file.

The course writes a network as functions over a dict ``W1, b1, ..., WL, bL``, features x
samples: a forward ``forward_propagation<suffix>(X, parameters, ...) -> (A, cache)`` or
``L_model_forward(X, parameters) -> (AL, caches)``, a backward returning a dict of
gradients keyed ``dW1, db1, ...`` (beside ``dA1``, ``dZ1``) whose arguments are any of
``X``, ``Y``, the cache, the parameters and the forward's output
(``backward_propagation(parameters, cache, X, Y)``, ``L_model_backward(AL, Y, caches)``),
and a cost ``compute_cost<suffix>(A, Y, ...)``. A pair is a function returning a dict
with ``dW`` keys and the function of the same name with ``forward`` for ``backward``
that takes the parameters dict (nothing is called to find it). Arguments are passed by
their names. A forward that takes ``Y`` too and returns the cost first
(``forward_propagation_n(X, Y, parameters) -> (cost, cache)``) is its own cost.

Each pair is checked with :func:`gradcheck.check_params` over the parameters of the
layers the forward reads (``parameters["W3"]``): 4 inputs, hidden layers of 5 and 3
units (more as needed), 1 output unit, 6 samples, binary labels. Settings take the
course's values: ``keep_prob=0.7``, ``lambd=0.7``. The cost is the one of the same
suffix (``compute_cost_with_regularization`` for ``..._with_regularization``), else
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
#: the forward's output as a backward's argument: AL, A2, A3, Yhat
_OUTPUT = re.compile(r"^(a\d+|al|y_?hat|a_?last|output)$", re.IGNORECASE)
#: a returned gradients dict's keys: "dW1", "dW" + str(l)
_DW_KEY = re.compile(r"""["']dW\d*["']""")


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


def _forward_name(backward: str) -> str | None:
    """``L_model_backward`` -> ``L_model_forward``; None without ``backward`` in it."""
    at = backward.lower().rfind("backward")
    if at < 0:
        return None
    word = backward[at:at + len("backward")]
    return backward[:at] + ("Forward" if word[0].isupper() else "forward") + \
        backward[at + len("backward"):]


def _takes_parameters(function: Any) -> bool:
    try:
        return any(p in _PARAMETERS for p in inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return False


def _keys_dw(function: Any) -> bool:
    try:
        return _DW_KEY.search(inspect.getsource(function)) is not None
    except (OSError, TypeError):
        return False


def find_dict_networks(target: Target) -> list[Found]:
    """Every forward / backward pair of the target over a parameters dict."""
    found = []
    for module in target.modules:
        functions = own_functions(module)
        for name, backward in functions.items():
            forward_name = _forward_name(name)
            forward = functions.get(forward_name) if forward_name else None
            if forward is None or not _takes_parameters(forward) or not _returns_dict(
                    backward) or not _keys_dw(backward):
                continue
            suffix = name[len("backward_propagation"):] if name.startswith(
                "backward_propagation") else ""
            cost = functions.get("compute_cost" + suffix) or functions.get("compute_cost")
            if cost is None and not _costs_itself(forward):
                continue
            layers = _layers(forward)
            if layers:
                network = DictNetwork(forward, backward, cost, layers)
                found.append(Found.function(network, forward.__name__,
                                            module.__name__, Kind.MODEL.value, at=forward,
                                            listed=True))
    return found


def _costs_itself(forward: Any) -> bool:
    """A forward taking the labels too returns the cost first (``forward_propagation_n``)."""
    try:
        return any(p in _Y for p in inspect.signature(forward).parameters)
    except (TypeError, ValueError):
        return False


def _settings(function: Any) -> tuple[dict[str, Any], list[str]]:
    """Values for the arguments after the data and the parameters; names left unknown."""
    settings: dict[str, Any] = {}
    unknown = []
    for p in list(inspect.signature(function).parameters.values()):
        if p.name in (*_X, *_Y, *_CACHE, *_PARAMETERS) or _OUTPUT.match(p.name):
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
        for function in (network.forward, network.backward, network.cost or network.forward):
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


def _call(function: Any, values: dict[str, Any], settings: dict[str, Any]) -> Any:
    """Call with each argument by its name: the data, labels, cache, parameters, output.

    A setting is passed where the function takes it; other arguments keep their
    defaults, and an unknown one without a default is the output (``compute_cost(A, Y)``).
    """
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for p in inspect.signature(function).parameters.values():
        name = p.name
        value = (values.get("X") if name in _X else values.get("Y") if name in _Y
                 else values.get("cache") if name in _CACHE
                 else values.get("parameters") if name in _PARAMETERS
                 else values.get("output") if _OUTPUT.match(name)
                 else settings.get(name, p.default))
        if value is p.empty:
            value = values.get("output")
        elif value is p.default:
            continue
        if p.kind == p.POSITIONAL_ONLY:
            positional.append(value)
        else:
            keywords[name] = value
    return function(*positional, **keywords)


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
        return _call(network.forward, {"X": X.copy(), "Y": Y.copy(), "parameters": p},
                     settings)

    def loss(p: dict[str, Any]) -> Any:
        output = forward(p)[0]
        if network.cost is None:  # forward_propagation_n(X, Y, parameters): cost first
            return output
        return _call(network.cost, {"output": output, "Y": Y.copy(), "parameters": p},
                     settings)

    def grads(p: dict[str, Any]) -> Any:
        output, cache = forward(p)[:2]
        return _call(network.backward, {"X": X.copy(), "Y": Y.copy(), "cache": cache,
                                        "parameters": p, "output": output}, settings)

    loss.__name__ = found.name
    report = check_params(loss, grads, params, batch=SAMPLES, seed=seed,
                          raise_on_failure=False)
    cost = network.cost.__name__ if network.cost is not None else "the cost it returns"
    report.notes.insert(0, f"{found.name} with {network.backward.__name__} and {cost}, "
                        f"features x samples: X {X.shape}, Y {Y.shape}")
    return checked_once(spec, report, time.perf_counter() - begun)
