"""Derivatives in a target: function pairs and the objects that hold them.

Found from the source and the names, never by calling every function:

- **function pairs**: ``f`` with ``f_prime``, ``f_derivative``, ``f_deriv``, ``d_f``,
  ``df`` (:func:`gradcheck.protocol.derivative.derivative_of`): elementwise activations
  and their derivatives, losses and their ``*_prime``;
- **``Activation(f, f_prime)`` objects**: a class built without arguments that holds a
  function and its derivative; its backward's source says which reading it uses
  (``self.activation_prime(self.input)``: in terms of the input). A pair held by an
  object and defined in the module is one row, checked in the object's reading;
- **``fn``/``grad``/``grad2`` activations** (``grad`` against ``fn``, ``grad2`` against
  ``grad``), **loss objects** ``loss(y, y_pred)`` + ``grad(y, y_pred)``, and **cost
  objects** ``fn(a, y)`` + ``delta(z, a, y)`` (Nielsen's: ``delta`` is ``dC/dz`` for the
  output activation ``a = sigmoid(z)``, the module's own ``sigmoid`` when it has one).

Each is checked by :func:`gradcheck.check_derivative` on Hypothesis-drawn arguments,
through the same runner as classes and CS231n function pairs.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from gradcheck.engine import ranges
from gradcheck.protocol.derivative import derivative_of, required_names, same_parameters
from gradcheck.protocol.source import function_tree
from gradcheck.report import FAILED
from gradcheck.targets.classes import Found
from gradcheck.targets.loading import Target, own_functions
from gradcheck.targets.specs import Called, CheckSpec, Planned

__all__ = [
    "COST",
    "ELEMENTWISE",
    "THROUGH",
    "KIND",
    "LOSS",
    "Derivative",
    "draw_derivative_case",
    "find_derivatives",
    "plan_derivatives",
    "run_derivative_engine",
    "DERIVATIVES",
]

KIND = "derivative"
ELEMENTWISE, LOSS, COST = "elementwise", "loss", "cost"
#: a loss's ``grad(y, y_pred, z, act_fn)``: dL/dz through the output activation
THROUGH = "through"

#: how a backward names what it was given, and what it returned
_INPUT_ATTRS = {"input", "inputs", "x", "z", "X", "Z", "in_", "inp", "last_input", "_input"}
_OUTPUT_ATTRS = {"output", "outputs", "out", "a", "y", "A", "activation", "last_output",
                 "_output"}
_BACKWARDS = ("backward", "backward_propagation", "backprop", "backward_pass",
              "backwardpass")


@dataclass
class Derivative:
    """What a derivative's check runs: a function, its derivative, and how to read them."""

    f: Callable[..., Any]
    f_prime: Callable[..., Any]
    form: str  # ELEMENTWISE | LOSS | COST | THROUGH
    reading: str | None = None  # the reading the code that uses it fixes
    users: list[str] = field(default_factory=list)
    domain: str = "real"  # elementwise: "real" | "positive"; loss: "real" | "unit" | "labels"
    owner: str | None = None  # the class that holds the pair (its row replaces others)
    f_label: str = ""  # how reports name f (a lambda by the attribute holding it)
    activation: Callable[..., Any] | None = None  # a cost's a = sigmoid(z): the module's

    def __post_init__(self) -> None:
        if not self.f_label:
            name = getattr(self.f, "__name__", "f")
            self.f_label = name if name != "<lambda>" else "f"

    @property
    def variant(self) -> str:
        """What is checked against what (the row's variant)."""
        f = self.f_label
        text = {ELEMENTWISE: f"elementwise derivative of {f}",
                LOSS: f"gradient of {f}", COST: f"dC/dz of {f} at a = sigmoid(z)",
                THROUGH: f"dL/dz of {f} at y_pred = sigmoid(z)"}[self.form]
        if self.domain == "positive":
            text += "; positive inputs"
        elif self.domain == "open unit":
            text += "; inputs in (-1, 1)"
        elif self.domain == "unit":
            text += "; predictions in (0, 1), binary targets"
        elif self.domain == "labels":
            text += "; class labels, per-sample losses averaged"
        if self.users:
            verb = "uses" if len(self.users) == 1 else "use"
            text += f"; as {', '.join(self.users)} {verb} it"
            if self.reading is not None:
                text += f" (on its {self.reading})"
        return text


