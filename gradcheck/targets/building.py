"""How a class is built: its constructor arguments, fixed, guessed or generated.

Size-like arguments (``n_inputs``, ``n_neurons``) are drawn per example; conventional ones
(``rate``, ``alpha``) are guessed and shown; regularizer arguments get a second,
"regularized" build. :func:`prepare` gives book-style objects the state ``calculate``
needs.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import re
import sys
import warnings
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.protocol.derivative import derivative_of, required_names
from gradcheck.protocol.params import find_candidates
from gradcheck.protocol.roles import HELD_RATE, OPTIMIZER_NAMES, HeldOptimizer, roles_of
from gradcheck.protocol.source import binds_method_results
from gradcheck.targets.activation_pairs import folder_pairs, module_pairs
from gradcheck.targets.classes import signature_params
from gradcheck.targets.layer_lists import LIST_NAMES, ShownList, layer_list
from gradcheck.targets.loading import pinned_randomness
from gradcheck.targets.searching import ParameterArray, looked_up_keys, values_for

__all__ = [
    "ARGUMENT_RULES",
    "CONFIG_NAME",
    "Constructor",
    "GUESSES",
    "REGULARIZER_STRENGTH",
    "argument_defaults",
    "as_axis",
    "constructors",
    "prepare",
    "set_up_for",
    "shape_setup",
    "size_defaults",
]

CONFIG_NAME = "GRADCHECK_ARGS"

# Constructor arguments with a conventional meaning in NNFS-style code, guessed when the
# user gives no value (the guess is shown in the report).
GUESSES: dict[str, Any] = {
    "rate": 0.1,
    "dropout_rate": 0.1,
    "drop_rate": 0.1,
    "dropout": 0.1,
    "keep_prob": 0.9,
    "keep_rate": 0.9,
    "alpha": 0.01,
    "negative_slope": 0.01,
    "leak": 0.01,
}

# Value given to every regularizer argument in the "regularized" variant of a layer.
REGULARIZER_STRENGTH = 0.1

_SIZE_TOKENS = {
    "in", "out", "inputs", "input", "outputs", "output", "neurons", "units", "features",
    "classes", "size", "dim", "dims", "hidden", "width", "channels", "fan", "depth",
    "filters", "kernels",
}

_IN_TOKENS = {"in", "inputs", "input", "fan_in"}

# size arguments that are windows: tried as pairs too, when an int is refused
_WINDOW_SIZES = {"kernel_size", "pool_size", "filter_size", "window_size", "kernel_width",
                 "filter_width"}

DRAWN = object()
"""A searched value meaning "keep drawing this size" (the first try for windows)."""

_AXIS_NAMES = ("dim", "axis")


@dataclass
class Constructor:
    """How to call a class's constructor: fixed arguments and generated sizes."""

    fixed: dict[str, Any] = field(default_factory=dict)
    positional_only: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    input_size: str | None = None
    shown: dict[str, Any] = field(default_factory=dict)
    label: str = "default"
    # arguments found by search (targets/searching.py): the values still to try
    searched: dict[str, list[Any]] = field(default_factory=dict)
    variant: str | None = None  # a build where bugs hide ("padding 0"), if it is one

    searched_used: bool = False  # built with searched values (the row shows them)

    def with_fixed(self, values: dict[str, Any], variant: str | None = None) -> Constructor:
        """A copy with ``values`` fixed (shown in the row); ``DRAWN`` keeps a size drawn."""
        values = {k: v for k, v in values.items() if v is not DRAWN}
        return Constructor(
            fixed={**self.fixed, **values}, positional_only=list(self.positional_only),
            sizes=[n for n in self.sizes if n not in values],
            input_size=None if self.input_size in values else self.input_size,
            shown={**self.shown, **values}, label=self.label,
            searched=dict(self.searched), variant=variant or self.variant,
            searched_used=self.searched_used or bool(values))

    def show_arguments(self) -> None:
        """The row prints the arguments used (searched builds and variants)."""
        if self.searched_used or self.variant:
            self.label = ", ".join(f"{k}={v!r}" for k, v in self.shown.items()) or "default"
            if self.variant:
                self.label += f" ({self.variant})"

    def build(self, cls: type, sizes: dict[str, int]) -> Any:
        """Call the constructor with the fixed arguments and ``sizes``."""
        values = {**self.fixed, **sizes}
        # parameter arrays given to the constructor (Linear(W, b)): a fresh copy per build
        values = {k: np.array(v) if isinstance(v, ParameterArray)
                  else copy.deepcopy(v) if isinstance(v, ShownList) else v  # (fresh layers)
                  for k, v in values.items()}
        args = [values.pop(n) for n in self.positional_only if n in values]
        return cls(*args, **values)


