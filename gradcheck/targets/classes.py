"""Which classes a target defines, and what each one is.

A layer, loss or fused loss to check, one to skip (with a reason) or one to ignore.

Sorted by signature: ``forward(inputs[, training])`` / ``backward(dvalues)`` is a layer,
``forward(y_pred, y_true)`` / ``backward(dvalues, y_true)`` a loss (fused when its name says
softmax and loss). Templates and base classes whose methods do nothing are ignored; a
``__getattr__`` wrapper around an object given to its constructor is skipped, and listed.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import Any

from gradcheck.protocol.autograd import looks_like_engine
from gradcheck.protocol.labels import label_argument
from gradcheck.protocol.roles import (
    backward_layout,
    method_names,
    takes_inputs_first,
    takes_inputs_second,
    takes_learning_rate,
)
from gradcheck.targets.loading import Target

__all__ = [
    "CLASS_RULES",
    "Found",
    "TRAINING_NAMES",
    "classify",
    "find_classes",
    "positional_counts",
    "signature_params",
]

TRAINING_NAMES = {"training", "train", "is_training", "train_mode", "_training", "is_train",
                   "train_flag", "trainable_pass"}


@dataclass
class Found:
    """A class defined in the target, and what discovery decided about it.

    Functions are found as well, with the same type: ``cls`` is then the function a
    report points at (file, line), ``subject`` what the check runs (a function pair, a
    derivative, a program, a dict network: see :mod:`gradcheck.targets.functions`,
    :mod:`~gradcheck.targets.derivatives`, :mod:`~gradcheck.targets.programs`,
    :mod:`~gradcheck.targets.dict_networks`) and ``listed`` whether it counts as having a
    backward.
    """

    cls: Any  # the class (a function for a function-side subject)
    name: str
    module: str
    kind: str  # "layer" | "loss" | "fused" | "engine"
    verdict: str  # "check" | "skip" | "ignore"
    reason: str = ""
    training: bool = False
    template: bool = False  # a base class or template: not listed as unchecked
    delegates: bool = False  # a __getattr__ wrapper: its forward/backward are another's
    inputs: tuple[str, ...] = ()  # forward's several inputs (a, b): a layer fed a tuple
    # forward(inputs) and backward(dvalues, y): a layer ignoring y, or a fused loss whose
    # forward is the activation alone (observed while probing)
    labels_in_backward: bool = False
    subclasses: list[str] = field(default_factory=list)  # classes of the target deriving
    subject: Any = None  # a function-side check's subject; None for a class
    listed: bool | None = None  # has_backward of a function-side subject

    @property
    def has_backward(self) -> bool:
        """A backward of its own, or one it delegates to: listed when not checked."""
        if self.listed is not None:
            return self.listed
        return self.delegates or method_names(self.cls)[1] is not None

    @classmethod
    def function(cls, subject: Any, name: str, module: str, kind: str, *, at: Any,
                 listed: bool, verdict: str = "check", reason: str = "") -> Found:
        """A function-side check: ``subject`` run, ``at`` where its report points."""
        return cls(at, name, module, kind, verdict, reason, subject=subject, listed=listed)


def find_classes(target: Target) -> list[Found]:
    """Every class defined in the target, sorted into check / skip / ignore.

    Parameters
    ----------
    target : Target
        From :func:`load_target`.

    Returns
    -------
    list of Found
        In definition order; ``verdict`` says what happens to each.
    """
    seen: set[int] = set()
    classes: list[tuple[type, ModuleType]] = []
    for module in target.modules:
        for value in list(vars(module).values()):
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and id(value) not in seen
            ):
                seen.add(id(value))
                classes.append((value, module))
    names = [c.__qualname__ for c, _ in classes]
    found = []
    for cls, module in classes:
        name = cls.__qualname__
        if names.count(name) > 1:
            name = f"{module.__name__}.{name}"
        try:
            found.append(classify(cls, name, module.__name__))
        except Exception as exc:  # noqa: BLE001 - a checker bug must not end the run
            found.append(Found(cls, name, module.__name__, "layer", "skip", (
                f"gradcheck could not read this class ({type(exc).__name__}: {exc}): a bug "
                "in gradcheck, not in your code; please report it")))
    for f in found:
        if f.verdict != "ignore":
            _ignore_if_template(f, [c for c, _ in classes if c is not f.cls])
    return found


def _ignore_if_template(found: Found, others: list[type]) -> None:
    """Ignore templates: forward and backward do nothing, or one does in a base class.

    "Nothing" is ``pass``, a docstring, ``return None`` or ``raise NotImplementedError``; a
    base class is
    one another class of the target derives from.
    """
    forward, backward = method_names(found.cls)
    empty = [m for m in (forward, backward) if m is not None and _does_nothing(found.cls, m)]
    children = [c.__name__ for c in others if found.cls in c.__mro__[1:]]
    found.subclasses = children
    if len(empty) == 2 and not children and _concrete(found.cls):
        return  # a layer left to the student: checked, and reported unfinished
    if len(empty) == 2:
        reason = "a template: forward and backward do nothing (pass / NotImplementedError)"
    elif empty and children:
        reason = (f"a base class (of {', '.join(children[:3])}): its {empty[0]} does nothing "
                  "(pass / NotImplementedError)")
    else:
        return
    found.verdict, found.reason, found.template = "ignore", reason, True


#: names that say "a base class" when a file defines it alone (its subclasses elsewhere)
_BASE_NAMES = {"layer", "module", "loss", "activation", "optimizer", "model", "network",
               "function", "operation", "op", "node", "block", "cost"}


def _concrete(cls: type) -> bool:
    """A class whose forward and backward do nothing, meant to be filled in, not derived.

    The file builds it (``Layer_Dense(2, 3)`` anywhere in its source), or its name is a
    particular layer's (``Layer_Dense``, ``Activation_ReLU``), not a base's (``Layer``,
    ``Module``, ``BaseLayer``, ``AbstractLoss``) whose subclasses live in other files.
    """
    name = cls.__name__
    module = sys.modules.get(cls.__module__)
    try:
        tree = ast.parse(inspect.getsource(module)) if module is not None else None
    except (OSError, TypeError, SyntaxError):
        tree = None
    if tree is not None and any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
            for n in ast.walk(tree)):
        return True
    lowered = name.lower().strip("_")
    return not (lowered in _BASE_NAMES or lowered.startswith(("base", "abstract"))
                or lowered.endswith("base"))


def ignore_as_base(found: Found, why: str) -> bool:
    """Ignore a class other classes of the target derive from that cannot run on its own.

    Its probe raised ``NotImplementedError`` (a hook its subclasses fill in) or an
    ``AttributeError`` (an attribute its subclasses set): an abstract base, neither
    checked nor an error. Returns whether it was ignored.
    """
    if not found.subclasses or not any(
            word in why for word in ("NotImplementedError", "AttributeError")):
        return False
    found.verdict, found.template = "ignore", True
    found.reason = (f"a base class (of {', '.join(found.subclasses[:3])}) that cannot run on "
                    f"its own: {why}")
    return True


def ignore_as_function_base(found: Found) -> bool:
    """Ignore a base whose required constructor arguments are functions its subclasses give.

    ``class Activation: def __init__(self, activation, activation_prime)``, subclassed by
    ``Tanh`` that passes ``np.tanh`` and its derivative: every required argument is kept
    (``self.f = f``) and called (``self.f(x)``) or called directly. Checked through its
    subclasses, it is neither checked nor listed as unchecked. Returns whether it was
    ignored.
    """
    if not found.subclasses or not isinstance(found.cls, type):
        return False
    required = [p.name for p in signature_params(found.cls) or []
                if p.default is inspect.Parameter.empty
                and p.kind not in (inspect.Parameter.VAR_POSITIONAL,
                                   inspect.Parameter.VAR_KEYWORD)]
    if not required:
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(found.cls)))
    except (OSError, TypeError, SyntaxError):
        return False
    kept: dict[str, set[str]] = {name: {name} for name in required}  # argument -> names
    called: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                and node.value.id in kept:
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id == "self":
                    kept[node.value.id].add(f"self.{target.attr}")
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name):
                called.add(function.id)
            elif isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) \
                    and function.value.id == "self":
                called.add(f"self.{function.attr}")
    if not all(names & called for names in kept.values()):
        return False
    found.verdict, found.template = "ignore", True
    found.reason = (f"a base class (of {', '.join(found.subclasses[:3])}) whose constructor "
                    f"takes the functions ({', '.join(required)}) its subclasses give")
    return True


def _does_nothing(cls: type, method: str) -> bool:
    function = cls.__dict__.get(method)
    if function is None:
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for statement in definition.body:
        if isinstance(statement, ast.Pass) or (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
            continue
        if isinstance(statement, ast.Raise) and "NotImplementedError" in ast.unparse(statement):
            continue
        if isinstance(statement, ast.Return) and (
                statement.value is None or (isinstance(statement.value, ast.Constant)
                                            and statement.value.value is None)):
            continue  # `return` / `return None`
        return False
    return True


_NETWORK_METHODS = ("add", "fit", "train", "predict", "evaluate", "finalize", "compile")


def _is_network(cls: type) -> bool:
    """A network or model: named so (in its bases too), or with a model's methods."""
    names = " ".join(k.__name__.lower() for k in cls.__mro__[:-1])
    return any(w in names for w in ("network", "model", "net", "sequential")) or any(
        callable(getattr(cls, m, None)) for m in _NETWORK_METHODS)


