"""One pipeline from a loaded target to results, shared by the CLI, pytest and notebooks.

:func:`plan_target` turns the classes and functions a target defines into plans: layers,
losses and fused losses (:func:`~gradcheck.targets.discovery.plan_checks`), whole
networks (:func:`~gradcheck.targets.models.plan_model`), CS231n-style function pairs
(:func:`~gradcheck.targets.functions.plan_functions`), programs' functions of
module-level parameters (:func:`~gradcheck.targets.programs.plan_programs`) and autograd
engines (:func:`~gradcheck.targets.autograd.plan_autograd`). :func:`run_planned` runs one
plan with the runner that fits it. The callers add only what is theirs: time limits and
progress (CLI), items (pytest), the namespace (notebooks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gradcheck.report import Kind
from gradcheck.targets.autograd import plan_autograd, run_autograd
from gradcheck.targets.derivatives import plan_derivatives
from gradcheck.targets.dict_networks import DictNetwork, plan_dict_networks, run_dict_network
from gradcheck.targets.discovery import Found, Planned, plan_checks
from gradcheck.targets.functions import plan_functions
from gradcheck.targets.loading import Target
from gradcheck.targets.models import plan_model, run_model
from gradcheck.targets.programs import Program, plan_programs, run_program
from gradcheck.targets.results import ClassResult
from gradcheck.targets.runner import run_class
from gradcheck.targets.scripts import missing_names, missing_reason

__all__ = ["TargetPlans", "plan_target", "run_planned"]


@dataclass
class TargetPlans:
    """What one target gave: plans to run, and classes discovery set aside."""

    plans: list[Any] = field(default_factory=list)
    ignored: list[Found] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # names the ``exclude`` setting left out


def plan_target(target: Target, found: list[Found], config: dict[str, Any], *,
                plan: Callable[[Found], Planned] | None = None,
                on_class: Callable[[Found], None] | None = None,
                excludes: Callable[[str], bool] | None = None) -> TargetPlans:
    """Plan every class (and function pair) of ``target``.

    Parameters
    ----------
    target : Target
        The loaded target.
    found : list of Found
        Its classes, from :func:`~gradcheck.targets.discovery.find_classes` (after the
        caller's excludes).
    config : dict
        Constructor arguments per class, from :func:`~gradcheck.targets.config.load_config`.
    plan : callable, optional
        Plans one class (default ``plan_checks(found, config)``); the CLI passes one that
        runs under its time limit.
    on_class : callable, optional
        Called before each class is planned (progress display).
    excludes : callable, optional
        Whether a name is left out (the ``exclude`` setting): applied to the classes (which
        the caller may also have filtered) and to every function, pair, derivative, program
        and network row, by the name the report's first column shows.

    Returns
    -------
    TargetPlans
    """
    out = TargetPlans()
    if excludes is not None:
        out.excluded += [f.name for f in found if excludes(f.name)]
        found = [f for f in found if not excludes(f.name)]
    derivatives = plan_derivatives(target)
    owners = {(p.found.module, p.found.subject.owner) for p in derivatives}
    # loss objects whose __call__ returns (loss, grad): checked as functions below
    functions = [p for p in plan_functions(target, config)
                 if (p.found.module, p.found.name) not in owners
                 or getattr(p.found.subject, "owner", None) is None]
    owners |= {(p.found.module, p.found.name) for p in functions
               if getattr(p.found.subject, "owner", None) is not None}
    for f in found:
        if f.verdict in ("ignore", "skip") and (f.module, f.name) in owners:
            continue  # a loss, cost or activation object: checked as a derivative below
        if f.kind == Kind.ENGINE:  # an autograd engine: every operation it defines
            out.plans.append(plan_autograd(f))
            continue
        if f.verdict == "ignore":
            network = plan_model(f, config)  # whole networks: check_model
            if network is None:
                out.ignored.append(f)
            else:
                out.plans.append(network)
            continue
        if on_class is not None:
            on_class(f)
        missing = missing_names(f.cls) if isinstance(f.cls, type) else []
        if missing:  # e.g. a star import that failed: skipped, naming what is missing
            out.plans.append(Planned(f, status="skip", reason=missing_reason(missing)))
            continue
        try:
            planned = plan(f) if plan is not None else plan_checks(f, config)
        except Exception as exc:  # noqa: BLE001 - one class never ends the whole run
            planned = Planned(f, status="error", reason=_raised_while_probing(exc))
        if planned.found.verdict == "ignore":  # an abstract base, seen while probing
            out.ignored.append(planned.found)
            continue
        out.plans.append(planned)
    # deeplearning.ai networks: forward / backward pairs over a parameters dict; they
    # replace the skipped function row of the same forward (L_model_forward(X, parameters))
    networks = plan_dict_networks(target)
    taken = {p.found.name for p in networks}
    out.plans += [p for p in functions  # CS231n-style function pairs
                  if p.status != "skip" or p.found.name not in taken]
    names = {p.found.name for p in out.plans}
    # programs: functions of module-level parameters (min-char-rnn's lossFun)
    out.plans += [p for p in plan_programs(target) if p.found.name not in names]
    out.plans += [p for p in networks if p.found.name not in names]
    out.plans += derivatives  # f/f_prime pairs and derivative objects
    if excludes is not None:
        out.excluded += [p.found.name for p in out.plans if excludes(p.found.name)]
        out.plans = [p for p in out.plans if not excludes(p.found.name)]
    return out


def run_planned(planned: Any, *, examples: int, seed: int,
                on_check: Callable[[Any], None] | None = None) -> ClassResult:
    """Run one plan: a whole network through ``check_model``, anything else per example."""
    if isinstance(planned.found.subject, Program):
        return run_program(planned, seed=seed)
    if isinstance(planned.found.subject, DictNetwork):
        return run_dict_network(planned, seed=seed)
    if planned.found.kind == Kind.MODEL:
        return run_model(planned, seed=seed)
    if planned.found.kind == Kind.ENGINE:
        return run_autograd(planned, seed=seed)
    return run_class(planned, examples=examples, seed=seed, on_check=on_check)


def _raised_while_probing(exc: Exception) -> str:
    """Why probing a class ended: a gradcheck bug, or the class's own code (file:line)."""
    from gradcheck.engine.blame import blame
    from gradcheck.targets.loading import describe_exception

    who = blame(exc)
    if who.internal:
        return (f"gradcheck itself raised {type(exc).__name__}: {exc} ({who.where}) while "
                "probing it: a gradcheck bug, not an error in your code; please report it")
    return f"raised {describe_exception(exc)} while gradcheck probed it"