def _found(name: str, module: str, f: Callable[..., Any], f_prime: Callable[..., Any],
           form: str, *, verdict: str = "check", reason: str = "", **more: Any) -> Found:
    """A derivative as the runner sees a class; its report points at ``f_prime``."""
    return Found.function(Derivative(f, f_prime, form, **more), name, module, KIND,
                          at=f_prime, listed=False, verdict=verdict, reason=reason)


# ----------------------------------------------------------------------------- finding
def find_derivatives(target: Target) -> list[Found]:
    """Every derivative pair and derivative object of the target's modules.

    Parameters
    ----------
    target : Target
        From :func:`gradcheck.targets.loading.load_target`.

    Returns
    -------
    list of Found
        In definition order; one entry per distinct function, derivative and reading.
    """
    found: list[Found] = []
    for module in target.modules:
        functions = own_functions(module)
        pairs: dict[tuple[int, int], Found] = {}
        for name, function in functions.items():
            base = derivative_of(name, functions)
            if base is None or _takes(functions[base]) != _takes(function):
                continue
            if name.endswith("_backward") and not same_parameters(functions[base], function):
                continue  # relu_backward(dout, x): a backward, checked as a function pair
            form = ELEMENTWISE if _takes(function) == 1 else LOSS
            entry = _found(name, module.__name__, functions[base], function, form)
            pairs[(id(entry.subject.f), id(entry.subject.f_prime))] = entry
            found.append(entry)
        for cls in _own_classes(module):
            found += _from_class(cls, module, pairs)
    return found


def _takes(function: Callable[..., Any]) -> int:
    """The number of required positional parameters (-1 when unknown)."""
    names = required_names(function)
    return -1 if names is None else len(names)


def _own_classes(module: Any) -> list[type]:
    return [v for k, v in vars(module).items()
            if inspect.isclass(v) and v.__module__ == module.__name__ and not k.startswith("_")]


def _instance(cls: type) -> Any:
    """``cls()`` when it takes no required argument (None otherwise, or if it raises)."""
    try:
        if _takes(cls) != 0 or inspect.isabstract(cls):
            return None
    except (TypeError, ValueError):
        return None
    try:
        return cls()
    except Exception:  # noqa: BLE001 - a constructor that needs more: not ours to judge
        return None


def _from_class(cls: type, module: Any,
                pairs: dict[tuple[int, int], Found]) -> list[Found]:
    """The derivative rows a class gives (new ones; module pairs it uses are annotated)."""
    name, mod = cls.__name__, module.__name__
    methods = {k for k in dir(cls) if callable(getattr(cls, k, None))}
    out: list[Found] = []
    if {"fn", "delta"} <= methods:
        obj: Any = _instance(cls) or cls
        if _takes(obj.fn) == 2 and _takes(obj.delta) == 3:
            sigmoid = getattr(module, "sigmoid", None)
            return [_found(f"{name}.delta", mod, obj.fn, obj.delta, COST,
                                    owner=name, f_label=f"{name}.fn",
                                    activation=sigmoid if callable(sigmoid) else None)]
        return []
    pair = _method_pair(cls, methods)
    if pair is not None:
        value, slope = pair
        obj = _instance(cls)
        if obj is None:
            return []
        f, f_prime = getattr(obj, value), getattr(obj, slope)
        shown = f"{name}.{slope}", f"{name}.{value}" if value != "__call__" else name
        if _takes(f) == 1 and _takes(f_prime) == 1:
            out.append(_found(shown[0], mod, f, f_prime, ELEMENTWISE, owner=name,
                              f_label=shown[1]))
            grad2 = getattr(obj, slope + "2", None)  # (grad2: the second derivative)
            if callable(grad2) and _takes(grad2) == 1:
                out.append(_found(f"{shown[0]}2", mod, f_prime, grad2, ELEMENTWISE,
                                  owner=name, f_label=shown[0]))
            return out
        if _takes(f) == 2 and _takes(f_prime) == 2:
            return [_found(shown[0], mod, f, f_prime, LOSS, owner=name, f_label=shown[1])]
        if _takes(f) == 2 and _through_roles(f_prime) is not None:
            return [_found(shown[0], mod, f, f_prime, THROUGH, owner=name,
                           f_label=shown[1])]
        if _takes(f) == 2:
            return [_found(
                shown[0], mod, f, f_prime, LOSS, verdict="skip", owner=name,
                reason=f"{slope} takes {_takes(f_prime)} arguments and {value} "
                f"{_takes(f)}: a gradient through an activation (grad(y, y_pred, z, "
                "act_fn)) is not read yet; check it with gradcheck.check_derivative and "
                "your own lambdas")]
        return []
    return _held_pair(cls, module, pairs)