def signature_params(function: Any) -> list[inspect.Parameter] | None:
    """The parameters of ``function``'s signature, or ``None`` when it has none to show."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    return list(signature.parameters.values())


def positional_counts(params: list[inspect.Parameter]) -> tuple[int, int, bool]:
    """(required positional, total positional, takes *args) of a bound method's params."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    star = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    return len(required), len(positional), star


def _delegated_argument(cls: type) -> str | None:
    """The constructor argument a ``__getattr__`` wrapper delegates to, if it is one.

    A class with ``__getattr__`` (its own or a base's) and a required constructor argument
    has its forward and backward on the object it is given: nothing in the file says which
    class that is, so it cannot be built honestly, only named.
    """
    if not any("__getattr__" in vars(k) for k in cls.__mro__[:-1]):
        return None
    # (mypy warns about reading __init__ off an instance; cls is a class)
    init = cls.__init__  # type: ignore[misc]
    params = signature_params(init)
    if params is None:
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [p.name for p in params[1:]
                if p.kind in kinds and p.default is inspect.Parameter.empty]
    return required[0] if required else None


_LABEL_NAMES = {"y", "y_true", "labels", "label", "target", "targets", "y_pred", "t"}


def _several_inputs(f_params: list[inspect.Parameter], required: int,
                    b_kind: str | None,
                    b_params: list[inspect.Parameter]) -> tuple[str, ...] | None:
    """The inputs of a layer with several (``forward(a, b)``, ``forward(q, k, v)``).

    A forward with several required inputs beside a backward taking one upstream
    gradient (or one per output: ``backward(dh, dc)``) is a layer with several inputs,
    not a loss: no argument of either is named like labels.
    """
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in f_params if p.kind in kinds][:required]
    backs = [p.name.lower() for p in b_params if p.kind in kinds]
    if required < 2 or b_kind is None or (b_kind != "layer" and (
            set(backs) & _LABEL_NAMES or not all(b.startswith(("d", "grad")) for b in backs))):
        return None
    if names[1].lower() in TRAINING_NAMES or set(n.lower() for n in names) & _LABEL_NAMES:
        return None
    return tuple(names)