# CS231n's single-letter sizes: batch, input dim, output dim, hidden, channels, filters,
# filter height/width, time steps, vocabulary (upper case only: ``f`` is a window)
_LETTER_SIZES = {"N", "D", "M", "H", "C", "F", "HH", "WW", "T", "V"}
# ... and the lower-case sizes of other tutorials (PReLU(n), Embedding(d)); not ``f``,
# ``k`` or ``p`` (windows, rates)
_LOWER_SIZES = {"n", "d", "m", "nx", "ny", "nh", "n_x", "n_h", "n_y"}


def _is_size(param: inspect.Parameter) -> bool:
    annotation = param.annotation
    if annotation is int or annotation == "int" or param.name in _LETTER_SIZES \
            or param.name in _LOWER_SIZES:
        return True
    tokens = set(param.name.lower().split("_"))
    name = param.name.lower()
    return bool(
        re.fullmatch(r"(n|num|number)_\w+", name)
        or tokens & _SIZE_TOKENS
        or name in {"in_features", "out_features", "fan_in", "fan_out", "units"}
    ) and name not in GUESSES


def _is_regularizer(name: str) -> bool:
    lowered = name.lower()
    return "regulari" in lowered or bool(re.search(r"(^|_)l[12]($|_)", lowered))


# One rule per way a constructor argument without a value gets one, tried in order (the
# first that takes the argument wins); an argument no rule takes is missing. Where each is
# exercised:
#   _drawn_size      n_inputs / n_neurons (tests/zoo/dense.py; test_cli_discovery
#                    test_regularizer_arguments...); windows as pairs: ConvPair_Bug and
#                    its twin (tests/zoo_observed_b/conv.py), documented tuples
#                    (test_zoo_observed_b.py, the numpydoc/Google-style test)
#   _searched_value  input_shape / depth of Convolutional (tests/zoo_observed_b/conv.py)
#   _guessed_value   a dropout rate (test_cli_discovery test_a_dropout_rate_is_guessed...)
#   _module_pair     Activation(f, f_prime) (tests/zoo_observed/activation_layer.py)
#   _observed_size   SelfAttention(d_model) (tests/test_constructor_observed_sizes.py)
#   (none)           Layer_X(mystery): skipped with the reason (test_cli_command, "no
#                    checkable class"; test_cli_discovery Layer_Mystery)
_ArgumentRule = Callable[[type, inspect.Parameter, Constructor], bool]


def _drawn_size(cls: type, p: inspect.Parameter, build: Constructor) -> bool:
    """A size-like argument is drawn per example (a window is tried as pairs too)."""
    if not _is_size(p) or p.name.lower().endswith("shape"):
        return False
    build.sizes.append(p.name)
    if p.name.lower() in _WINDOW_SIZES:
        # a window drawn as an int first; pairs when the int is refused
        # (``kh, kw = kernel_size``), or first when the docstring says tuple
        pairs: list[Any] = [(2, 2), (3, 3), (2, 3)]
        build.searched[p.name] = [*pairs, DRAWN] if _documented_tuple(
            cls, p.name) else [DRAWN, *pairs]
    return True