#: what an object without forward and backward calls its function, most usual first
_VALUES = ("fn", "loss", "function", "func", "f", "forward", "compute", "calculate",
           "evaluate", "activate", "activation", "value", "cost", "apply", "__call__")
#: ... and its derivative (``grad2`` beside ``grad``: the second derivative)
_SLOPES = ("grad", "gradient", "derivative", "deriv", "prime", "df", "derivate", "diff")


def _method_pair(cls: type, methods: set[str]) -> tuple[str, str] | None:
    """The (function, derivative) method names of an activation or loss object, if any.

    ``fn``/``grad`` (numpy-ml), ``loss``/``grad``, ``__call__``/``gradient``,
    ``activate``/``derivative``, ``function``/``prime`` ...: one of each list, on a class
    that has no ``forward`` and ``backward`` (a layer's are checked as a layer's).
    """
    if {"forward", "backward"} <= methods:
        return None
    own_call = any("__call__" in vars(k) for k in cls.__mro__[:-1])
    values = [v for v in _VALUES if v in methods and (v != "__call__" or own_call)]
    slopes = [d for d in _SLOPES if d in methods]
    if not values or not slopes:
        return None
    return values[0], slopes[0]


_THROUGH_NAMES = {"y": ("y", "y_true", "target", "targets", "labels"),
                  "y_pred": ("y_pred", "yhat", "y_hat", "pred", "output", "a"),
                  "z": ("z", "logits", "z_out", "pre_activation", "x"),
                  "act": ("act_fn", "act", "activation", "activation_fn", "act_func", "fn")}


def _through_roles(grad: Callable[..., Any]) -> list[str] | None:
    """``grad(y, y_pred, z, act_fn)``'s arguments by role, in order (None if not so)."""
    try:
        names = [p.name for p in inspect.signature(grad).parameters.values()]
    except (TypeError, ValueError):
        return None
    roles = []
    for name in names:
        role = next((r for r, spelled in _THROUGH_NAMES.items() if name.lower() in spelled),
                    None)
        if role is None or role in roles:
            return None
        roles.append(role)
    return roles if sorted(roles) == sorted(_THROUGH_NAMES) else None


class SigmoidActivation:
    """The output activation handed to ``grad(y, y_pred, z, act_fn)``: ``fn`` and ``grad``."""

    def fn(self, z: np.ndarray) -> np.ndarray:
        """The logistic sigmoid."""
        return 1.0 / (1.0 + np.exp(-z))

    def grad(self, x: np.ndarray) -> np.ndarray:
        """Its derivative at ``x``."""
        s = self.fn(x)
        return s * (1.0 - s)

    def __str__(self) -> str:
        return "Sigmoid"


def _holds_functions(cls: type) -> bool:
    """Whether ``cls.__init__`` hands functions to a base or binds them (source only).

    ``super().__init__(tanh, tanh_prime)`` (two or more arguments), or two or more
    ``self.x = name`` / ``self.x = lambda ...`` bindings: only such classes are built.
    """
    init = vars(cls).get("__init__")
    tree = function_tree(init) if inspect.isfunction(init) else None
    if tree is None:
        return False
    bound = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "__init__" and len(node.args) >= 2:
            return True
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name | ast.Lambda) \
                and any(isinstance(t, ast.Attribute) for t in node.targets):
            bound += 1
    return bound >= 2