_DELEGATES = (
    "delegates every attribute (forward, backward, ...) to the object given to its "
    "constructor ({wrapped}) through __getattr__: check that object's class, or "
    "build the wrapper and pass it to gradcheck.check_layer")


@dataclass
class _Reading:
    """A class's methods as :func:`classify`'s rules read them (each part once, on demand)."""

    cls: type[Any]
    name: str
    module: str

    def found(self, kind: str, verdict: str, reason: str = "", training: bool = False) -> Found:
        """The decision about the class."""
        return Found(self.cls, self.name, self.module, kind, verdict, reason, training)

    @cached_property
    def methods(self) -> tuple[str | None, str | None]:
        """The names of its forward and backward methods (None where it has none)."""
        cls: type = self.cls  # (typed as a class: lru_cache's Hashable check)
        return method_names(cls)

    @cached_property
    def forward_method(self) -> Any:
        """Its forward method, or None."""
        return getattr(self.cls, self.methods[0]) if self.methods[0] else None

    @cached_property
    def backward_method(self) -> Any:
        """Its backward method, or None."""
        return getattr(self.cls, self.methods[1]) if self.methods[1] else None

    @cached_property
    def f_params(self) -> list[inspect.Parameter] | None:
        """Forward's parameters after ``self`` (None without forward or a signature)."""
        params = signature_params(self.forward_method) if self.methods[0] else None
        return None if params is None else params[self._bound(self.methods[0]):]

    @cached_property
    def b_params(self) -> list[inspect.Parameter] | None:
        """Backward's parameters after ``self`` (None without backward or a signature)."""
        params = signature_params(self.backward_method) if self.methods[1] else None
        return None if params is None else params[self._bound(self.methods[1]):]

    def _bound(self, name: str | None) -> int:
        """1 for a method's ``self``, 0 for a ``staticmethod``'s first real argument."""
        return 0 if isinstance(inspect.getattr_static(self.cls, name or "", None),
                               staticmethod) else 1

    @cached_property
    def backward_args(self) -> tuple[int, int, bool] | None:
        """Backward's (required, total, ``*args``) positional counts."""
        return positional_counts(self.b_params) if self.b_params is not None else None

    @cached_property
    def fused_name(self) -> bool:
        """The name says softmax and loss (or cross-entropy): a fused loss."""
        lowered = self.cls.__name__.lower()
        return "softmax" in lowered and ("loss" in lowered or "crossentropy" in lowered)

    @cached_property
    def backward_kind(self) -> str | None:
        """What backward's arity says: "layer", "loss", "fused", or None."""
        if self.backward_args is None:
            return None
        required, total, star = self.backward_args
        if required == 1 or (required == 0 and (total or star)) \
                or (required == 2 and takes_learning_rate(self.backward_method)) \
                or {"rate", "optimizer"} & set(backward_layout(self.backward_method)[0]):
            # (backward(grad, learning_rate) updates the parameters itself; so does
            # backwardpass(lr, X, delta), the rate and forward's input known by name)
            return "layer"
        if required == 2 and (takes_inputs_first(self.backward_method) or takes_inputs_second(
                self.backward_method, self.forward_method)):
            return "layer"  # backward(input, grad_output), backward(dout, x)
        if required == 2:
            return "fused" if self.fused_name else "loss"
        if total == 0 and not star and self.f_params is not None \
                and self.forward_kind == "loss":
            return "loss"  # backward() reads the predictions and labels forward stored
        return None

    @cached_property
    def forward_counts(self) -> tuple[int, int, bool]:
        """Forward's (required, total, ``*args``) positional counts (it has a signature)."""
        assert self.f_params is not None
        return positional_counts(self.f_params)

    @cached_property
    def training(self) -> bool:
        """Forward's second positional argument is a training flag."""
        assert self.f_params is not None
        second = (
            [p for p in self.f_params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                    inspect.Parameter.POSITIONAL_OR_KEYWORD)][1:2]
        )
        return bool(second) and second[0].name.lower() in TRAINING_NAMES

    @cached_property
    def forward_kind(self) -> str | None:
        """What forward's arity says: "layer", "loss", or None (another arity)."""
        required, total, star = self.forward_counts
        if required == 1 or (required == 2 and self.training) or (
                required == 0 and (total or star)):
            return "layer"
        return "loss" if required == 2 else None

    @cached_property
    def takes_labels(self) -> bool:
        """A layer's backward takes labels (a model's does nothing or is a network's)."""
        backward = self.methods[1]
        return (self.forward_kind == "layer" and backward is not None
                and label_argument(self.backward_method) is not None
                and not _does_nothing(self.cls, backward) and not _is_network(self.cls))

    @cached_property
    def protocol(self) -> str | None:
        """Backward's protocol once labels are weighed.

        A layer's backward taking labels is a layer's until probing shows whether they
        matter; a loss's ``backward(dvalues, y_true=None)`` stays a loss's.
        """
        kind = "layer" if self.takes_labels else self.backward_kind
        args = self.backward_args
        if self.forward_kind == "loss" and kind == "layer" and args is not None \
                and (args[1] >= 2 or args[2]):
            return "fused" if self.fused_name else "loss"
        return kind


