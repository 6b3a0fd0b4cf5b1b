"""``gradcheck [TARGET ...]``: check every layer, loss, function, network and engine in a target.

Exit codes: ``0`` every checked class passed (skipped ones allowed), ``1`` a class failed
or raised, ``2`` usage error (no such file, the module does not import, nothing to check).

The command and its options are public; the functions of this package are internal (the
pytest plugin and the notebook reuse them) and may change in a release.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gradcheck.cli import formats
from gradcheck.engine.capture import captured
from gradcheck.errors import UsageError
from gradcheck.report import ERROR, FAILED, INCONCLUSIVE, PASSED, SKIPPED, UNFINISHED
from gradcheck.targets.config import Settings, load_config, load_settings
from gradcheck.targets.discovery import (
    CONFIG_NAME,
    REGULARIZER_STRENGTH,
    Found,
    Planned,
    TargetError,
    find_classes,
    load_target,
    plan_checks,
)
from gradcheck.targets.folders import directory_files
from gradcheck.targets.guard import GuardError, guarded
from gradcheck.targets.loading import Target
from gradcheck.targets.options import (
    DEFAULT_EXAMPLES,
    DEFAULT_MEMORY,
    DEFAULT_SEED,
    DEFAULT_THREADS,
    RunOptions,
    memory_size,
    positive_int,
    seconds,
    seed_int,
    thread_count,
)
from gradcheck.targets.pipeline import plan_target, run_planned
from gradcheck.targets.results import ClassResult, unloadable_file
from gradcheck.targets.runner import load_engine
from gradcheck.views import (
    NOTHING_VERIFIED,
    everything_excluded,
    nothing_in_targets,
    nothing_to_check,
    render_ignored,
    render_loading,
    render_output,
    render_table,
    render_totals,
    render_unchecked,
    status_counts,
    summary_line,
)

__all__ = [
    "DEFAULT_TARGET",
    "DEFAULT_TIMEOUT_CHECK",
    "DEFAULT_TIMEOUT_IMPORT",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Progress",
    "UsageError",
    "broken_class",
    "build_parser",
    "main",
    "project_strict",
    "target_to_dict",
    "unchecked_classes",
]

DEFAULT_TARGET = "nnfs_core"
DEFAULT_TIMEOUT_IMPORT = 60.0
DEFAULT_TIMEOUT_CHECK = 120.0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_DESCRIPTION = """\
Check the backward pass of every layer, loss, function, network and autograd engine
defined in TARGET against finite differences, on Hypothesis-generated data.