def _searched_value(cls: type, p: inspect.Parameter, build: Constructor) -> bool:
    """An argument with known candidate values (targets/searching.py) starts at the first.

    One looked up in a module's dict (``activation_functions[name]``) tries its keys.
    """
    values = looked_up_keys(cls).get(p.name) or values_for(p.name)
    if values is None:
        return False
    build.searched[p.name] = list(values)
    build.fixed[p.name] = build.shown[p.name] = build.searched[p.name][0]
    return True


def _guessed_value(cls: type, p: inspect.Parameter, build: Constructor) -> bool:
    """A conventional argument (``rate``, ``alpha``) gets its guess, shown in the label."""
    if p.name.lower() not in GUESSES:
        return False
    build.fixed[p.name] = GUESSES[p.name.lower()]
    build.shown[p.name] = GUESSES[p.name.lower()]
    build.label = ", ".join(f"{k}={v!r}" for k, v in build.shown.items())
    build.label += " (guessed)"
    return True


def _module_pair(cls: type, p: inspect.Parameter, build: Constructor) -> bool:
    """``ActivationLayer(activation, activation_prime)``: a function and its derivative.

    The two arguments are named as a function and its derivative (``activation`` and
    ``activation_prime``, ``f`` and ``f_deriv``: :func:`derivative_of`); they are given
    the first elementwise pair the class's own module defines (``tanh``, ``tanh_prime``),
    else one of another module of its folder (:func:`folder_pairs`: ``activations.py``
    beside ``layers.py``, a pair whose derivative agrees numerically first), shown in
    the row. The pair itself is checked as a derivative too; this checks how
    the layer's backward uses it (on its input or on its output).
    """
    if callable(build.fixed.get(p.name)):
        return True  # the derivative's argument, fixed with its function below
    params = required_names(cls) or []
    derivative = next((n for n in params if derivative_of(n, {p.name}) == p.name), None)
    if derivative is None:
        return False
    module = sys.modules.get(getattr(cls, "__module__", ""), None)
    pairs = module_pairs(vars(module)) if module is not None else []
    if not pairs:  # the pair in another module of the folder (activations.py)
        pairs = folder_pairs(cls)
    if not pairs:
        return False
    base, f, name, f_prime = pairs[0]
    build.fixed[p.name], build.fixed[derivative] = f, f_prime
    build.shown[p.name], build.shown[derivative] = base, name
    build.label = ", ".join(f"{k}={v}" for k, v in build.shown.items())
    return True


def _layer_list(cls: type, p: inspect.Parameter, build: Constructor) -> bool:
    """``Sequential(layers)``: a small network of the module's own layer classes.

    Exercised by tests/test_layer_lists.py (a container and its twin).
    """
    if p.name.lower() not in LIST_NAMES:
        return False
    layers = layer_list(cls)
    if layers is None:
        return False
    build.fixed[p.name] = build.shown[p.name] = layers
    build.searched_used = True  # (the row shows the list)
    return True


def _observed_size(cls: type, p: inspect.Parameter, build: Constructor) -> bool:
    """An argument no name tells (``SelfAttention(d_model)``): a size if the arrays follow it.

    Observed on the constructor itself (:func:`_sizes_by_construction`), so that any
    spelling counts (``d_model``, ``emb``, ``nin``); the argument is then drawn like
    ``n_inputs``.
    """
    if p.name not in _sizes_by_construction(cls):
        return False
    build.sizes.append(p.name)
    return True


_OBSERVED: weakref.WeakKeyDictionary[type, frozenset[str]] = weakref.WeakKeyDictionary()