# One rule per way a class is decided, tried in order: the first that returns a Found
# decides. Where each is exercised (tests/cli_targets/*.py read by test_cli_discovery.py,
# the zoos through test_zoo*.py):
#   _exception_or_abstract  no zoo class (an Exception or ABC defining forward)
#   _autograd_engine        tests/zoo_engines/*.py (test_engines_zoo.py)
#   _no_methods             cli_targets/book_full.py Optimizer_SGD, Accuracy (ignored,
#                           test_cli_command); zoo/unusual.py DelegatingNaive (skipped,
#                           listed: test_zoo_objects_cli)
#   _no_forward             cli_targets/losses.py ..._BackwardOnly (skipped)
#   _uninspectable_forward  no zoo class (a forward inspect.signature cannot read)
#   _several_inputs_layer   zoo_observed/several.py Multiply, Attention, GatedCell
#   _forward_arity          no zoo class (forward(a, b, c) without several-input backward)
#   _no_backward            cli_targets/mixed.py Layer_Base, book_full.py Layer_Input
#                           (test_cli_discovery: "no backward")
#   _backward_arity         no zoo class (backward(a, b, c))
#   _different_protocols    cli_targets/mixed.py Network, book_full.py Model
#                           (test_cli_discovery: "different protocols")
#   _checked                every class the zoos check (tests/zoo*, cli_targets/*.py)
_ClassRule = Callable[[_Reading], Found | None]