What is checked (the report's kind column):
  layer     layers and activations: forward(inputs) + backward(dvalues)
  loss      losses: forward(y_pred, y_true) + backward(dvalues, y_true)
  fused     softmax + loss classes: forward(inputs, y_true) returning the mean loss
  function  CS231n-style functions: NAME_forward / NAME_backward pairs, and functions
            returning (loss, dW) whatever their name (svm_loss_naive(W, X, y, reg))
  derivative  f with f_prime (_derivative, _deriv, d_f, df), loss primes, and objects
            holding derivatives (Activation(f, f_prime), fn/grad/grad2, loss/grad,
            cost fn/delta); both readings, in terms of the input or of the output
  model     whole networks: a CS231n model (params dict + loss(X, y)) or the book's
            Model (add, finalize, forward, backward)
  engine    autograd engines: a Value or Tensor class with operator overloads and
            backward(), one row per operation
Ignored: classes without forward and backward (optimizers, accuracy helpers, base
classes). Skipped, with the reason: classes with only one of forward/backward, or
constructor arguments that cannot be guessed.
"""

_EPILOG = f"""\
constructor arguments:
  Integer size arguments (n_inputs, n_neurons, ...) get small generated sizes, square
  ones included; arguments with defaults keep them; a constructor with regularizer
  arguments is also checked with all of them set to {REGULARIZER_STRENGTH:g}; `rate` of a
  dropout layer is guessed as 0.1. Give other arguments in the target module:
      {CONFIG_NAME} = {{"Layer_Dropout": {{"rate": 0.1}}}}
  or in the nearest pyproject.toml above the target:
      [tool.gradcheck.args.Layer_Dropout]
      rate = 0.1
  A list of dicts checks the class once per dict.

targets:
  A .py file or a notebook (.ipynb, its code cells) is checked without running its
  module-level code: its classes and functions run with the imports and constants they
  use (and nnfs.init()); training loops, data loading and prints do not, and the report
  lists them. An import only that code needs is not made (cv2 for the data). --run-module
  runs the file as it is. The working directory is on sys.path (run from the project
  root for `from common.layers import ...`). Loading and each class run under time
  limits (--timeout-import, --timeout-check); a target that hangs, calls os._exit or
  sys.exit, or raises KeyboardInterrupt is an error, never a silent exit 0.

configuration ([tool.gradcheck] of the nearest pyproject.toml at or above the working
directory; options win):
  targets = ["src/layers.py"]   what a bare `gradcheck` checks
  examples = 50                 seed = 1                  strict = true
  exclude = ["Layer_Broken*"]   names in the first column, or target paths (fnmatch), left out
  memory = "512MB"              threads = 2

exit codes:
  0  every checked class passed (skipped classes allowed)
  1  a class failed (wrong gradient, protocol violation), raised an error, or is an
     unfinished template (returns None or zeros, `pass`: reported as "unfinished")
  2  usage error: no such file, the module does not import, no checkable class

examples:
  gradcheck                          check the embedded nnfs_core
  gradcheck my_layers.py             check a file
  gradcheck mypkg.layers --json report.json --examples 50 --seed 1
  gradcheck my_layers.py --plot plots/
  gradcheck my_layers.py --output-format github --junit gradcheck.xml   (in CI)
"""


# ----------------------------------------------------------------------------- arguments
def _option(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse ``type`` from a parser of :mod:`gradcheck.targets.options`."""
    def parsed(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parsed.__name__ = parse.__name__
    return parsed


_positive, _seed, _seconds = _option(positive_int), _option(seed_int), _option(seconds)
_memory, _threads = _option(memory_size), _option(thread_count)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``gradcheck`` command.

    Returns
    -------
    argparse.ArgumentParser
        Its help strings are the command's documentation.
    """
    parser = argparse.ArgumentParser(
        prog="gradcheck",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "targets", nargs="*", metavar="TARGET",
        help="a .py file, a notebook, a directory (a package, or each file in it), or an "
        "importable module name (default: the targets of [tool.gradcheck] in pyproject.toml, else "
        f"{DEFAULT_TARGET}, the embedded reference layers)",
    )
    parser.add_argument(
        "--output-format", choices=formats.FORMATS, default="text",
        help="what goes to stdout: text (the table), json (the --json document), github "
        "(GitHub Actions annotations at each failing class's file and line, after the "
        "table) or junit (JUnit XML); with json and junit the table goes to stderr",
    )
    parser.add_argument(
        "--junit", metavar="PATH", dest="junit_path",
        help="also write a JUnit XML report (one test case per class) to PATH",
    )
    parser.add_argument(
        "--allow-empty", action="store_true",
        help="a target without checkable classes is passed over instead of a usage error "
        "(for pre-commit, which passes every changed Python file)",
    )
    parser.add_argument(
        "--json", metavar="PATH", dest="json_path",
        help='write a machine-readable report: {"results": [{"name", "kind", "status", '
        '"message", "gradients", "checks", ...}], "summary": {...}, ...}; "-" for stdout',
    )
    parser.add_argument(
        "--seed", type=_seed, default=None, metavar="N",
        help="Hypothesis seed; the same seed checks the same examples (default: "
        f"[tool.gradcheck] seed, else {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--examples", type=_positive, default=None, metavar="N",
        help="generated examples per check; a failure is shrunk to a minimal example "
        f"(default: [tool.gradcheck] examples, else {DEFAULT_EXAMPLES})",
    )
    parser.add_argument(
        "--plot", metavar="DIR",
        help="write DIR/<name>.png per checked class or function: heatmaps of the analytic "
        "gradient, the finite-difference one and their difference, for each gradient of "
        "the check that decided it (failing gradients first; for a failure, the largest "
        "failing example met) (needs matplotlib: pip install 'nnfs-gradcheck[plot]')",
    )
    parser.add_argument(
        "--strict", action="store_true", default=None,
        help="exit 1 unless every class with a backward was checked: a class that was "
        "inconclusive on every example, skipped, or not recognised counts as a failure; "
        "without it, inconclusive classes fail the run only when no class passed (also "
        "set by strict = true in [tool.gradcheck] of the nearest pyproject.toml)",
    )
    parser.add_argument(
        "--run-module", action="store_true",
        help="run a file's module-level code as Python would (training loops, prints, "
        "data loading); by default only its classes and functions, with the imports and "
        "constants they use, are run, and the report lists what was not",
    )
    parser.add_argument(
        "--timeout-import", type=_seconds, default=DEFAULT_TIMEOUT_IMPORT, metavar="S",
        help="time limit for loading a target, in seconds (0: none; default "
        f"{DEFAULT_TIMEOUT_IMPORT:g}); over it, exit 2",
    )
    parser.add_argument(
        "--timeout-check", type=_seconds, default=DEFAULT_TIMEOUT_CHECK, metavar="S",
        help="time limit for probing and for checking each class, in seconds (0: none; "
        f"default {DEFAULT_TIMEOUT_CHECK:g}); over it, the class is an error",
    )
    parser.add_argument(
        "--memory", type=_memory, default=None, metavar="SIZE",
        help="what one stacked evaluation (many perturbed copies of a batch in one forward "
        "call) may allocate, in bytes or with K, M, G (powers of 1024: 512MB); larger "
        "evaluations are split into more calls, same verdicts (default: [tool.gradcheck] "
        f"memory, else {DEFAULT_MEMORY // 2**20}MB)",
    )
    parser.add_argument(
        "--threads", type=_threads, default=None, metavar="N",
        help="threads per BLAS/OpenMP pool while a check runs, restored after (0: leave "
        f"the pools alone; default: [tool.gradcheck] threads, else {DEFAULT_THREADS})",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true",
        help="also list ignored classes, every check's notes, and what the target printed "
        "at import",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true",
        help="no progress display on stderr",
    )
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto",
        help="colour the status column (default auto: when stdout is a terminal and "
        "NO_COLOR is unset)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nnfs-gradcheck")
    except PackageNotFoundError:
        return "unknown"


# ----------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gradcheck`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 all passed, 1 a class failed or errored, 2 usage error.
    """
    args = build_parser().parse_args(argv)
    _hypothesis_storage()
    stdin, sys.stdin = sys.stdin, io.StringIO()  # the checked code's input(): EOFError,
    try:  # never a wait on a terminal or an open pipe (imports and --run-module included)
        return _run(args)
    except UsageError as exc:
        print(f"gradcheck: error: {exc}", file=sys.stderr)
        # a CI job reading the JSON or JUnit report sees why nothing was checked
        document = {
            "version": formats.SCHEMA_VERSION, "target": args.targets or [DEFAULT_TARGET],
            "exit_code": EXIT_USAGE, "ok": False, "error": str(exc), "results": [],
            "versions": _versions(),
        }
        if args.json_path and not str(exc).startswith("cannot write"):
            with contextlib.suppress(UsageError):
                _write_json(args.json_path, document)
        if args.output_format != "text":
            sys.stdout.write(formats.render(_finite(document), args.output_format))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("gradcheck: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdin = stdin


@dataclass
class _Plan:
    """What loading and planning every target gave (the first step of a run)."""

    targets: list[str]
    plans: list[tuple[str, Planned]] = field(default_factory=list)
    ignored: list[tuple[str, Found]] = field(default_factory=list)
    printed: list[tuple[str, str]] = field(default_factory=list)
    loaded: list[Target] = field(default_factory=list)
    broken: list[tuple[str, ClassResult]] = field(default_factory=list)


@dataclass
class _Outcome:
    """The results of a run, counted, and the exit code they give."""

    results: list[tuple[str, ClassResult]]
    seconds: float
    counts: dict[str, int]
    unchecked: list[tuple[str, str]]
    code: int
    ranges: int = 0  # range findings (fail the run only under --strict)


def _run(args: argparse.Namespace) -> int:
    """Plan, run, decide the exit code, write the output."""
    _check_outputs(args)
    settings = _settings(args)
    progress = Progress(sys.stderr, enabled=not args.quiet)
    start = time.perf_counter()
    with args.options.configured():  # --memory and --threads, undone after the run
        plan = _plan(args, settings, progress)
        if not plan.plans and args.allow_empty:
            print(f"gradcheck: {nothing_in_targets(len(plan.targets))}", file=sys.stderr)
            return EXIT_OK
        results = plan.broken + _check(plan, args, progress)
    outcome = _outcome(plan, results, time.perf_counter() - start, strict=args.strict)
    _write_text(args, plan, outcome)
    _write_documents(args, plan, outcome)
    return outcome.code


def _hypothesis_storage() -> None:
    """Hypothesis' files in the user's cache folder, not ``.hypothesis/`` where they run.

    Hypothesis caches the constants of every module it sees in ``.hypothesis/constants``
    of the working directory: ``gradcheck`` run in a learner's folder left ~95 files
    there. Unless ``HYPOTHESIS_STORAGE_DIRECTORY`` says where (the user's choice wins),
    they go to ``$XDG_CACHE_HOME/nnfs-gradcheck/hypothesis`` (``~/.cache`` by default).
    Called in a pytest process (a test calling ``main``), Hypothesis is left as pytest
    has it.
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or "_pytest" in sys.modules:
        return
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                             ".cache")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(cache, "nnfs-gradcheck",
                                                              "hypothesis")


def _check_outputs(args: argparse.Namespace) -> None:
    """Usage errors in what the options ask to write."""
    if args.json_path == "-" and args.output_format != "text":
        raise UsageError(f"--json - and --output-format {args.output_format} both write to "
                         "stdout; give --json a file name")
    if args.plot is not None and importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'nnfs-gradcheck[plot]'")


def _plan(args: argparse.Namespace, settings: Settings, progress: Progress) -> _Plan:
    """Load every target and plan its classes; a target with nothing to check is an error."""
    plan = _Plan(args.targets or settings.targets or [DEFAULT_TARGET])
    if not args.targets and not settings.targets:
        where = (f"no `targets` in [tool.gradcheck] of {settings.path}" if settings.path
                 else "no [tool.gradcheck] targets in a pyproject.toml here or above")
        print(f"gradcheck: no TARGET given and {where}: checking the embedded "
              f"{DEFAULT_TARGET} (the reference layers), not your code", file=sys.stderr)
    for spec in plan.targets:
        files = directory_files(spec)
        if files is not None:  # a plain directory: each of its files
            _plan_directory(spec, files, args, settings, progress, plan)
        elif not settings.excludes(spec):
            _plan_target(spec, args, settings, progress, plan)
    return plan


def _plan_directory(spec: str, files: list[str], args: argparse.Namespace,
                    settings: Settings, progress: Progress, plan: _Plan) -> None:
    """Every file of a plain directory; those with nothing to check are passed over.

    A file that cannot be loaded (a syntax error, a failing import, a hang) is an
    ``error`` row and the other files are still checked; the directory is a usage error
    only when none of its files has anything to check.
    """
    files = [f for f in files if not settings.excludes(f)]
    before = len(plan.plans) + len(plan.broken)
    for file in files:
        try:
            _plan_target(file, args, settings, progress, plan, in_directory=True)
        except UsageError as exc:
            plan.broken.append((file, unloadable_file(file, str(exc))))
    if len(plan.plans) + len(plan.broken) == before and not args.allow_empty:
        if not files:
            raise UsageError(f"nothing to check in {spec}: it holds no .py file or notebook")
        raise UsageError(f"nothing to check in {spec}: none of its {len(files)} files and "
                         "notebooks defines a class with forward and backward, a function "
                         "that returns a gradient or a derivative pair")


def _plan_target(spec: str, args: argparse.Namespace, settings: Settings,
                 progress: Progress, plan: _Plan, *, in_directory: bool = False) -> None:
    """Load one target and add its plans (and what loading it showed) to ``plan``.

    ``in_directory``: one file of a plain directory, passed over without a word when it
    has nothing to check.
    """
    progress.status(f"loading {spec}")
    try:
        with guarded(f"loading {spec}", args.timeout_import, option="--timeout-import",
                     on_hung=_hung_report(args)):
            target = load_target(spec, run_module=args.run_module, seed=args.seed)
            config = load_config(target)
            found = find_classes(target)
        args.strict = args.strict or project_strict(target.config_start)
    except (TargetError, GuardError) as exc:
        progress.clear()
        raise UsageError(str(exc)) from None
    plan.loaded.append(target)
    if target.import_output:
        plan.printed.append((spec, target.import_output))
    plan.broken += [(spec, broken_class(target, name, reason))
                    for name, reason in target.broken]
    planned = plan_target(
        target, found, config,
        plan=lambda f: _plan_guarded(f, config, args.timeout_check, args),
        on_class=lambda f: progress.status(f"probing {f.name}"),
        excludes=settings.excludes,
    )
    plan.ignored += [(spec, f) for f in planned.ignored]
    progress.clear()
    if not any(p.status != "skip" for p in planned.plans) and not target.broken:
        if in_directory and not planned.plans:  # (train.py, utils.py beside the layers)
            plan.loaded.remove(target)
            plan.printed = [(s, text) for s, text in plan.printed if s != spec]
            return
        if args.allow_empty:
            return
        if planned.excluded:
            raise UsageError(everything_excluded(spec, planned.excluded, settings.path))
        raise UsageError(nothing_to_check(spec, found, planned.plans, target))
    plan.plans += [(spec, p) for p in planned.plans]


def _check(plan: _Plan, args: argparse.Namespace,
           progress: Progress) -> list[tuple[str, ClassResult]]:
    """Run every plan, under the time limit, showing progress."""
    results = []
    total = len(plan.plans)
    load_engine()
    for number, (spec, planned) in enumerate(plan.plans, 1):
        def on_check(check: Any, number: int = number) -> None:
            progress.status(f"[{number}/{total}] {check.name} ({check.variant})")

        result = _run_guarded(planned, args, on_check)
        results.append((spec, result))
        progress.done(number, total, result)
    progress.clear()
    return results


def _outcome(plan: _Plan, results: list[tuple[str, ClassResult]], seconds: float, *,
             strict: bool) -> _Outcome:
    """Count the results and decide the exit code.

    Inconclusive classes fail the run with ``--strict``, or when nothing at all was
    verified (a gate that checked nothing must not pass); ``--strict`` also fails on any
    class with a backward that was not checked, and on range findings (a forward that
    overflows only at large magnitudes).
    """
    counts = status_counts(r for _, r in results)
    with_backward = {p.found.name for _, p in plan.plans if p.found.has_backward}
    unchecked = unchecked_classes([r for _, r in results if r.name in with_backward],
                                  [f for _, f in plan.ignored])
    ranges = sum(1 for _, r in results for c in r.checks
                 if getattr(c.spec, "range_finding", None))
    failed = counts[FAILED] or counts[ERROR] or counts[UNFINISHED] or (
        counts[INCONCLUSIVE] and (strict or not counts[PASSED])) or (
        strict and (unchecked or ranges))
    return _Outcome(results, seconds, counts, unchecked, EXIT_FAILED if failed else EXIT_OK,
                    ranges)


def _write_text(args: argparse.Namespace, plan: _Plan, outcome: _Outcome) -> None:
    """The table and what goes with it, on stdout (on stderr when a document owns stdout)."""
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    # With --json - (or a json/junit format) the document owns stdout; the table: stderr.
    out = sys.stderr if args.json_path == "-" or args.output_format in ("json", "junit") \
        else sys.stdout
    results = [r for _, r in outcome.results]
    if args.verbose:
        for spec, text in plan.printed:
            out.write(f"--- printed while importing {spec} ---\n{text.rstrip()}\n")
        for name, text in getattr(args, "class_output", {}).items():
            out.write(render_class_output(name, text))
    out.write(render_table(results, verbose=args.verbose, color=color))
    out.write(render_unchecked(outcome.unchecked, strict=args.strict))
    if outcome.ranges and args.strict:
        out.write(f"\n{outcome.ranges} range finding(s): failing the run (--strict)\n")
    if args.verbose and plan.ignored:
        out.write(render_ignored([f for _, f in plan.ignored]))
    out.write(render_loading(plan.loaded, ran=args.run_module))
    if args.plot is not None:
        _plots(results, Path(args.plot), out)
    out.write(render_totals(plan.targets, results, seed=args.seed, seconds=outcome.seconds))
    if outcome.counts[INCONCLUSIVE] and not outcome.counts[PASSED] \
            and outcome.code == EXIT_FAILED:
        out.write(NOTHING_VERIFIED + "\n")
    out.write(summary_line(outcome.counts) + "\n")


def _write_documents(args: argparse.Namespace, plan: _Plan, outcome: _Outcome) -> None:
    """The JSON document, the JUnit file, and a document format on stdout, if asked."""
    if not (args.json_path or args.junit_path or args.output_format != "text"):
        return
    document = json.loads(json.dumps(
        _finite(_json_document(args, plan.targets, outcome.results,
                               plan.ignored, outcome.counts, outcome.code, outcome.seconds,
                               [p for _, p in plan.plans])),
        default=_jsonable, allow_nan=False))
    document["targets"] = [target_to_dict(t) for t in plan.loaded]
    document["unchecked"] = [{"name": n, "reason": r} for n, r in outcome.unchecked]
    if args.json_path:
        _write_json(args.json_path, document)
    if args.junit_path:
        _write_file(args.junit_path, formats.junit(document))
    if args.output_format != "text":
        sys.stdout.write(formats.render(document, args.output_format))


def project_strict(start: Path) -> bool:
    """``strict = true`` in ``[tool.gradcheck]`` of the nearest ``pyproject.toml``."""
    try:
        return bool(load_settings(start).strict)
    except TargetError as exc:
        raise UsageError(str(exc)) from None


def _hung_report(args: argparse.Namespace) -> Any:
    """What to do before the process ends on a hung target: write the JSON report."""
    def write(message: str) -> None:
        if args.json_path:
            _write_json(args.json_path, {
                "target": args.targets or [DEFAULT_TARGET], "exit_code": EXIT_USAGE,
                "ok": False, "error": message, "results": [], "versions": _versions(),
            })
    return write


def _plan_guarded(found: Found, config: dict[str, Any], seconds: float,
                  args: argparse.Namespace) -> Planned:
    buffer = io.StringIO()
    try:
        with captured(buffer), guarded(f"probing {found.name}", seconds,
                                       option="--timeout-check", on_hung=_hung_report(args)):
            return plan_checks(found, config)
    except GuardError as exc:
        return Planned(found, status="error", reason=str(exc))
    finally:
        _keep_output(args, found.name, buffer)


def _keep_output(args: argparse.Namespace, name: str, buffer: io.StringIO) -> None:
    """What a class printed or logged, kept for -v (never in the report)."""
    if buffer.getvalue():
        if not hasattr(args, "class_output"):
            args.class_output = {}
        args.class_output[name] = args.class_output.get(name, "") + buffer.getvalue()


def render_class_output(name: str, text: str, limit: int = 40) -> str:
    """What a class printed or logged while probed and checked (``-v``), first lines."""
    return render_output(name, text, limit=limit)


def _run_guarded(planned: Planned, args: argparse.Namespace, on_check: Any) -> ClassResult:
    found = planned.found
    buffer = io.StringIO()
    try:
        with captured(buffer), guarded(f"checking {found.name}", args.timeout_check,
                                       option="--timeout-check", on_hung=_hung_report(args)):
            return run_planned(planned, examples=args.examples, seed=args.seed,
                               on_check=on_check)
    except GuardError as exc:
        return ClassResult(found.name, found.kind, found.module, ERROR, str(exc),
                           notes=list(planned.notes))
    finally:
        _keep_output(args, found.name, buffer)


def broken_class(target: Target, name: str, reason: str) -> ClassResult:
    """The ``error`` row of a class whose definition raised while the target loaded."""
    module = getattr(target.module, "__name__", target.spec)
    return ClassResult(name, "layer", module, ERROR, f"{name}: {reason}")


def unchecked_classes(results: list[ClassResult], ignored: list[Found]) -> list[tuple[str, str]]:
    """Classes with a ``backward`` that were not checked, and why (skipped or ignored)."""
    out = [(r.name, r.message) for r in results if r.status == SKIPPED and not r.checks]
    out += [(r.name, what) for r in results for what in r.unchecked]
    out += [(f.name, f.reason) for f in ignored
            if f.has_backward and not f.template]
    return out


def target_to_dict(target: Target) -> dict[str, Any]:
    """JSON-able summary of how a target was loaded."""
    return {
        "target": target.spec,
        "mode": target.mode,
        "not_run": [d.to_dict() for d in target.not_run],
        "unused_imports": list(target.unused_imports),
        "notes": list(target.notes),
    }




def _settings(args: argparse.Namespace) -> Settings:
    """``[tool.gradcheck]`` of the working directory's project, under the options."""
    try:
        settings = load_settings(Path.cwd())
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    for warning in settings.warnings:
        print(f"gradcheck: warning: {warning}", file=sys.stderr)
    options = RunOptions.resolve(settings, examples=args.examples, seed=args.seed,
                                 strict=args.strict, memory=args.memory,
                                 threads=args.threads)
    args.examples, args.seed, args.strict = options.examples, options.seed, options.strict
    args.options = options
    return settings


def _plots(results: list[ClassResult], directory: Path, out: TextIO) -> None:
    from gradcheck.cli.plot import plot_result

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        path = plot_result(result, directory)
        if path is not None:
            written.append(path)
    out.write(f"\nplots: {len(written)} written to {directory}\n")


# ----------------------------------------------------------------------------- output
class Progress:
    """Progress on stderr: a rewritten line on a terminal, one line per class otherwise."""

    def __init__(self, stream: TextIO, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and stream.isatty()
        self._shown = False

    def status(self, text: str) -> None:
        """Show what is happening now (terminal only)."""
        if self.tty:
            width = max(20, (os.get_terminal_size(self.stream.fileno()).columns
                             if self.stream.isatty() else 80) - 1)
            self.stream.write("\r\033[K" + text[:width])
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        """Remove the status line."""
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

    def done(self, number: int, total: int, result: ClassResult) -> None:
        """Report one finished class."""
        if not self.enabled:
            return
        if self.tty:
            self.status(f"[{number}/{total}] {result.name}: {result.status}")
        else:
            self.stream.write(f"gradcheck: [{number}/{total}] {result.name}: {result.status} "
                              f"({result.seconds:.2f} s)\n")
            self.stream.flush()


# ----------------------------------------------------------------------------- json
def _versions() -> dict[str, str]:
    import numpy

    versions = {"python": platform.python_version(), "numpy": numpy.__version__,
                "gradcheck": _version()}
    try:
        import hypothesis

        versions["hypothesis"] = hypothesis.__version__
    except ImportError:  # pragma: no cover - a dependency
        pass
    return versions


def _json_document(args: argparse.Namespace, targets: list[str],
                   results: list[tuple[str, ClassResult]], ignored: list[tuple[str, Found]],
                   counts: dict[str, int], code: int, seconds: float,
                   plans: list[Planned]) -> dict[str, Any]:
    classes = {(p.found.module, p.found.name): p.found.cls for p in plans}
    entries = []
    for spec, result in results:
        # (a class whose definition failed while loading has no plan and no class object)
        cls = classes.get((result.module, result.name))
        file, line = formats.location(cls) if cls is not None else (None, None)
        entries.append({**result.to_dict(spec), "file": file, "line": line})
    return {
        "version": formats.SCHEMA_VERSION,
        "target": targets,
        "seed": args.seed,
        "examples": args.examples,
        "exit_code": code,
        "ok": code == EXIT_OK,
        # "unfinished" only when there are some: documents of finished code are unchanged
        "summary": {k: v for k, v in counts.items() if v or k != UNFINISHED},
        "seconds": round(seconds, 3),
        "versions": _versions(),
        "results": entries,
        "ignored": [{"name": f.name, "module": f.module, "target": spec, "reason": f.reason}
                    for spec, f in ignored],
    }


def _write_json(path: str, document: dict[str, Any]) -> None:
    text = json.dumps(_finite(document), indent=2, default=_jsonable, allow_nan=False)
    if path == "-":
        sys.stdout.write(text + "\n")
        return
    _write_file(path, text + "\n")


def _write_file(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def _finite(value: Any) -> Any:
    """NaN and infinities become ``None`` (strict JSON has no such numbers)."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)