def _sizes_by_construction(cls: type) -> frozenset[str]:
    """The required constructor arguments that size the arrays the object makes.

    Every required argument is given 3 and the object built; then each in turn is given
    5: an argument is a size when the object's arrays change shape with it and one of
    them has a 5 in its shape. Nothing when a build with ints raises (an argument that
    is an object, a string or a list). The global random generators are seeded and put
    back (``loading.pinned_randomness``), and what the constructor prints is dropped.
    Kept per class, weakly (a class redefined in
    a notebook is a new class).
    """
    if cls in _OBSERVED:
        return _OBSERVED[cls]
    params = [p for p in signature_params(cls) or []
              if p.default is inspect.Parameter.empty
              and p.kind not in (inspect.Parameter.VAR_POSITIONAL,
                                 inspect.Parameter.VAR_KEYWORD)]
    found: set[str] = set()
    base = _array_shapes(cls, params, {})
    if base is not None:
        for p in params:
            moved = _array_shapes(cls, params, {p.name: 5})
            if moved is not None and moved != base and any(5 in s for s in moved):
                found.add(p.name)
    _OBSERVED[cls] = frozenset(found)
    return _OBSERVED[cls]


def _array_shapes(cls: type, params: list[inspect.Parameter],
                  values: dict[str, int]) -> list[tuple[int, ...]] | None:
    """The shapes of the float arrays ``cls`` built with ints holds; None if it raised."""
    args = [values.get(p.name, 3) for p in params
            if p.kind is inspect.Parameter.POSITIONAL_ONLY]
    kwargs = {p.name: values.get(p.name, 3) for p in params
              if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
    try:
        with pinned_randomness(0), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = cls(*args, **kwargs)
    except Exception:  # noqa: BLE001 - any failure: not built with ints
        return None
    return sorted(a.shape for a in find_candidates(obj).arrays)


ARGUMENT_RULES: tuple[_ArgumentRule, ...] = (_drawn_size, _searched_value, _guessed_value,
                                             _module_pair, _layer_list, _observed_size)


def _unknown_arguments(params: list[inspect.Parameter], given: dict[str, Any]) -> list[str]:
    """Configured names the constructor does not take (none when it takes ``**kwargs``)."""
    return [
        k for k in given
        if k not in {p.name for p in params}
        and not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    ]


def _fill(cls: type, params: list[inspect.Parameter], given: dict[str, Any],
          build: Constructor) -> list[str]:
    """Give each argument without a value one by :data:`ARGUMENT_RULES`; the missing ones."""
    missing = []
    for p in params:
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if p.kind is inspect.Parameter.POSITIONAL_ONLY:
            build.positional_only.append(p.name)
        if p.name in given or p.default is not inspect.Parameter.empty:
            continue
        if not any(rule(cls, p, build) for rule in ARGUMENT_RULES):
            missing.append(p.name)
    return missing


def _input_size(params: list[inspect.Parameter], given: dict[str, Any],
                build: Constructor) -> str | None:
    """The size argument that is the input's width: an ``in`` name first, else the first."""
    size_like = [
        p.name for p in params
        if p.name in build.sizes
        or (p.name in given and _is_size(p) and isinstance(given[p.name], int))
    ]
    inputs = [n for n in size_like if set(n.lower().split("_")) & _IN_TOKENS]
    return inputs[0] if inputs else (size_like[0] if size_like else None)


def _regularized(params: list[inspect.Parameter], given: dict[str, Any],
                 build: Constructor) -> Constructor | None:
    """The second build with every defaulted regularizer argument set, if there are any.

    Exercised by Layer_Dense's "regularizers=0.1" variant (test_cli_command) and
    test_cli_discovery's test_regularizer_arguments_keep_their_defaults...
    """
    regularizers = [
        p.name for p in params
        if _is_regularizer(p.name) and p.default is not inspect.Parameter.empty
        and p.name not in given and isinstance(p.default, int | float)
    ]
    if not regularizers:
        return None
    return Constructor(
        fixed={**build.fixed, **dict.fromkeys(regularizers, REGULARIZER_STRENGTH)},
        positional_only=list(build.positional_only), sizes=list(build.sizes),
        input_size=build.input_size,
        shown={**build.shown, **dict.fromkeys(regularizers, REGULARIZER_STRENGTH)},
        label=(f"{build.label}, " if build.label != "default" else "")
        + f"regularizers={REGULARIZER_STRENGTH:g}",
    )


def constructors(cls: type, config: list[dict[str, Any]] | None) -> tuple[
    list[Constructor], str | None
]:
    """The ways to build ``cls``; or a reason why it cannot be built.

    Parameters
    ----------
    cls : type
        The class.
    config : list of dict or None
        User-given constructor arguments (one build per dict).

    Returns
    -------
    (list of Constructor, str or None)
        The builds to check, and ``None``; or ``[]`` and the reason.
    """
    params = signature_params(cls)
    if params is None:
        return [Constructor()], None
    builds = []
    for given in config or [{}]:
        unknown = _unknown_arguments(params, given)
        if unknown:
            return [], f"configured argument(s) {', '.join(unknown)} not in the constructor"
        build = Constructor(fixed=dict(given), shown=dict(given))
        if given:
            build.label = ", ".join(f"{k}={v!r}" for k, v in given.items())
        missing = _fill(cls, params, given, build)
        if missing:
            return [], (
                f"constructor argument(s) {', '.join(missing)} have no default and cannot be "
                f"guessed; give them in {CONFIG_NAME} or [tool.gradcheck.args.{cls.__name__}]"
            )
        build.input_size = _input_size(params, given, build)
        if initializer(cls) is not None:  # Dense(n_units, input_shape=None): shapes too
            for p in params:
                values = values_for(p.name)
                if p.default is None and p.name not in given and values is not None:
                    build.searched[p.name] = [None, *values, (4,)]
        builds.append(build)
        strong = _regularized(params, given, build)
        if strong is not None:
            builds.append(strong)
    return builds, None


def _documented_tuple(cls: type, name: str) -> bool:
    """Whether the class's or constructor's docstring types ``name`` as a tuple.

    ``kernel_size : tuple of int`` (numpydoc), ``kernel_size (tuple): ...`` (Google
    style) or ``kernel_size: (kh, kw)``: the line that names the argument says so.
    """
    # (mypy warns about reading __init__ off an instance; cls is a class)
    init = cls.__init__  # type: ignore[misc]
    text = "\n".join(filter(None, (inspect.getdoc(cls), inspect.getdoc(init))))
    for line in text.splitlines():
        stripped = line.strip()
        if re.match(rf"{re.escape(name)}\b", stripped):
            rest = stripped[len(name):][:60].lower()
            if "tuple" in rest or re.search(r"\(\s*\w+\s*,\s*\w+\s*\)", rest):
                return True
    return False


#: methods a layer is set up with after construction, given an optimizer
#: (``layer.initialize(optimizer)``, as a from-scratch library's network does on ``add``)
_INITIALIZERS = ("initialize", "initialise", "init", "build", "setup", "init_params",
                 "initialize_parameters", "initialize_weights", "init_weights", "compile")


def _set_up_with(cls: type, arguments: Iterable[str]) -> str | None:
    """The set-up method of ``cls`` taking one required argument named in ``arguments``."""
    names = set(arguments)
    for name in _INITIALIZERS:
        method = inspect.getattr_static(cls, name, None)
        if inspect.isfunction(method):
            wanted = (required_names(method) or [])[1:]
            if len(wanted) == 1 and wanted[0].lower() in names:
                return name
    return None


def initializer(cls: type) -> str | None:
    """The method ``cls`` is set up with, given an optimizer it keeps, if it has one.

    ``initialize(self, optimizer)``: one required argument, named as an optimizer.
    """
    return _set_up_with(cls, OPTIMIZER_NAMES)


#: a set-up method's argument that is the input's shape (a tuple) or width (an int)
_SHAPE_ARGUMENTS = {"input_shape": tuple, "in_shape": tuple, "shape": tuple,
                    "inputs_shape": tuple, "input_dim": int, "in_features": int,
                    "n_inputs": int, "input_size": int, "in_dim": int}


def shape_setup(cls: type) -> str | None:
    """The method ``cls`` builds its parameters with, given the input's shape, if any.

    ``build(self, input_shape)`` (Keras' way: weights made once the input is known),
    ``initialize(input_dim)``: one required argument, named as an input shape or width.
    """
    return _set_up_with(cls, _SHAPE_ARGUMENTS)


def set_up_for(obj: Any, sample_shape: tuple[int, ...]) -> None:
    """Run ``obj``'s shape set-up (:func:`shape_setup`) for inputs of ``sample_shape``.

    A shape is given without the batch axis, ``(features,)`` (read as ``[0]`` or
    ``[-1]`` alike); a width as an int. What it raises is left to forward to show.
    """
    setup = shape_setup(type(obj))
    if setup is None or not sample_shape:
        return
    method = getattr(obj, setup)
    wanted = (required_names(getattr(type(obj), setup)) or ["", ""])[1]
    value = tuple(sample_shape) if _SHAPE_ARGUMENTS.get(wanted.lower()) is tuple \
        else int(sample_shape[-1])
    with contextlib.suppress(Exception):
        method(value)


def prepare(obj: Any) -> None:
    """Give objects the state they need before forward.

    Book-style objects get what their ``calculate`` needs (``new_pass()``); a layer set
    up with ``initialize(optimizer)`` gets an optimizer whose rate the check sets
    (:class:`~gradcheck.protocol.roles.HeldOptimizer`): its backward's updates are read
    as gradients, like those of ``backward(grad, learning_rate)``.
    """
    setup = initializer(type(obj))
    if setup is not None and hasattr(obj, "__dict__"):
        obj.__dict__[HELD_RATE] = 0.0
        backward = getattr(type(obj), roles_of(type(obj)).backward, None)
        returns_new = callable(backward) and binds_method_results(backward)
        with contextlib.suppress(Exception):
            getattr(obj, setup)(HeldOptimizer(obj, returns_new=returns_new))
    held = [v for v in getattr(obj, "__dict__", {}).values() if hasattr(v, "__dict__")]
    for candidate in [obj, *held]:
        for method, args in (("new_pass", ()), ("remember_trainable_layers", ([],))):
            function = getattr(candidate, method, None)
            if callable(function):
                with contextlib.suppress(Exception):
                    function(*args)


def as_axis(build: Constructor) -> Constructor | None:
    """The build with its ``dim``/``axis`` size argument read as the last axis, if any."""
    names = [n for n in build.sizes if n.lower() in _AXIS_NAMES]
    if not names:
        return None
    fixed = {**build.fixed, **dict.fromkeys(names, -1)}
    shown = {**build.shown, **dict.fromkeys(names, -1)}
    label = ", ".join(f"{k}={v!r}" for k, v in shown.items()) + " (an axis)"
    return Constructor(fixed=fixed, positional_only=list(build.positional_only),
                       sizes=[n for n in build.sizes if n not in names],
                       input_size=None if build.input_size in names else build.input_size,
                       shown=shown, label=label)


def argument_defaults(cls: type) -> dict[str, Any]:
    """The constructor's default argument values (``in_channels=2``)."""
    return {p.name: p.default for p in signature_params(cls) or []
            if p.default is not inspect.Parameter.empty}


def size_defaults(cls: type) -> list[int]:
    """Default values of the constructor's size-like arguments, inputs first."""
    params = signature_params(cls) or []
    sized = [p for p in params if _is_size(p) and isinstance(p.default, int)
             and not isinstance(p.default, bool) and p.default > 0]
    sized.sort(key=lambda p: not (set(p.name.lower().split("_")) & _IN_TOKENS))
    return [int(p.default) for p in sized]
