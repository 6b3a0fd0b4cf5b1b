"""Find the NNFS-style classes a target defines, and work out how to build and feed them.

Three steps, each usable on its own:

1. :func:`load_target` imports a ``.py`` file, a package directory or a module name and
   raises :class:`TargetError` (a one-line, user-facing message) when it cannot.
2. :func:`find_classes` lists the classes *defined* in the target (not imported into it)
   and sorts them into checkable, skipped (with a reason) and ignored (not the protocol:
   optimizers, models, accuracy helpers, base classes).
3. :func:`plan_checks` builds each checkable class and probes it with small cases to
   decide what data it accepts: the input width of a layer, the label kinds (sparse,
   one-hot, binary, continuous) and the prediction domain (probabilities, values in
   (0, 1), any real) of a loss. The result is one :class:`CheckSpec` per check to run.

Nothing here imports Hypothesis or the engine.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import math
import pkgutil
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

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
    "classes", "size", "dim", "dims", "hidden", "width", "channels", "fan",
}
_IN_TOKENS = {"in", "inputs", "input", "fan_in"}
_TRAINING_NAMES = {"training", "train", "is_training", "train_mode"}
_PROBE_SIZES = (3, 5, 4, 6, 7)


class TargetError(Exception):
    """A target cannot be used: no such file, an import error, nothing to check."""


# ----------------------------------------------------------------------------- loading
@dataclass
class Target:
    """An imported target: the module (or package) and where it came from."""

    spec: str
    module: ModuleType
    path: Path | None
    modules: list[ModuleType]
    import_output: str = ""

    @property
    def config_start(self) -> Path:
        """The directory from which ``pyproject.toml`` is searched."""
        if self.path is not None:
            return self.path if self.path.is_dir() else self.path.parent
        file = getattr(self.module, "__file__", None)
        return Path(file).parent if file else Path.cwd()


def load_target(spec: str) -> Target:
    """Import ``spec``: a ``.py`` file, a package directory, or an importable module name.

    Parameters
    ----------
    spec : str
        What the user typed.

    Returns
    -------
    Target

    Raises
    ------
    TargetError
        With a one-line message: no such file, or the module fails to import (with the
        file and line of the error).

    Notes
    -----
    Output the module prints at import time (book code trains a network at the top level)
    is captured and kept in ``Target.import_output``. A module that calls ``nnfs.init()``
    patches numpy for the whole process; the checks cope with that.
    """
    looks_like_path = spec.endswith(".py") or "/" in spec or "\\" in spec or Path(spec).exists()
    if looks_like_path:
        path = Path(spec).expanduser()
        if not path.exists():
            raise TargetError(f"no such file or directory: {spec}")
        path = path.resolve()
        if path.is_dir():
            if not (path / "__init__.py").exists():
                raise TargetError(f"{spec} is a directory but not a package (no __init__.py)")
            root, name = _package_root(path / "__init__.py")
            name = name.rsplit(".", 1)[0] if name.endswith(".__init__") else name
        else:
            if path.suffix != ".py":
                raise TargetError(f"{spec} is not a .py file")
            root, name = _package_root(path)
        module, output = _import_from_path(name, root, spec, path)
    else:
        if str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))
        module, output = _import_name(spec)
        path = None
    modules = [module]
    if hasattr(module, "__path__"):
        modules += _submodules(module, spec)
    return Target(spec, module, path, modules, output)


def _package_root(file: Path) -> tuple[Path, str]:
    """The sys.path entry and dotted name under which ``file`` imports (as pytest does)."""
    parts = [file.stem]
    directory = file.parent
    while (directory / "__init__.py").exists() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    if parts[-1] == "__init__":
        parts.pop()
    return directory, ".".join(parts)


# Modules gradcheck itself runs on: a target must never replace them in sys.modules.
_IN_USE = {"numpy", "hypothesis", "gradcheck", "pytest", "_pytest", "nnfs", "scipy"}


def _import_from_path(name: str, root: Path, spec: str, path: Path) -> tuple[ModuleType, str]:
    top = name.split(".")[0]
    loaded = sys.modules.get(top)
    if loaded is not None:
        loaded_file = getattr(loaded, "__file__", None) or ""
        if not Path(loaded_file).resolve().is_relative_to(root / top):
            if top in sys.stdlib_module_names or top in _IN_USE:
                # e.g. a user's random.py: load it under another name, stdlib untouched
                if name != top or path.is_dir():
                    raise TargetError(
                        f"{spec}: the package name {top!r} shadows a module gradcheck itself "
                        "uses; rename the package"
                    )
                return _import_file_as(f"gradcheck_target_{top}", path, spec)
            # A different module of the same name is loaded (e.g. the installed nnfs_core
            # while checking a copy of it): forget it so the target's own code is imported.
            for key in [k for k in sys.modules if k == top or k.startswith(top + ".")]:
                del sys.modules[key]
    if str(root) in sys.path:
        sys.path.remove(str(root))
    sys.path.insert(0, str(root))
    return _import_name(name, spec=spec, path=path)


def _import_file_as(alias: str, path: Path, spec: str) -> tuple[ModuleType, str]:
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    module_spec = importlib.util.spec_from_file_location(alias, path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[alias] = module
    loader = module_spec.loader

    def load() -> ModuleType:
        loader.exec_module(module)
        return module

    try:
        return _import_name(alias, spec=spec, path=path, load=load)
    except TargetError:
        sys.modules.pop(alias, None)
        raise


def _import_name(name: str, *, spec: str | None = None, path: Path | None = None,
                 load: Callable[[], ModuleType] | None = None) -> tuple[ModuleType, str]:
    shown = spec or name
    captured = io.StringIO()
    try:
        with _quiet(captured):
            module = load() if load is not None else importlib.import_module(name)
    except SystemExit as exc:
        raise TargetError(f"importing {shown} called sys.exit({exc.code})") from None
    except SyntaxError as exc:
        where = f"{exc.filename}:{exc.lineno}" if exc.filename else shown
        raise TargetError(f"cannot import {shown}: SyntaxError: {exc.msg} ({where})") from None
    except ModuleNotFoundError as exc:
        if exc.name == name and path is None:
            raise TargetError(
                f"no such file or module: {shown} (not a path, and not importable)"
            ) from None
        raise TargetError(f"cannot import {shown}: {describe_exception(exc)}") from None
    except BaseException as exc:  # noqa: BLE001 - anything the user's module raises
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise TargetError(f"cannot import {shown}: {describe_exception(exc)}") from None
    return module, captured.getvalue()


def describe_exception(exc: BaseException) -> str:
    """``Type: message (file:line)`` of the innermost frame outside the import machinery."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if "importlib" not in f.filename and not f.filename.startswith("<frozen")
        and not f.filename.endswith(("_discovery.py",))
    ]
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


