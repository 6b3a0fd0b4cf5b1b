"""Programs: a module-level function of module-level parameters (min-char-rnn's ``lossFun``).

A file such as min-char-rnn reads its data, builds ``Wxh, Whh, Why, bh, by`` at module
level, defines ``lossFun(inputs, targets, hprev) -> loss, dWxh, dWhh, dWhy, dbh, dby, h``
and then trains forever (``while True:``). Its function is found from the source: a
function defined in the file, reading module-level names, one of whose ``return``
statements returns a tuple naming ``d<name>`` for module-level names (``dWxh`` for
``Wxh``). Nothing is called to find it.

The training loop never runs. The module is loaded as every target is
(:mod:`gradcheck.targets.scripts`): only the definitions and the module-level
assignments they use run (``data = open('input.txt').read()``, ``vocab_size =
len(chars)``, ``Wxh = np.random.randn(hidden_size, vocab_size) * 0.01``), under the
command's time limits; loops, prints and calls at the top level do not. The parameters
and sizes are then the module's own. When those assignments cannot run here (the data
file is missing), the function is skipped with a line saying which statement failed and
what it needs.

The check is :func:`gradcheck.check_params` over the module-level parameters: each
returned gradient is matched to a parameter by shape, ties broken by name (``dWxh`` for
``Wxh``), and the other returned values (the hidden state ``h``) are set aside, as the
report says. Arguments come from their names and the module's sizes: ``inputs`` and
``targets`` are ``seq_length`` ids below ``vocab_size``, ``hprev`` (``h_prev``, ``h0``,
``hidden``) is a small random hidden state of ``hidden_size`` rows.
"""

from __future__ import annotations

import ast
import dis
import importlib.util
import inspect
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.model_api import check_params
from gradcheck.protocol.model_layouts import match_by_shape
from gradcheck.report import Kind
from gradcheck.targets.classes import Found
from gradcheck.targets.loading import Target
from gradcheck.targets.results import ClassResult, checked_once, not_run
from gradcheck.targets.scripts import Unavailable
from gradcheck.targets.specs import Called, CheckSpec, Planned

__all__ = ["Program", "find_programs", "plan_programs", "run_program"]

_IDS = ("inputs", "targets", "input_ids", "target_ids", "ixes", "x_ids", "y_ids")
_HIDDEN = ("hprev", "h_prev", "h0", "hidden", "prev_h", "hs_prev", "h", "state")
_SEQUENCE = ("seq_length", "seq_len", "T", "sequence_length")
_VOCAB = ("vocab_size", "V", "n_chars", "num_chars")
_HIDDEN_SIZE = ("hidden_size", "H", "n_hidden", "hidden_dim")


@dataclass
class Program:
    """What a program's check runs: a function of module-level parameters."""

    function: Any
    params: list[str]
    returned: list[str]  # the names of the returned tuple, in order
    literals: dict[str, int] = field(default_factory=dict)  # ``seq_length = 25``, not run


# ----------------------------------------------------------------------------- finding
def _source(module: Any) -> ast.Module | None:
    file = getattr(module, "__file__", None)
    if not file or not str(file).endswith(".py"):
        return None
    try:
        with open(file, "rb") as handle:
            return ast.parse(importlib.util.decode_source(handle.read()))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None


def _module_assigned(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else \
                [statement.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _literals(tree: ast.Module) -> dict[str, int]:
    """Module-level ``name = <int>`` assignments (read, not run: ``seq_length = 25``)."""
    found: dict[str, int] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name) \
                and isinstance(statement.value, ast.Constant) \
                and type(statement.value.value) is int:
            found[statement.targets[0].id] = statement.value.value
    return found


def _globals_read(function: Any) -> set[str]:
    return {i.argval for i in dis.get_instructions(function)
            if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}


def find_programs(target: Target) -> list[Found]:
    """Every module-level function returning ``d<name>`` for module-level ``name``s."""
    found: list[Found] = []
    for module in target.modules:
        tree = _source(module)
        if tree is None:
            continue
        assigned = _module_assigned(tree)
        for statement in tree.body:
            if not isinstance(statement, ast.FunctionDef) or statement.name.startswith("_"):
                continue
            function = vars(module).get(statement.name)
            if not inspect.isfunction(function):
                continue
            for node in ast.walk(statement):
                if not (isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple)):
                    continue
                names = [e.id if isinstance(e, ast.Name) else "" for e in node.value.elts]
                params = [n[1:] for n in names[1:] if n.startswith("d") and n[1:] in assigned]
                if params and set(params) <= _globals_read(function):
                    program = Program(function, params, names, _literals(tree))
                    found.append(Found.function(program, statement.name, module.__name__,
                                                Kind.MODEL.value, at=function, listed=True))
                    break
    return found