def _held_pair(cls: type, module: Any,
               pairs: dict[tuple[int, int], Found]) -> list[Found]:
    """An ``Activation(f, f_prime)`` object: the pair it holds, in its backward's reading."""
    if not _holds_functions(cls):
        return []
    obj = _instance(cls)
    if obj is None:
        return []
    held = {k: v for k, v in vars(obj).items()
            if callable(v) and not inspect.isclass(v) and not inspect.ismethod(v)}
    for attr, f_prime in held.items():
        base = derivative_of(attr, held)
        if base is None:
            by_value = {getattr(v, "__name__", ""): k for k, v in held.items()}
            own = derivative_of(getattr(f_prime, "__name__", ""), by_value)
            base = by_value.get(own) if own is not None else None
        if base is None or _takes(held[base]) not in (1, -1):
            continue
        f = held[base]
        reading = _reading(cls, attr)
        key = (id(f), id(f_prime))
        if key in pairs and pairs[key].subject.reading in (None, reading):
            entry = pairs[key]  # the module's own pair: one row, in the object's reading
            entry.subject.users.append(cls.__name__)
            entry.subject.reading = entry.subject.reading or reading
            return []
        label = getattr(f, "__name__", base)
        entry = _found(f"{cls.__name__}.{attr}", module.__name__, f, f_prime,
                                ELEMENTWISE, reading=reading, users=[cls.__name__],
                                f_label=label if label != "<lambda>" else
                                f"{cls.__name__}.{base}")
        pairs[key] = entry
        return [entry]
    return []


def _reading(cls: type, attr: str) -> str | None:
    """``input`` or ``output``: what the class's backward passes to ``self.<attr>``."""
    for klass in cls.__mro__:
        for method in _BACKWARDS:
            function = vars(klass).get(method)
            tree = function_tree(function) if inspect.isfunction(function) else None
            if tree is None:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr == attr and node.args:
                    arg = node.args[0]
                    if isinstance(arg, ast.Attribute):
                        if arg.attr in _INPUT_ATTRS:
                            return "input"
                        if arg.attr in _OUTPUT_ATTRS:
                            return "output"
            return None
    return None


# ----------------------------------------------------------------------------- planning
def plan_derivatives(target: Target) -> list[Planned]:
    """A plan per derivative found: its domain probed, or why it cannot run.

    Parameters
    ----------
    target : Target
        The imported target.

    Returns
    -------
    list of Planned
    """
    plans = []
    for found in find_derivatives(target):
        d: Derivative = found.subject
        if found.verdict == "skip":
            plans.append(Planned(found, status="skip", reason=found.reason))
            continue
        d.domain = _domain(found)
        if d.form == ELEMENTWISE and d.domain != "none" and not _elementwise(found):
            f = getattr(d.f, "__name__", "f")
            plans.append(Planned(found, status="skip", reason=(
                f"{f} is not elementwise (changing one input moves other outputs, as "
                f"softmax does): its derivative is a Jacobian, not read here; check the "
                "layer that uses it")))
            continue
        if d.domain == "none":
            plans.append(Planned(found, status="skip", reason=(
                f"{getattr(d.f, '__name__', 'f')} gives no finite value on real, positive, "
                "(-1, 1) or (0, 1) arguments: check it with gradcheck.check_derivative and "
                "your own")))
            continue
        label = Called(label=d.variant)
        spec = CheckSpec(found, label, KIND)
        if d.form == ELEMENTWISE and d.domain == "real":
            spec.range_finding = _range_finding(d)
        plans.append(Planned(found, [spec]))
    return plans


def _range_finding(d: Derivative) -> str | None:
    """``f`` or ``f_prime`` not finite only at large inputs, though it grows no faster than x.

    ``sigmoid_prime(x) = np.exp(-x) / (1 + np.exp(-x)) ** 2`` is inf / inf below -709,
    where the derivative is 0; ``softplus(x) = np.log(1 + np.exp(x))`` is inf above 709,
    where it is about x. ``f_prime`` is read on the input (as the derivative is drawn);
    one written on the output is probed on ``f``'s output. Reported apart from the
    verdict (``--strict`` fails on it).
    """
    base = np.linspace(-1.0, 1.0, 9)
    output_reading = d.reading == "output"

    def values(function: Callable[..., Any], magnitude: float) -> np.ndarray | None:
        x = base * magnitude
        try:
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()), np.errstate(all="ignore"):
                if function is d.f_prime and output_reading:
                    x = np.asarray(d.f(x.copy()), dtype=np.float64)
                value = np.asarray(function(x.copy()), dtype=np.float64)
        except Exception:  # noqa: BLE001 - outside its domain: not an overflow finding
            return None
        return value if value.shape == base.shape else None

    for function, who in ((d.f, d.f_label),
                          (d.f_prime, getattr(d.f_prime, "__name__", "f_prime"))):
        def finite(magnitude: float, function: Callable[..., Any] = function) -> bool:
            value = values(function, magnitude)
            return value is not None and bool(np.all(np.isfinite(value)))

        def largest(magnitude: float, function: Callable[..., Any] = function) -> float | None:
            value = values(function, magnitude)
            return None if value is None or not np.all(np.isfinite(value)) else \
                float(np.max(np.abs(value)))

        threshold = ranges.threshold(finite)
        if threshold is not None and ranges.grows_linearly(largest, threshold):
            return ranges.finding(
                threshold, who=who, why="it grows no faster than its input",
                fix="exp of -|x| only: np.exp(-np.abs(x)), or np.where on the sign; "
                    "np.logaddexp(0, x) for log(1 + exp(x)); written on sigmoid's output, "
                    "s * (1 - s)")
    return None