def _exception_or_abstract(r: _Reading) -> Found | None:
    if issubclass(r.cls, BaseException) or inspect.isabstract(r.cls):
        return r.found("layer", "ignore", "exception or abstract class")
    return None


def _autograd_engine(r: _Reading) -> Found | None:
    if looks_like_engine(r.cls):  # operator overloads + backward(): an autograd engine
        return r.found("engine", "check")
    return None


def _no_methods(r: _Reading) -> Found | None:
    if r.methods != (None, None):
        return None
    wrapped = _delegated_argument(r.cls)
    if wrapped is None:
        return r.found("layer", "ignore", "no forward and no backward (not an NNFS layer or loss)")
    out = r.found("layer", "skip", _DELEGATES.format(wrapped=wrapped))
    out.delegates = True
    return out


def _no_forward(r: _Reading) -> Found | None:
    if r.methods[0] is not None:
        return None
    return r.found(r.backward_kind or "layer", "skip", "no forward method: backward cannot be "
                   "checked against finite differences of a forward pass")


def _uninspectable_forward(r: _Reading) -> Found | None:
    if r.f_params is not None:
        return None
    return r.found(r.backward_kind or "layer", "ignore", "forward has no inspectable signature")


def _several_inputs_layer(r: _Reading) -> Found | None:
    assert r.f_params is not None
    several = _several_inputs(r.f_params, r.forward_counts[0], r.backward_kind,
                              r.b_params or [])
    if several is None:
        return None
    out = r.found("layer", "check")
    out.inputs = several
    return out


def _forward_arity(r: _Reading) -> Found | None:
    if r.forward_kind is not None:
        return None
    return r.found(r.backward_kind or "layer", "ignore",
                   f"forward takes {r.forward_counts[0]} arguments (NNFS: 1 for layers, 2 "
                   "for losses)")


def _no_backward(r: _Reading) -> Found | None:
    if r.methods[1] is not None:
        return None
    assert r.forward_kind is not None
    return r.found(r.forward_kind, "skip", "no backward method: nothing to check")


def _backward_arity(r: _Reading) -> Found | None:
    if r.protocol is not None:
        return None
    assert r.forward_kind is not None
    return r.found(r.forward_kind, "ignore",
                   "backward takes neither (dvalues) nor (dvalues, y_true)")


def _different_protocols(r: _Reading) -> Found | None:
    assert r.forward_kind is not None
    if (r.forward_kind == "layer") == (r.protocol == "layer"):
        return None
    forward = ", ".join(p.name for p in r.f_params or ())
    backward = ", ".join(p.name for p in r.b_params or ())
    hint = ""
    if r.forward_kind == "layer" and r.protocol == "loss":
        hint = ("; a layer whose backward takes its input first is read from the names "
                "(input, grad_output)")
    return r.found(
        r.forward_kind, "ignore",
        f"forward({forward}) and backward({backward}) belong to different protocols "
        f"(a model or a container, not a layer or a loss){hint}",
    )


def _checked(r: _Reading) -> Found | None:
    kind = r.forward_kind
    assert kind is not None
    if kind == "loss" and r.fused_name:
        kind = "fused"
    out = r.found(kind, "check", training=r.training and kind == "layer")
    out.labels_in_backward = r.takes_labels
    return out


CLASS_RULES: tuple[_ClassRule, ...] = (
    _exception_or_abstract, _autograd_engine, _no_methods, _no_forward, _uninspectable_forward,
    _several_inputs_layer, _forward_arity, _no_backward, _backward_arity,
    _different_protocols, _checked,
)
"""How a class is decided, in order; the last rule always decides."""


def classify(cls: type, name: str, module: str) -> Found:
    """Decide whether a class is a layer, loss or fused object to check, skip or ignore.

    The first of :data:`CLASS_RULES` that decides gives the answer.
    """
    reading = _Reading(cls, name, module)
    for rule in CLASS_RULES:
        decided = rule(reading)
        if decided is not None:
            return decided
    raise AssertionError("the last rule always decides")  # pragma: no cover