# ----------------------------------------------------------------------------- planning
def plan_programs(target: Target) -> list[Planned]:
    """A plan per program function: its arguments from names and the module's sizes."""
    plans = []
    for found in find_programs(target):
        program: Program = found.subject
        space = program.function.__globals__
        unavailable = [n for n in program.params if isinstance(space.get(n), Unavailable)
                       or n not in space]
        if unavailable:
            plans.append(Planned(found, status="skip", reason=_why_unavailable(
                found, unavailable, space, target)))
            continue
        bad = [n for n in program.params if not (
            isinstance(space[n], np.ndarray) and space[n].dtype.kind == "f")]
        if bad:
            plans.append(Planned(found, status="skip", reason=(
                f"{', '.join(bad)} at module level are not float arrays")))
            continue
        arguments, shown, problem = _arguments(found, space)
        if problem is not None:
            plans.append(Planned(found, status="skip", reason=problem))
            continue
        plans.append(Planned(found, [CheckSpec(found, Called(arguments, shown or "default"),
                                               Kind.MODEL.value)]))
    return plans


def _why_unavailable(found: Found, names: list[str], space: dict[str, Any],
                     target: Target) -> str:
    cause = next((n for n in target.notes if "failed" in n), None)
    errors = [v.error for v in space.values() if isinstance(v, Unavailable)]
    error = next((e for e in errors if isinstance(e, FileNotFoundError)), None)
    need = ""
    filename = getattr(error, "filename", None)
    if isinstance(error, FileNotFoundError) and filename:
        need = f": put {filename} where the program reads it (its data file), and run again"
    what = ", ".join(names)
    text = (f"{found.name} works on the module-level {what}, which the module's own code "
            f"builds, and that code could not run here")
    if cause is not None:
        text += f" ({cause.split(';')[0]})"
    return text + (need or ": run gradcheck where the program itself runs")


def _module_int(space: dict[str, Any], names: tuple[str, ...]) -> int | None:
    for name in names:
        value = space.get(name, space.get("__literals__", {}).get(name))
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _arguments(found: Found, space: dict[str, Any]) -> tuple[dict[str, Any], str,
                                                                     str | None]:
    program: Program = found.subject
    space = {**space, "__literals__": program.literals}
    params = [space[n] for n in program.params]
    matrices = [p for p in params if p.ndim == 2]
    square = next((p for p in matrices if p.shape[0] == p.shape[1]), None)
    hidden = _module_int(space, _HIDDEN_SIZE) or (square.shape[0] if square is not None
                                                  else None)
    vocab = _module_int(space, _VOCAB) or (matrices[0].shape[1] if matrices else None)
    length = _module_int(space, _SEQUENCE) or 5
    rng = np.random.default_rng(0)
    arguments: dict[str, Any] = {}
    shown: list[str] = []
    for p in inspect.signature(program.function).parameters.values():
        if p.name in _IDS and vocab is not None:
            arguments[p.name] = [int(i) for i in rng.integers(0, vocab, length)]
            shown.append(f"{p.name}={length} ids below {vocab}")
        elif p.name in _HIDDEN and hidden is not None:
            arguments[p.name] = 0.1 * rng.standard_normal((hidden, 1))
            shown.append(f"{p.name}=0.1*randn({hidden}, 1)")
        elif p.name in space and not isinstance(space[p.name], Unavailable) \
                and not inspect.isfunction(space[p.name]):
            arguments[p.name] = space[p.name]
            shown.append(f"{p.name} (module-level)")
        elif p.default is inspect.Parameter.empty:
            return {}, "", (f"{found.name}'s argument {p.name} cannot be made from its "
                            "name and the module's sizes")
    return arguments, ", ".join(shown), None


# ----------------------------------------------------------------------------- running
def run_program(planned: Planned, *, seed: int = 0) -> ClassResult:
    """Check a program's function with :func:`check_params` over its module's parameters."""
    found = planned.found
    program: Program = found.subject
    if planned.status != "check":
        return not_run(planned)
    spec = planned.specs[0]
    begun = time.perf_counter()
    space = program.function.__globals__
    originals = {n: space[n] for n in program.params}
    params = dict(originals)
    set_aside: list[str] = []

    def call(p: dict[str, Any]) -> Any:
        space.update(p)
        args = {k: (v.copy() if isinstance(v, np.ndarray) else
                    list(v) if isinstance(v, list) else v) for k, v in spec.build.arguments.items()}
        return program.function(**args)

    def loss(p: dict[str, Any]) -> Any:
        return call(p)[0]

    def grads(p: dict[str, Any]) -> dict[str, Any]:
        result = call(p)
        if not isinstance(result, tuple):
            raise TypeError(f"{found.name} returned {type(result).__name__}, not a tuple")
        rest = list(result[1:])
        labels = program.returned[1:len(result)]
        shapes = {n: np.shape(originals[n]) for n in program.params}
        matched = match_by_shape(shapes, rest, labels)
        if not set_aside:
            used = set(matched.values())
            set_aside.extend(
                f"{labels[i] or f'returned[{i + 1}]'} {np.shape(v)}"
                for i, v in enumerate(rest) if i not in used)
        return {f"d{n}": rest[i] for n, i in matched.items()}

    loss.__name__ = found.name
    try:
        report = check_params(loss, grads, params, seed=seed, raise_on_failure=False)
    finally:
        space.update(originals)
    report.notes.insert(0, "checked with respect to the module-level "
                        + ", ".join(program.params) + " (the module's own values)")
    if set_aside:
        report.notes.insert(1, "returned and matched no parameter, set aside: "
                            + ", ".join(set_aside))
    return checked_once(spec, report, time.perf_counter() - begun)