def _elementwise(found: Found) -> bool:
    """Whether one input moves only its own output (``sigmoid``, not ``softmax``)."""
    d: Derivative = found.subject
    x = np.array([[-1.5, -0.3, 0.4, 2.0]])
    if d.domain == "positive":
        x = np.abs(x) + 0.1
    elif d.domain == "open unit":
        x = 0.9 * np.tanh(x)
    moved = x.copy()
    moved[0, 0] += 0.5
    try:
        with np.errstate(all="ignore"):
            before = np.asarray(d.f(x.copy()), dtype=np.float64)
            after = np.asarray(d.f(moved), dtype=np.float64)
    except Exception:  # noqa: BLE001 - the check reports it
        return True
    if before.shape != x.shape or after.shape != x.shape:
        return True  # not an array of x's shape: the check says what it is
    return bool(np.array_equal(before[0, 1:], after[0, 1:]))


def _domain(found: Found) -> str:
    """Where ``f`` is finite: probed once on a few values (the candidate's own call)."""
    d: Derivative = found.subject
    rng = np.random.default_rng(0)
    candidates: dict[str, tuple[np.ndarray, ...]]
    if d.form == ELEMENTWISE:
        x = np.array([[-1.5, -0.3, 0.4, 2.0]])
        candidates = {"real": (x,), "positive": (np.abs(x) + 0.1,),
                      "open unit": (0.9 * np.tanh(x),)}
    elif d.form == LOSS:
        pred, true = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
        unit = (rng.uniform(0.1, 0.9, (2, 3)), rng.integers(0, 2, (2, 3)).astype(float))
        labels = np.array([0, 2])  # class ids: a cross-entropy of logits and labels
        first = _loss_position(found) == 0
        candidates = {"real": (true, pred), "unit": (unit[1], unit[0]),
                      "labels": (pred, labels) if first else (labels, pred)}
    else:
        return "real"
    for domain, args in candidates.items():
        try:
            with np.errstate(all="ignore"):
                value = np.asarray(d.f(*[np.array(a) for a in args]), dtype=np.float64)
        except Exception:  # noqa: BLE001 - outside its domain
            continue
        if value.size and np.all(np.isfinite(value)):
            return domain
    return "none"


# ----------------------------------------------------------------------------- examples
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def draw_derivative_case(spec: CheckSpec, draw: Callable[[Any], Any]) -> Any:
    """Draw one example's arguments (the runner's ``draw_case`` for derivatives)."""
    from hypothesis import strategies as st

    from gradcheck import strategies as gs
    from gradcheck.targets.functions import FunctionCall
    from gradcheck.targets.results import Case

    found = spec.found
    d: Derivative = found.subject
    if d.form == ELEMENTWISE:
        shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
        x = draw(gs.nd_arrays(shape, scale=1.5, zeros=d.domain == "real"))
        if d.domain == "positive":
            x = np.abs(x) + 0.1
        elif d.domain == "open unit":
            x = 0.9 * np.tanh(x)  # arcsin, atanh: inside (-1, 1)
        args: tuple[Any, ...] = (x,)
        arrays = {"x": x}
    elif d.form == LOSS:
        n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        pred = draw(gs.nd_arrays((n, c)))
        seed = draw(st.integers(0, 2**16 - 1))
        rng = np.random.default_rng(seed)
        if d.domain == "unit":
            pred = _sigmoid(np.clip(pred, -3, 3))
            true = rng.integers(0, 2, (n, c)).astype(np.float64)
        elif d.domain == "labels":
            pred = draw(gs.nd_arrays((n, c + 1)))  # two classes at least
            true = rng.integers(0, c + 1, n)
        else:
            true = rng.standard_normal((n, c))
        position = _loss_position(found)
        args = (pred, true) if position == 0 else (true, pred)
        arrays = {"y_pred": pred, "y_true": true}
    elif d.form == THROUGH:
        n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        z = draw(gs.nd_arrays((n, c), scale=1.5))
        y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n * c,
                                   max_size=n * c)), dtype=np.float64).reshape(n, c)
        args, arrays = (z, y), {"z": z, "y": y}
    else:
        n = draw(st.integers(1, 5))
        z = draw(gs.nd_arrays((n, 1), scale=1.5))
        y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)),
                     dtype=np.float64).reshape(n, 1)
        args, arrays = (z, y), {"z": z, "y": y}
    seed = draw(st.integers(0, 2**16 - 1))
    return Case(FunctionCall(args, {}), arrays, {}, seed)