def _submodules(package: ModuleType, spec: str) -> list[ModuleType]:
    found = []
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.rsplit(".", 1)[-1].startswith(("test", "__main__")):
            continue
        found.append(_import_name(info.name, spec=f"{spec} ({info.name})")[0])
    return found


@contextlib.contextmanager
def _quiet(buffer: io.StringIO) -> Iterator[None]:
    """Capture what user code prints and silence numpy's warnings while probing."""
    with (
        contextlib.redirect_stdout(buffer),
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore")
        yield


# ----------------------------------------------------------------------------- finding
@dataclass
class Found:
    """A class defined in the target, and what discovery decided about it."""

    cls: type
    name: str
    module: str
    kind: str  # "layer" | "loss" | "fused"
    verdict: str  # "check" | "skip" | "ignore"
    reason: str = ""
    training: bool = False


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
    return found


def _params(function: Any) -> list[inspect.Parameter] | None:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    return list(signature.parameters.values())


def _positional(params: list[inspect.Parameter]) -> tuple[int, int, bool]:
    """(required positional, total positional, takes *args) of a bound method's params."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    star = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    return len(required), len(positional), star


def classify(cls: type, name: str, module: str) -> Found:
    """Decide whether a class is a layer, loss or fused object to check, skip or ignore."""
    def found(kind: str, verdict: str, reason: str = "", training: bool = False) -> Found:
        return Found(cls, name, module, kind, verdict, reason, training)

    if issubclass(cls, BaseException) or inspect.isabstract(cls):
        return found("layer", "ignore", "exception or abstract class")
    forward = inspect.getattr_static(cls, "forward", None)
    backward = inspect.getattr_static(cls, "backward", None)
    has_forward, has_backward = callable(forward), callable(backward)
    if not has_forward and not has_backward:
        return found("layer", "ignore", "no forward and no backward (not an NNFS layer or loss)")
    f_params = _params(cls.forward)[1:] if has_forward else None
    b_params = _params(cls.backward)[1:] if has_backward else None
    backward_args = _positional(b_params) if b_params is not None else None
    lowered = cls.__name__.lower()
    fused_name = "softmax" in lowered and ("loss" in lowered or "crossentropy" in lowered)

    b_kind = None
    if backward_args is not None:
        required, total, star = backward_args
        if required == 1 or (required == 0 and (total or star)):
            b_kind = "layer"
        elif required == 2:
            b_kind = "fused" if fused_name else "loss"

    if not has_forward:
        kind = b_kind or "layer"
        return found(kind, "skip", "no forward method: backward cannot be checked "
                     "against finite differences of a forward pass")
    if f_params is None:
        return found(b_kind or "layer", "ignore", "forward has no inspectable signature")
    required, total, star = _positional(f_params)
    second = (
        [p for p in f_params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                           inspect.Parameter.POSITIONAL_OR_KEYWORD)][1:2]
    )
    training = bool(second) and second[0].name.lower() in _TRAINING_NAMES
    if required == 1 or (required == 2 and training) or (required == 0 and (total or star)):
        f_kind = "layer"
    elif required == 2:
        f_kind = "loss"
    else:
        return found(b_kind or "layer", "ignore",
                     f"forward takes {required} arguments (NNFS: 1 for layers, 2 for losses)")
    if not has_backward:
        return found(f_kind, "skip", "no backward method: nothing to check")
    if b_kind is None:
        return found(f_kind, "ignore", "backward takes neither (dvalues) nor (dvalues, y_true)")
    if (f_kind == "layer") != (b_kind == "layer"):
        return found(
            f_kind, "ignore",
            "forward and backward signatures belong to different protocols "
            "(a model or a container, not a layer or a loss)",
        )
    if f_kind == "loss" and fused_name:
        f_kind = "fused"
    return found(f_kind, "check", training=training and f_kind == "layer")


# ----------------------------------------------------------------------------- building
@dataclass
class Constructor:
    """How to call a class's constructor: fixed arguments and generated sizes."""

    fixed: dict[str, Any] = field(default_factory=dict)
    positional_only: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    input_size: str | None = None
    shown: dict[str, Any] = field(default_factory=dict)
    label: str = "default"

    def build(self, cls: type, sizes: dict[str, int]) -> Any:
        """Call the constructor with the fixed arguments and ``sizes``."""
        values = {**self.fixed, **sizes}
        args = [values.pop(n) for n in self.positional_only if n in values]
        return cls(*args, **values)


def _is_size(param: inspect.Parameter) -> bool:
    annotation = param.annotation
    if annotation is int or annotation == "int":
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
    params = _params(cls)
    if params is None:
        return [Constructor()], None
    builds = []
    for given in config or [{}]:
        unknown = [
            k for k in given
            if k not in {p.name for p in params}
            and not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
        ]
        if unknown:
            return [], f"configured argument(s) {', '.join(unknown)} not in the constructor"
        build = Constructor(fixed=dict(given), shown=dict(given))
        if given:
            build.label = ", ".join(f"{k}={v!r}" for k, v in given.items())
        missing = []
        for p in params:
            if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                continue
            if p.kind is inspect.Parameter.POSITIONAL_ONLY:
                build.positional_only.append(p.name)
            if p.name in given:
                continue
            if p.default is not inspect.Parameter.empty:
                continue
            if _is_size(p):
                build.sizes.append(p.name)
            elif p.name.lower() in GUESSES:
                build.fixed[p.name] = GUESSES[p.name.lower()]
                build.shown[p.name] = GUESSES[p.name.lower()]
                build.label = ", ".join(f"{k}={v!r}" for k, v in build.shown.items())
                build.label += " (guessed)"
            else:
                missing.append(p.name)
        if missing:
            return [], (
                f"constructor argument(s) {', '.join(missing)} have no default and cannot be "
                f"guessed; give them in {CONFIG_NAME} or [tool.gradcheck.args.{cls.__name__}]"
            )
        size_like = [
            p.name for p in params
            if p.name in build.sizes
            or (p.name in given and _is_size(p) and isinstance(given[p.name], int))
        ]
        inputs = [n for n in size_like if set(n.lower().split("_")) & _IN_TOKENS]
        build.input_size = inputs[0] if inputs else (size_like[0] if size_like else None)
        builds.append(build)
        regularizers = [
            p.name for p in params
            if _is_regularizer(p.name) and p.default is not inspect.Parameter.empty
            and p.name not in given and isinstance(p.default, int | float)
        ]
        if regularizers:
            strong = Constructor(
                fixed={**build.fixed, **dict.fromkeys(regularizers, REGULARIZER_STRENGTH)},
                positional_only=list(build.positional_only), sizes=list(build.sizes),
                input_size=build.input_size,
                shown={**build.shown, **dict.fromkeys(regularizers, REGULARIZER_STRENGTH)},
                label=(f"{build.label}, " if build.label != "default" else "")
                + f"regularizers={REGULARIZER_STRENGTH:g}",
            )
            builds.append(strong)
    return builds, None


def prepare(obj: Any) -> None:
    """Give book-style objects the state their ``calculate`` needs (``new_pass()``)."""
    held = [v for v in getattr(obj, "__dict__", {}).values() if hasattr(v, "__dict__")]
    for candidate in [obj, *held]:
        for method, args in (("new_pass", ()), ("remember_trainable_layers", ([],))):
            function = getattr(candidate, method, None)
            if callable(function):
                with contextlib.suppress(Exception):
                    function(*args)


# ----------------------------------------------------------------------------- probing
LABEL_KINDS = ("sparse", "one_hot", "binary", "continuous")
LABEL_TEXT = {
    "sparse": "sparse labels",
    "one_hot": "one-hot labels",
    "binary": "binary targets",
    "continuous": "continuous targets",
}
DOMAIN_TEXT = {
    "probabilities": "probability rows",
    "unit": "values in (0, 1)",
    "real": "real values",
}


@dataclass
class CheckSpec:
    """One check to run: a class, how to build it, and what data to feed it.

    ``labels`` and ``domain`` are set for losses (``domain`` is the ``y_pred`` domain:
    ``"probabilities"``, ``"unit"`` or ``"real"``); ``params`` are the parameter arrays
    whose values are drawn before each check.
    """

    found: Found
    build: Constructor
    kind: str
    labels: str | None = None
    domain: str | None = None
    training: bool = False
    params: list[str] = field(default_factory=list)
    input_width: int | None = None
    backward_only: bool = False

    @property
    def name(self) -> str:
        """The class name."""
        return self.found.name

    @property
    def variant(self) -> str:
        """What distinguishes this check from the class's other checks."""
        parts = [] if self.build.label == "default" else [self.build.label]
        if self.labels is not None:
            parts.append(LABEL_TEXT[self.labels])
        if self.kind == "loss" and self.domain is not None:
            parts.append(f"y_pred {DOMAIN_TEXT[self.domain]}")
        if self.training:
            parts.append("training=True")
        if self.backward_only:
            parts.append("forward supplied: softmax + mean CCE")
        return "; ".join(parts) if parts else "default"


@dataclass
class Planned:
    """The outcome of planning one class: checks to run, or why there are none."""

    found: Found
    specs: list[CheckSpec] = field(default_factory=list)
    status: str = "check"  # "check" | "skip" | "error"
    reason: str = ""
    notes: list[str] = field(default_factory=list)


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
            return _plan_backward_only(found, config)
        return Planned(found, status="skip", reason=found.reason)
    builds, reason = constructors(found.cls, config.get(found.cls.__name__)
                                  or config.get(found.name))
    if reason is not None:
        return Planned(found, status="skip", reason=reason)
    planned = Planned(found)
    for build in builds:
        try:
            specs = _probe(found, build)
        except _SkipError as exc:
            return Planned(found, status="skip", reason=str(exc))
        except _UserError as exc:
            return Planned(found, status="error", reason=str(exc))
        planned.specs += specs
    if not planned.specs:
        return Planned(found, status="skip", reason="no data it accepts was found")
    return planned


class _SkipError(Exception):
    pass


class _UserError(Exception):
    pass


def _user_call(what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        with _quiet(io.StringIO()):
            return function(*args, **kwargs)
    except NotImplementedError as exc:
        raise _SkipError(f"{what} raises NotImplementedError (an abstract base class)") from exc
    except Exception as exc:  # noqa: BLE001 - the user's code
        raise _UserError(f"{what} raised {describe_exception(exc)}") from exc


def _probe_sizes(build: Constructor, width: int | None = None) -> dict[str, int]:
    sizes = {n: _PROBE_SIZES[i % len(_PROBE_SIZES)] for i, n in enumerate(build.sizes)}
    if width is not None and build.input_size in sizes:
        sizes[build.input_size] = width
    return sizes


def _probe(found: Found, build: Constructor) -> list[CheckSpec]:
    sizes = _probe_sizes(build)
    obj = _user_call(f"{found.name}({_call_text(build, sizes)})", build.build, found.cls, sizes)
    prepare(obj)
    if found.kind == "layer":
        return [_probe_layer(found, build, obj, sizes)]
    return _probe_loss(found, build, obj)


def _call_text(build: Constructor, sizes: dict[str, int]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in {**build.fixed, **sizes}.items())


def _forward_layer(obj: Any, inputs: np.ndarray, training: bool) -> Any:
    return obj.forward(inputs, True) if training else obj.forward(inputs)


def _probe_layer(found: Found, build: Constructor, obj: Any, sizes: dict[str, int]) -> CheckSpec:
    fixed = build.fixed.get(build.input_size) if build.input_size else None
    if isinstance(fixed, int):
        candidates: list[tuple[str | None, int]] = [(None, fixed)]
    elif build.sizes:
        order = [build.input_size] + [n for n in build.sizes if n != build.input_size]
        candidates = [(n, sizes[n]) for n in order if n is not None]
    else:
        candidates = [(None, 4)]
    rng = np.random.default_rng(0)
    first_error: _UserError | None = None
    for name, width in candidates:
        inputs = rng.uniform(-1.0, 1.0, size=(3, width))
        try:
            _user_call(f"{found.name}.forward", _forward_layer, obj, inputs, found.training)
        except _UserError as exc:
            first_error = first_error or exc
            continue
        output = getattr(obj, "output", None)
        if not isinstance(output, np.ndarray):
            raise _UserError(f"{found.name}.forward did not set self.output to an array")
        if name is not None:
            build.input_size = name
        return CheckSpec(found, build, "layer", training=found.training,
                         params=_parameters(obj, output),
                         input_width=fixed if isinstance(fixed, int) else None)
    assert first_error is not None
    raise first_error


def _parameters(obj: Any, output: np.ndarray) -> list[str]:
    """Array attributes that get a ``d<name>`` gradient (plus weights/biases by name)."""
    with contextlib.suppress(_UserError, _SkipError):
        _user_call("backward", obj.backward, np.ones_like(output, dtype=np.float64))
    names = []
    for name, value in vars(obj).items():
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size):
            continue
        if name in ("inputs", "output", "dinputs") or name.startswith("d"):
            continue
        if name in ("weights", "biases") or isinstance(getattr(obj, "d" + name, None),
                                                        np.ndarray):
            names.append(name)
    return names


def _probe_labels(kind: str, n: int, c: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "sparse":
        return np.array([0, 2, 3][:n], dtype=np.int64)
    if kind == "one_hot":
        return np.eye(c, dtype=np.float64)[[1, 0, 3][:n]]
    if kind == "binary":
        return np.array([[1, 0, 1, 1], [0, 1, 1, 0], [0, 0, 1, 0]], dtype=np.float64)[:n, :c]
    return rng.uniform(0.05, 0.95, size=(n, c))


def _per_sample(result: Any, n: int) -> np.ndarray | None:
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if values.shape in ((n,), (n, 1)) and np.all(np.isfinite(values)):
        return values.reshape(n)
    return None


def _tries(function: Callable[..., Any], *args: Any) -> Any:
    """The result of a probe call, or ``None`` when the user's code rejects the data."""
    try:
        with _quiet(io.StringIO()):
            return function(*args)
    except Exception:  # noqa: BLE001 - rejecting the data is an answer
        return None


def _probe_loss(found: Found, build: Constructor, obj: Any) -> list[CheckSpec]:
    n, c = 3, 4
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(c), size=n) * 0.9 + 0.1 / c
    accepted: dict[str, Any] = {}
    for kind in LABEL_KINDS:
        accepted[kind] = _tries(obj.forward, probs.copy(), _probe_labels(kind, n, c, rng))
    scalars = {k for k, v in accepted.items() if v is not None and np.ndim(v) == 0
               and math.isfinite(float(v))}
    per_sample = {k for k, v in accepted.items() if v is not None and _per_sample(v, n)
                  is not None}
    if found.kind == "fused" or (scalars and not per_sample):
        kinds = [k for k in ("sparse", "one_hot") if k in scalars]
        if not kinds:
            _user_call(f"{found.name}.forward(logits, sparse labels)", obj.forward,
                       probs.copy(), _probe_labels("sparse", n, c, rng))
            raise _SkipError("forward returned no finite scalar loss for sparse or one-hot labels")
        return [CheckSpec(found, build, "fused", labels=k, domain="real") for k in kinds]
    if not per_sample:
        # Nothing accepted: show the user's error for the most common label kind.
        _user_call(f"{found.name}.forward(y_pred, y_true)", obj.forward, probs.copy(),
                   _probe_labels("sparse", n, c, rng))
        raise _SkipError("forward returned no per-sample losses (shape (N,)) for any label kind")
    if "sparse" in per_sample or ("one_hot" in per_sample and "binary" not in per_sample):
        kinds = [k for k in ("sparse", "one_hot") if k in per_sample]
        return [CheckSpec(found, build, "loss", labels=k, domain="probabilities")
                for k in kinds]
    domain = _domain(obj, n, c, rng)
    kinds = [k for k in ("binary", "continuous") if k in per_sample] or ["one_hot"]
    return [CheckSpec(found, build, "loss", labels=k, domain=domain) for k in kinds]


def _domain(obj: Any, n: int, c: int, rng: np.random.Generator) -> str:
    """``"real"`` if the loss responds to predictions outside [0, 1], else ``"unit"``."""
    sign = np.where(rng.uniform(size=(n, c)) < 0.5, -1.0, 1.0)
    outside = sign * rng.uniform(1.5, 3.0, size=(n, c))
    targets = rng.uniform(-1.0, 2.0, size=(n, c))
    before = _per_sample(_tries(obj.forward, outside.copy(), targets.copy()), n)
    after = _per_sample(_tries(obj.forward, outside + 0.05 * sign, targets.copy()), n)
    if before is None or after is None or np.array_equal(before, after):
        return "unit"
    return "real"


# ----------------------------------------------------------------------------- backward-only
class _SoftmaxCrossentropyForward:
    """Supplies the forward a backward-only fused class implies: softmax, then mean CCE."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def forward(self, inputs: np.ndarray, y_true: np.ndarray) -> float:
        shifted = inputs - np.max(inputs, axis=1, keepdims=True)
        exp = np.exp(shifted)
        self.output = exp / np.sum(exp, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            confidences = clipped[np.arange(len(clipped)), y_true]
        else:
            confidences = np.sum(clipped * y_true, axis=1)
        return float(np.mean(-np.log(confidences)))

    def backward(self, dvalues: np.ndarray, y_true: np.ndarray) -> None:
        self.inner.backward(dvalues, y_true)
        self.dinputs = self.inner.dinputs


def wrap_backward_only(cls: type, obj: Any) -> Any:
    """Wrap a backward-only softmax + cross-entropy object with the forward it implies."""
    wrapper_cls = type(cls.__name__, (_SoftmaxCrossentropyForward,), {})
    return wrapper_cls(obj)


def _plan_backward_only(found: Found, config: dict[str, list[dict[str, Any]]]) -> Planned:
    builds, reason = constructors(found.cls, config.get(found.cls.__name__))
    if reason is not None:
        return Planned(found, status="skip", reason=reason)
    b_params = _params(found.cls.backward)
    if b_params is None or _positional(b_params[1:])[0] != 2:
        return Planned(found, status="skip", reason=found.reason)
    note = ("no forward: checked against softmax followed by the mean categorical "
            "cross-entropy (clipped at 1e-7, as in the book)")
    specs = [
        CheckSpec(found, build, "fused", labels=k, domain="real", backward_only=True)
        for build in builds for k in ("sparse", "one_hot")
    ]
    return Planned(found, specs=specs, notes=[note])
