"""``gradcheck [TARGET ...]``: check every NNFS-style class in a file or module.

Exit codes: ``0`` every checked class passed (skipped ones allowed), ``1`` a class failed
or raised, ``2`` usage error (no such file, the module does not import, nothing to check).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from gradcheck.report import Kind
from gradcheck.targets.discovery import (
    CONFIG_NAME,
    REGULARIZER_STRENGTH,
    Found,
    Planned,
    TargetError,
    find_classes,
    load_config,
    load_target,
    plan_checks,
)
from gradcheck.targets.models import plan_model, run_model
from gradcheck.targets.runner import (
    DEFAULT_EXAMPLES,
    DEFAULT_SEED,
    ERROR,
    FAILED,
    INCONCLUSIVE,
    PASSED,
    SKIPPED,
    CheckResult,
    ClassResult,
    run_class,
)

DEFAULT_TARGET = "nnfs_core"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_DESCRIPTION = """\
Check the backward pass of every NNFS-style class defined in TARGET against finite
differences, on Hypothesis-generated data.

Discovered: layers and activations (forward + backward(dvalues)), losses
(forward(y_pred, y_true) + backward(dvalues, y_true)) and fused softmax + loss classes
(forward(inputs, y_true) returning the mean loss). Ignored: classes without forward and
backward (optimizers, accuracy helpers, base classes). Whole networks (a CS231n model:
params dict + loss(X, y); the book's Model) are checked with check_model. Skipped, with the
reason: classes with only one of forward/backward, or constructor arguments that cannot
be guessed.
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

exit codes:
  0  every checked class passed (skipped classes allowed)
  1  a class failed (wrong gradient, protocol violation) or raised an error
  2  usage error: no such file, the module does not import, no checkable class

examples:
  gradcheck                          check the embedded nnfs_core
  gradcheck my_layers.py             check a file
  gradcheck mypkg.layers --json report.json --examples 50 --seed 1
  gradcheck my_layers.py --plot plots/
"""


# ----------------------------------------------------------------------------- arguments
def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


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
        help="a .py file, a package directory, or an importable module name "
        f"(default: {DEFAULT_TARGET}, the embedded reference layers)",
    )
    parser.add_argument(
        "--json", metavar="PATH", dest="json_path",
        help='write a machine-readable report: {"results": [{"name", "kind", "status", '
        '"message", "gradients", "checks", ...}], "summary": {...}, ...}; "-" for stdout',
    )
    parser.add_argument(
        "--seed", type=_seed, default=DEFAULT_SEED, metavar="N",
        help=f"Hypothesis seed; the same seed checks the same examples (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--examples", type=_positive, default=DEFAULT_EXAMPLES, metavar="N",
        help="generated examples per check; a failure is shrunk to a minimal example "
        f"(default {DEFAULT_EXAMPLES})",
    )
    parser.add_argument(
        "--plot", metavar="DIR",
        help="write DIR/<Class>.png per class: finite-difference error against step size on "
        "its first example, with the check's step and tolerance marked (needs matplotlib: "
        "pip install 'nnfs-gradcheck[plot]')",
    )
    parser.add_argument(
        "--strict", action="store_true",
        help="count a class that was inconclusive on every example as a failure (exit 1); "
        "without it, inconclusive classes fail the run only when no class passed",
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
class UsageError(Exception):
    """A problem with what the user asked for: exit 2 with a one-line message."""


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
    try:
        return _run(args)
    except UsageError as exc:
        print(f"gradcheck: error: {exc}", file=sys.stderr)
        if args.json_path and not str(exc).startswith("cannot write"):
            # a CI job reading the JSON sees why nothing was checked
            with contextlib.suppress(UsageError):
                _write_json(args.json_path, {
                    "target": args.targets or [DEFAULT_TARGET], "exit_code": EXIT_USAGE,
                    "ok": False, "error": str(exc), "results": [], "versions": _versions(),
                })
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("gradcheck: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.plot is not None and importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'nnfs-gradcheck[plot]'")
    targets = args.targets or [DEFAULT_TARGET]
    progress = Progress(sys.stderr, enabled=not args.quiet)
    start = time.perf_counter()

    plans: list[tuple[str, Planned]] = []
    ignored: list[tuple[str, Found]] = []
    printed: list[tuple[str, str]] = []
    for spec in targets:
        progress.status(f"importing {spec}")
        try:
            target = load_target(spec)
            config = load_config(target)
            found = find_classes(target)
        except TargetError as exc:
            progress.clear()
            raise UsageError(str(exc)) from None
        if target.import_output:
            printed.append((spec, target.import_output))
        target_plans = []
        for f in found:
            if f.verdict == "ignore":
                network = plan_model(f, config)  # whole networks: check_model
                if network is None:
                    ignored.append((spec, f))
                else:
                    target_plans.append(network)
                continue
            progress.status(f"probing {f.name}")
            target_plans.append(plan_checks(f, config))
        progress.clear()
        if not any(p.status != "skip" for p in target_plans):
            raise UsageError(nothing_to_check(spec, found, target_plans))
        plans += [(spec, p) for p in target_plans]

    results: list[tuple[str, ClassResult]] = []
    total = len(plans)
    for number, (spec, planned) in enumerate(plans, 1):
        def on_check(check: Any, number: int = number) -> None:
            progress.status(f"[{number}/{total}] {check.name} ({check.variant})")

        result = (
            run_model(planned, seed=args.seed) if planned.found.kind == Kind.MODEL
            else run_class(planned, examples=args.examples, seed=args.seed, on_check=on_check)
        )
        results.append((spec, result))
        progress.done(number, total, result)
    progress.clear()
    seconds = time.perf_counter() - start

    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    # With --json - the JSON document owns stdout; the table goes to stderr.
    out = sys.stderr if args.json_path == "-" else sys.stdout
    if args.verbose:
        for spec, text in printed:
            out.write(f"--- printed while importing {spec} ---\n{text.rstrip()}\n")
    counts = _counts([r for _, r in results])
    # Inconclusive classes fail the run with --strict, or when nothing at all was verified
    # (a gate that checked nothing must not pass).
    code = EXIT_FAILED if counts[FAILED] or counts[ERROR] or (
        counts[INCONCLUSIVE] and (args.strict or not counts[PASSED])
    ) else EXIT_OK
    out.write(render_table([r for _, r in results], verbose=args.verbose, color=color))
    if args.verbose and ignored:
        out.write("\nignored (not NNFS layers or losses):\n")
        for _, f in ignored:
            out.write(f"  {f.name}: {f.reason}\n")
    if args.plot is not None:
        _plots([r for _, r in results], Path(args.plot), out)
    checks = sum(len(r.checks) for _, r in results)
    examples = sum(c.examples for _, r in results for c in r.checks)
    out.write(
        f"\n{', '.join(targets)}: {len(results)} classes, {checks} checks, {examples} "
        f"examples (seed {args.seed}) in {seconds:.1f} s\n"
    )
    if counts[INCONCLUSIVE] and not counts[PASSED] and code == EXIT_FAILED:
        out.write("nothing was verified: finite differences could not decide any check\n")
    out.write(summary_line(counts) + "\n")
    if args.json_path:
        document = _json_document(args, targets, results, ignored, counts, code, seconds)
        _write_json(args.json_path, document)
    return code


def nothing_to_check(spec: str, found: list[Found], plans: list[Planned]) -> str:
    """Why a target gave nothing to check, as one line for the user."""
    if not found:
        return f"no class is defined in {spec}: nothing to check"
    skipped = "; ".join(f"{p.found.name}: {p.reason}" for p in plans)
    if skipped:
        return f"no checkable class in {spec} (skipped {skipped})"
    names = ", ".join(f.name for f in found[:8]) + (", ..." if len(found) > 8 else "")
    return (f"no checkable class in {spec}: none of its {len(found)} classes ({names}) has "
            "forward and backward methods")


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
def _counts(results: list[ClassResult]) -> dict[str, int]:
    counts = dict.fromkeys((PASSED, FAILED, ERROR, SKIPPED, INCONCLUSIVE), 0)
    for result in results:
        counts[result.status] += 1
    return counts


def summary_line(counts: dict[str, int]) -> str:
    """``N passed, N failed, N error, N skipped`` (``, N inconclusive`` when any).

    Parameters
    ----------
    counts : dict
        Number of classes per status.

    Returns
    -------
    str
    """
    line = (f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[ERROR]} error, "
            f"{counts[SKIPPED]} skipped")
    if counts.get(INCONCLUSIVE):
        line += f", {counts[INCONCLUSIVE]} inconclusive"
    return line


_COLORS = {PASSED: "32", FAILED: "31", ERROR: "31;1", SKIPPED: "33", INCONCLUSIVE: "35"}


def _error_text(check: CheckResult | None) -> str:
    worst = getattr(getattr(check, "report", None), "worst", None)
    if worst is not None and worst.status == "missing":
        return f"no {worst.name}"
    if worst is None or worst.error != worst.error:
        return "-"
    return f"{worst.error:.1e} / {worst.tolerance:.1e}"


def render_table(results: list[ClassResult], *, verbose: bool = False,
                 color: bool = False) -> str:
    """The human-readable table: one row per check, details under failures.

    Parameters
    ----------
    results : list of ClassResult
        In display order.
    verbose : bool
        Also print every check's notes.
    color : bool
        ANSI colours in the status column.

    Returns
    -------
    str
    """
    header = ("class", "kind", "status", "worst error / tol", "checked with")
    rows: list[tuple[tuple[str, ...], str, list[str]]] = []
    for result in results:
        if not result.checks:
            rows.append(((result.name, result.kind, result.status, "-", "-"), result.status,
                         [result.message]))
            continue
        for check in result.checks:
            details = []
            if check.status in (FAILED, ERROR, INCONCLUSIVE):
                details.append(check.message)
                report = check.report
                if report is not None:
                    details += [g.describe() for g in report.gradients
                                if g.status in (FAILED, "missing")
                                and g.describe() not in check.message][:3]
                    details += [p for p in report.problems[1:3]]
            if verbose:
                details += [f"note: {n}" for n in (check.notes + list(
                    getattr(check.report, "notes", []) or []))]
            rows.append(((result.name, result.kind, check.status, _error_text(check),
                          check.spec.variant), check.status, details))
    widths = [max(len(h), *(len(r[0][i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    widths[0] = min(widths[0], 64)

    def line(cells: Sequence[str], status: str | None = None) -> str:
        parts = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            text = cell.ljust(width) if i < len(cells) - 1 else cell
            if i == 2 and status is not None and color:
                text = f"\033[{_COLORS.get(status, '0')}m{text}\033[0m"
            parts.append(text)
        return "  ".join(parts).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    for cells, status, details in rows:
        out.append(line(cells, status))
        out += [f"    {d}" for d in details if d]
    return "\n".join(out) + "\n"


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
                   counts: dict[str, int], code: int, seconds: float) -> dict[str, Any]:
    return {
        "target": targets,
        "seed": args.seed,
        "examples": args.examples,
        "exit_code": code,
        "ok": code == EXIT_OK,
        "summary": counts,
        "seconds": round(seconds, 3),
        "versions": _versions(),
        "results": [result.to_dict(spec) for spec, result in results],
        "ignored": [{"name": f.name, "module": f.module, "target": spec, "reason": f.reason}
                    for spec, f in ignored],
    }


def _write_json(path: str, document: dict[str, Any]) -> None:
    text = json.dumps(_finite(document), indent=2, default=_jsonable, allow_nan=False)
    if path == "-":
        sys.stdout.write(text + "\n")
        return
    try:
        Path(path).write_text(text + "\n", encoding="utf-8")
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