def _check_per_sample(found: Found, args: tuple[Any, ...], seed: int) -> Any:
    """A loss of class labels whose ``f`` may return per-sample losses ``(N,)``.

    Its derivative is checked as the gradient of their mean, the usual reading
    (``grad / N``), then of their sum; the note says which held. A scalar ``f`` is
    checked as it is.
    """
    from gradcheck import check_derivative

    d: Derivative = found.subject
    with np.errstate(all="ignore"):
        value = np.asarray(d.f(*[np.array(a) for a in args]))
    if value.ndim == 0 or value.size == 1:
        return check_derivative(d.f, d.f_prime, *args, seed=seed, raise_on_failure=False)
    reports = {}
    for how, reduce in (("mean", np.mean), ("sum", np.sum)):
        total = _reduced(d.f, reduce)
        reports[how] = check_derivative(total, d.f_prime, *args, seed=seed,
                                        raise_on_failure=False)
        if reports[how].status == "passed":
            reports[how].notes.insert(0, f"{d.f_label} returns per-sample losses: "
                                         f"{d.f_prime.__name__} is the gradient of their "
                                         f"{how}")
            return reports[how]
    report = reports["mean"]
    report.notes.insert(0, f"{d.f_label} returns per-sample losses: {d.f_prime.__name__} "
                           "is the gradient of neither their mean nor their sum")
    return report


def _reduced(f: Callable[..., Any], reduce: Callable[[Any], Any]) -> Callable[..., Any]:
    def total(*a: Any, **k: Any) -> Any:
        return reduce(f(*a, **k))

    total.__name__ = total.__qualname__ = getattr(f, "__name__", "f")
    return total


def _loss_position(found: Found) -> int:
    from gradcheck.protocol.derivative import differentiated_argument

    d: Derivative = found.subject
    dummy = (np.zeros((1, 1)), np.zeros((1, 1)))
    return differentiated_argument(d.f, dummy)


def run_derivative_engine(spec: CheckSpec, case: Any) -> tuple[Any, str | None]:
    """Check one example with :func:`gradcheck.check_derivative`."""
    from gradcheck import check_derivative

    found = spec.found
    d: Derivative = found.subject
    args = case.obj.args
    try:
        if d.form == COST:
            report = _check_cost(found, args, case.seed)
        elif d.form == THROUGH:
            report = _check_through(found, args, case.seed)
        elif d.domain == "labels":
            report = _check_per_sample(found, args, case.seed)
        else:
            report = check_derivative(d.f, d.f_prime, *args, reading=d.reading,
                                      seed=case.seed, raise_on_failure=False)
    except (ValueError, TypeError) as exc:
        return None, f"the check rejected the call: {type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - never crash on one derivative
        from gradcheck.engine.blame import checker_raised

        return checker_raised(exc, found.name, KIND)
    if d.reading is not None and report.status == "failed" and d.form == ELEMENTWISE:
        _other_reading(found, args, case.seed, report)
    if d.form == ELEMENTWISE and report.status in ("passed", "failed", "inconclusive"):
        _writes(found, report)
    report.name = found.name
    for g in report.gradients:  # "QuadraticCost.delta (dQuadraticCost.fn/dz)"
        g.name = f"{found.name} (d{d.f_label}/{g.name.rsplit('/', 1)[-1]}"
    return report, None


