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
import textwrap
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from gradcheck.protocol.autograd import looks_like_engine
from gradcheck.protocol.labels import label_argument
from gradcheck.protocol.roles import method_names, takes_learning_rate
from gradcheck.targets.loading import Target

__all__ = [
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
    """A class defined in the target, and what discovery decided about it."""

    cls: type
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

    @property
    def has_backward(self) -> bool:
        """A backward of its own, or one it delegates to: listed when not checked."""
        return self.delegates or method_names(self.cls)[1] is not None


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
        found.append(classify(cls, name, module.__name__))
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
    if len(empty) == 2:
        reason = "a template: forward and backward do nothing (pass / NotImplementedError)"
    elif empty and children:
        reason = (f"a base class (of {', '.join(children[:3])}): its {empty[0]} does nothing "
                  "(pass / NotImplementedError)")
    else:
        return
    found.verdict, found.reason, found.template = "ignore", reason, True


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
    params = signature_params(cls.__init__)
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


def classify(cls: type, name: str, module: str) -> Found:
    """Decide whether a class is a layer, loss or fused object to check, skip or ignore."""
    def found(kind: str, verdict: str, reason: str = "", training: bool = False) -> Found:
        return Found(cls, name, module, kind, verdict, reason, training)

    if issubclass(cls, BaseException) or inspect.isabstract(cls):
        return found("layer", "ignore", "exception or abstract class")
    if looks_like_engine(cls):  # operator overloads + backward(): an autograd engine
        return found("engine", "check")
    forward_name, backward_name = method_names(cls)
    has_forward, has_backward = forward_name is not None, backward_name is not None
    if not has_forward and not has_backward:
        wrapped = _delegated_argument(cls)
        if wrapped is not None:
            out = found("layer", "skip", (
                f"delegates every attribute (forward, backward, ...) to the object given to its "
                f"constructor ({wrapped}) through __getattr__: check that object's class, or "
                f"build the wrapper and pass it to gradcheck.check_layer"))
            out.delegates = True
            return out
        return found("layer", "ignore", "no forward and no backward (not an NNFS layer or loss)")
    forward_method = getattr(cls, forward_name) if forward_name else None
    backward_method = getattr(cls, backward_name) if backward_name else None
    f_params = signature_params(forward_method)[1:] if has_forward else None
    b_params = signature_params(backward_method)[1:] if has_backward else None
    backward_args = positional_counts(b_params) if b_params is not None else None
    lowered = cls.__name__.lower()
    fused_name = "softmax" in lowered and ("loss" in lowered or "crossentropy" in lowered)

    b_kind = None
    if backward_args is not None:
        required, total, star = backward_args
        if required == 1 or (required == 0 and (total or star)) \
                or (required == 2 and takes_learning_rate(backward_method)):
            b_kind = "layer"  # (backward(grad, learning_rate) updates the parameters itself)
        elif required == 2:
            b_kind = "fused" if fused_name else "loss"

    if not has_forward:
        kind = b_kind or "layer"
        return found(kind, "skip", "no forward method: backward cannot be checked "
                     "against finite differences of a forward pass")
    if f_params is None:
        return found(b_kind or "layer", "ignore", "forward has no inspectable signature")
    required, total, star = positional_counts(f_params)
    second = (
        [p for p in f_params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                           inspect.Parameter.POSITIONAL_OR_KEYWORD)][1:2]
    )
    training = bool(second) and second[0].name.lower() in TRAINING_NAMES
    several = _several_inputs(f_params, required, b_kind, b_params or [])
    if several is not None:
        out = found("layer", "check")
        out.inputs = several
        return out
    if required == 1 or (required == 2 and training) or (required == 0 and (total or star)):
        f_kind = "layer"
    elif required == 2:
        f_kind = "loss"
    else:
        return found(b_kind or "layer", "ignore",
                     f"forward takes {required} arguments (NNFS: 1 for layers, 2 for losses)")
    if not has_backward:
        return found(f_kind, "skip", "no backward method: nothing to check")
    # (a model's backward(output, y) does nothing or belongs to a network: not a layer)
    takes_labels = (f_kind == "layer" and label_argument(backward_method) is not None
                    and not _does_nothing(cls, backward_name) and not _is_network(cls))
    if takes_labels:
        b_kind = "layer"  # until probing shows whether the labels matter
    if b_kind is None:
        return found(f_kind, "ignore", "backward takes neither (dvalues) nor (dvalues, y_true)")
    if f_kind == "loss" and b_kind == "layer" and backward_args is not None \
            and (backward_args[1] >= 2 or backward_args[2]):
        # backward(dvalues, y_true=None): a loss whose label argument is optional
        b_kind = "fused" if fused_name else "loss"
    if (f_kind == "layer") != (b_kind == "layer"):
        return found(
            f_kind, "ignore",
            "forward and backward signatures belong to different protocols "
            "(a model or a container, not a layer or a loss)",
        )
    if f_kind == "loss" and fused_name:
        f_kind = "fused"
    out = found(f_kind, "check", training=training and f_kind == "layer")
    out.labels_in_backward = takes_labels
    return out