def _writes(found: Found, report: Any) -> None:
    """Whether the derivative writes into its argument, on a fixed probe of every sign.

    The example Hypothesis shrinks to may hold no value the derivative overwrites
    (``x[x <= 0] = 0`` on a positive example): the write is looked for on its own.
    """
    d: Derivative = found.subject
    probe = np.array([[-1.5, -0.3, 0.0, 0.4, 2.0]])
    if d.domain == "positive":
        probe = np.abs(probe) + 0.1
    elif d.domain == "open unit":
        probe = 0.9 * np.tanh(probe)
    given = probe.copy()
    try:
        with np.errstate(all="ignore"):
            d.f_prime(given)
    except Exception:  # noqa: BLE001 - the check reports what it raises
        return
    if np.array_equal(given, probe):
        return
    name = getattr(d.f_prime, "__name__", "the derivative")
    text = (f"{name} wrote into its argument (given {probe.tolist()[0]}, it left "
            f"{given.tolist()[0]}): a network passing its layer's input or output would "
            "see it changed; work on a copy")
    if not any("wrote into its argument" in p for p in report.problems):
        report.problems.insert(0, text)
        report.status = FAILED


def _other_reading(found: Found, args: tuple[Any, ...], seed: int,
                   report: Any) -> None:
    """A derivative right in the other reading than its user's: say so (the real bug)."""
    from gradcheck import check_derivative

    d: Derivative = found.subject
    other = "output" if d.reading == "input" else "input"
    again = check_derivative(d.f, d.f_prime, *args, reading=other, seed=seed,
                             raise_on_failure=False)
    if again.ok:
        users = ", ".join(d.users)
        for g in report.gradients:
            if g.status == "failed":
                g.diagnosis = (f"it is the derivative in terms of the {other}, but {users}'s "
                               f"backward calls it on the {d.reading}: call it on the "
                               f"{other}, or write it in terms of the {d.reading}")


def _check_through(found: Found, args: tuple[Any, ...], seed: int) -> Any:
    """``grad(y, sigmoid(z), z, act_fn)`` against finite differences of ``loss(y, sigmoid(z))``."""
    from gradcheck import check_derivative

    d: Derivative = found.subject
    act = SigmoidActivation()
    roles = _through_roles(d.f_prime) or []
    loss, grad = d.f, d.f_prime

    def cost(z: np.ndarray, y: np.ndarray) -> Any:
        return loss(y, act.fn(z))

    def dcost(z: np.ndarray, y: np.ndarray) -> Any:
        given = {"y": y, "y_pred": act.fn(z), "z": z, "act": act}
        return grad(*[given[r] for r in roles])

    cost.__name__ = d.f_label
    dcost.__name__ = found.name
    report = check_derivative(cost, dcost, *args, wrt=0, reading="input", seed=seed,
                              raise_on_failure=False)
    report.notes.append(f"grad(y, y_pred, z, act_fn) is dL/dz: checked against "
                        f"{d.f_label}(y, sigmoid(z)) with a sigmoid act_fn")
    return report


def _check_cost(found: Found, args: tuple[Any, ...], seed: int) -> Any:
    """``delta(z, sigmoid(z), y)`` against the finite differences of ``fn(sigmoid(z), y)``."""
    from gradcheck.cost_api import check_cost

    d: Derivative = found.subject
    cost = SimpleNamespace(fn=d.f, delta=d.f_prime, __name__=found.name.split(".")[0])
    report = check_cost(cost, *args, activation=d.activation, seed=seed,
                        raise_on_failure=False)
    report.notes[-1] = (f"delta is dC/dz at the output layer: checked against "
                        f"{found.name.split('.')[0]}.fn(a, y) with a = sigmoid(z)")
    return report


@dataclass(frozen=True)
class _Derivatives:
    """How the runner draws and runs examples of derivatives (see ``targets/cases.py``)."""

    wider_first: bool = False

    def draw(self, spec: CheckSpec, draw: Callable[[Any], Any]) -> Any:
        return draw_derivative_case(spec, draw)

    def run(self, spec: CheckSpec, case: Any, *, dvalues: np.ndarray | None = None
            ) -> tuple[Any, str | None]:
        import contextlib
        import io
        import warnings

        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_derivative_engine(spec, case)

    def wider(self, spec: CheckSpec, case: Any, rng: np.random.Generator) -> Any:
        return None  # a shrunk derivative's example is its own evidence


DERIVATIVES = _Derivatives()
