"""How far correct whole networks sit below their tolerance, and buggy twins above it.

For every correct network of our zoos and tests (the network files of
``tests/zoo_networks`` and ``tests/test_model_cli.py`` as the command checks them, and
the networks of ``tests/zoo_models`` through ``check_model`` / ``check_params``) over
many seeds, prints the distribution of ``error / tolerance`` of each parameter's worst
element (max, p99, median), which part of the tolerance dominates at the worst cases
(``gradcheck -v``'s parts), which level decided them (the first difference, or a
refined one), and the forward calls spent. For the buggy twins, the smallest
``error / tolerance`` of the failing gradient over the seeds (the catch margin) and any
seed on which a twin was not failed.

    nice python benchmarks/network_margins.py            # 50 seeds
    nice python benchmarks/network_margins.py --seeds 10 --only deep

Not a test: a script that prints numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import textwrap
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
ZOO = TESTS / "zoo_networks"
sys.path[:0] = [str(ROOT), str(TESTS)]

# (name, directory run from, target, correct): what a student or CI runs
CLI_TARGETS = [
    ("cs231n/fc_net", ZOO / "cs231n_assignment", "cs231n/classifiers/fc_net.py", True),
    ("cs231n/neural_net", ZOO / "cs231n_assignment", "cs231n/classifiers/neural_net.py", True),
    ("cs231n/linear_classifier", ZOO / "cs231n_assignment",
     "cs231n/classifiers/linear_classifier.py", True),
    ("nielsen/network", ZOO / "nielsen", "network.py", True),
    ("nielsen/network2", ZOO / "nielsen", "network2.py", True),
    ("min_char_rnn", ZOO / "min_char_rnn", "min_char_rnn.py", True),
    ("dlai/dropout_network", ZOO / "dlai", "dropout_network.py", True),
    ("cs231n/buggy_fc_net", ZOO / "cs231n_assignment", "cs231n/classifiers/buggy_fc_net.py",
     False),
    ("cs231n/buggy_neural_net", ZOO / "cs231n_assignment",
     "cs231n/classifiers/buggy_neural_net.py", False),
    ("cs231n/buggy_linear_classifier", ZOO / "cs231n_assignment",
     "cs231n/classifiers/buggy_linear_classifier.py", False),
    ("nielsen/buggy_network", ZOO / "nielsen", "buggy_network.py", False),
    ("nielsen/buggy_network2", ZOO / "nielsen", "buggy_network2.py", False),
    ("buggy_min_char_rnn", ZOO / "min_char_rnn", "buggy_min_char_rnn.py", False),
    ("dlai/buggy_dropout_network", ZOO / "dlai", "buggy_dropout_network.py", False),
]


def _model_cli_sources() -> list[tuple[str, str, bool]]:
    """``tests/test_model_cli.py``'s network files (correct and without a reg term)."""
    import test_model_cli as t

    return [("model_cli/nets", "REG_W1 = 1\n" + t.NETS, True),
            ("model_cli/buggy_nets", "REG_W1 = 0\n" + t.NETS, False),
            ("model_cli/book", t.BOOK, True)]


@contextlib.contextmanager
def _isolated(cwd: Path) -> Iterator[None]:
    """Run from ``cwd`` with the imports a target makes undone afterwards."""
    here, path, modules = os.getcwd(), list(sys.path), dict(sys.modules)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        sys.path[:] = path
        for name in set(sys.modules) - set(modules):
            del sys.modules[name]


def _cli_plans(cwd: Path, target: str) -> list[Any]:
    """The network plans of one target, as the command makes them."""
    from gradcheck.report import Kind
    from gradcheck.targets.classes import find_classes
    from gradcheck.targets.config import load_config
    from gradcheck.targets.dict_networks import DictNetworkPlan
    from gradcheck.targets.loading import load_target
    from gradcheck.targets.pipeline import plan_target
    from gradcheck.targets.programs import ProgramPlan

    loaded = load_target(target)
    plans = plan_target(loaded, find_classes(loaded), load_config(loaded)).plans
    return [p for p in plans if isinstance(p, (ProgramPlan, DictNetworkPlan))
            or (p.found.kind == Kind.MODEL and p.status == "check")]


def _cli_reports(cwd: Path, target: str, seeds: range) -> Iterator[tuple[str, int, Any]]:
    from gradcheck.targets.pipeline import run_planned

    with _isolated(cwd):
        plans = _cli_plans(cwd, target)
        for seed in seeds:
            for planned in plans:
                result = run_planned(planned, examples=1, seed=seed)
                for check in result.checks:
                    if check.report is not None:
                        yield f"{result.name} [{check.spec.variant}]", seed, check.report


def _api_cases() -> list[tuple[str, bool, Callable[[int], Any]]]:
    """Networks of ``tests/zoo_models`` through the API: ``seed -> report``."""
    from zoo_models import book_model as bm
    from zoo_models import deep_relu, dict_network, dropout_net

    from gradcheck import check_model, check_params

    def deep(bug: str | None) -> Callable[[int], Any]:
        def run(seed: int) -> Any:
            X, y = deep_relu.data(seed=seed + 1)
            return check_model(deep_relu.DeepReLUNet(seed=seed, bug=bug), X, y, seed=seed,
                               raise_on_failure=False)
        return run

    def params(bugs: bool) -> Callable[[int], Any]:
        def run(seed: int) -> Any:
            X, Y = dict_network.data(seed=seed + 2)
            p = dict_network.initial_parameters(seed=seed + 1)

            def grads(p: dict[str, Any]) -> Any:
                cache = dict_network.forward_propagation(X, Y, p)[1]
                return dict_network.backward_propagation(X, Y, p, cache, classic_bugs=bugs)

            return check_params(lambda p: dict_network.forward_propagation(X, Y, p)[0], grads,
                                p, seed=seed, raise_on_failure=False)
        return run

    def dropout(bug: str | None, keep_seed: bool) -> Callable[[int], Any]:
        def run(seed: int) -> Any:
            rng = np.random.default_rng(seed)
            X, y = rng.standard_normal((5, 6)), rng.integers(0, 4, 5)
            net = dropout_net.DropoutNet(seed=3 if keep_seed else None, bug=bug)
            return check_model(net, X, y, seed=seed, raise_on_failure=False)
        return run

    def book(make: Callable[..., Any], kind: str, bug: str | None) -> Callable[[int], Any]:
        def run(seed: int) -> Any:
            rng = np.random.default_rng(seed)
            width = {"classifier": 4, "regressor": 1, "binary": 2, "softmax_mse": 4}[kind]
            X = rng.standard_normal((10, width))
            labels = rng.integers(0, 3, 10)
            y = {"classifier": labels, "regressor": np.sin(X),
                 "binary": (rng.random((10, 1)) < 0.5).astype(float),
                 "softmax_mse": np.eye(3)[labels]}[kind]
            return check_model(make(bug=bug, seed=seed), X, y, seed=seed,
                               raise_on_failure=False)
        return run

    cases: list[tuple[str, bool, Callable[[int], Any]]] = [
        ("zoo_models/deep_relu", True, deep(None)),
        ("zoo_models/dict_network", True, params(False)),
        ("zoo_models/dropout_net seeded", True, dropout(None, True)),
        ("zoo_models/dropout_net unseeded", True, dropout(None, False)),
    ]
    books = {"classifier": bm.classifier, "regressor": bm.regressor, "binary": bm.binary,
             "softmax_mse": bm.softmax_mse}
    cases += [(f"zoo_models/book {k}", True, book(m, k, None)) for k, m in books.items()]
    cases += [(f"zoo_models/deep_relu {b}", False, deep(b)) for b in deep_relu.BUGS]
    cases += [("zoo_models/dict_network classic_bugs", False, params(True)),
              ("zoo_models/dropout_net mask_missing", False, dropout("mask_missing", True))]
    cases += [(f"zoo_models/book {k} {b}", False, book(m, k, b))
              for k, m in books.items() for b in ("skip_relu", "reg_missing")
              if (k, b) != ("softmax_mse", "reg_missing")]  # (it has no regularizer)
    cases += [("zoo_models/book softmax_mse fused_any_loss", False,
               book(bm.softmax_mse, "softmax_mse", "fused_any_loss"))]
    return cases


def _ratio(g: Any) -> float:
    if not (g.tolerance == g.tolerance and g.tolerance > 0 and g.error == g.error):
        return float("nan")
    return g.error / g.tolerance


def _level(g: Any) -> str:
    """Which level decided the worst element: the first difference, or a refined one."""
    parts = g.tolerance_parts or {}
    if g.method == "projection":
        return "projection"
    if parts.get("kink") or parts.get("joint"):
        return "kink"
    return "refined" if parts.get("truncation") else "first"


def _dominant(g: Any) -> str:
    parts = g.tolerance_parts or {}
    return max(parts, key=lambda k: parts[k]) if parts else "-"


class Tally:
    """Per network: every parameter's ratio, the worst cases, twins' margins."""

    def __init__(self) -> None:
        self.ratios: dict[str, list[float]] = defaultdict(list)
        self.worst: dict[str, list[tuple[float, int, str, str, str]]] = defaultdict(list)
        self.statuses: dict[str, Counter[str]] = defaultdict(Counter)
        self.calls: dict[str, list[int]] = defaultdict(list)
        self.seconds: dict[str, float] = defaultdict(float)
        self.margins: dict[str, list[float]] = defaultdict(list)
        self.missed: dict[str, list[int]] = defaultdict(list)
        self.undecided: dict[str, list[str]] = defaultdict(list)

    def add(self, name: str, correct: bool, seed: int, report: Any, seconds: float) -> None:
        self.statuses[name][str(report.status)] += 1
        self.calls[name].append(int(report.evaluations))
        self.seconds[name] += seconds
        if correct:
            for g in report.gradients:
                r = _ratio(g)
                if g.status != "passed":  # (inconclusive: finite differences cannot decide)
                    self.undecided[name].append(f"{g.name} {g.status} (seed {seed})")
                elif r == r:
                    self.ratios[name].append(r)
                    self.worst[name].append((r, seed, g.name, _dominant(g), _level(g)))
            return
        failed = [_ratio(g) for g in report.gradients if g.status == "failed"]
        failed = [r for r in failed if r == r]
        if str(report.status) != "failed":
            self.missed[name].append(seed)
            for g in report.gradients:  # a variant its bug is not in: margins too
                r = _ratio(g)
                if r == r:
                    self.ratios[f"{name} (bug not in it)"].append(r)
        elif failed:
            self.margins[name].append(max(failed))
        else:
            self.margins[name].append(float("inf"))  # failed by a protocol finding


def _print(tally: Tally, seeds: range) -> None:
    print(f"\ncorrect networks: error / tolerance of each passed parameter's worst element, "
          f"{len(seeds)} seeds")
    print(f"{'network':52s} {'n':>5s} {'max':>7s} {'p99':>7s} {'median':>7s} "
          f"{'>0.3':>5s} {'>1':>4s}  statuses            calls/check   s")
    everything: list[float] = []
    for name, ratios in tally.ratios.items():
        r = np.array(ratios)
        everything += ratios
        base = name.removesuffix(" (bug not in it)")
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(tally.statuses[base].items()))
        print(f"{name:52s} {r.size:5d} {r.max():7.3f} {np.percentile(r, 99):7.3f} "
              f"{np.median(r):7.3f} {int((r > 0.3).sum()):5d} {int((r > 1).sum()):4d}  "
              f"{statuses:18s} {np.mean(tally.calls[base]):9.0f} {tally.seconds[base]:5.1f}")
    if everything:
        r = np.array(everything)
        print(f"{'all correct parameters':52s} {r.size:5d} {r.max():7.3f} "
              f"{np.percentile(r, 99):7.3f} {np.median(r):7.3f} {int((r > 0.3).sum()):5d} "
              f"{int((r > 1).sum()):4d}")
    for name, which in tally.undecided.items():
        print(f"  not passed, so not in the ratios: {name}: {', '.join(which)}")
    print("\nthe 15 worst parameters: ratio, seed, network, parameter, dominant part, level")
    rows = [(w, name) for name, ws in tally.worst.items() for w in ws]
    rows.sort(key=lambda t: -t[0][0])
    for (r, seed, param, part, level), name in rows[:15]:
        print(f"  {r:7.3f}  seed {seed:3d}  {name:45s} {param:22s} {part:11s} {level}")
    levels = Counter(w[4] for _, ws in tally.worst.items() for w in ws if w[0] > 0.3)
    parts = Counter(w[3] for _, ws in tally.worst.items() for w in ws if w[0] > 0.3)
    print(f"  ratios above 0.3, by deciding level: {dict(levels)}; by dominant part: "
          f"{dict(parts)}")
    print("\nbuggy twins: smallest error / tolerance of the failing gradient (catch margin)")
    for name in sorted(set(tally.margins) | set(tally.missed)):
        m = np.array(tally.margins.get(name, [np.nan]))
        missed = tally.missed.get(name, [])
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(tally.statuses[name].items()))
        if len(missed) == len(seeds):
            print(f"  {name:58s} passes on every seed: its bug is not in this variant "
                  f"(max ratio {max(tally.ratios[name + ' (bug not in it)']):.3f})")
            continue
        print(f"  {name:58s} min {np.nanmin(m):10.3g}  median {np.nanmedian(m):10.3g}  "
              f"{statuses}" + (f"  NOT FAILED on seeds {missed}" if missed else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--only", default="", help="networks whose name contains this")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # (inconclusive checks warn: the report says it)
    seeds = range(args.seeds)
    tally = Tally()
    begun = time.perf_counter()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        for name, text, correct in _model_cli_sources():
            path = Path(tmp) / (name.split("/")[1] + ".py")
            path.write_text(textwrap.dedent(text))
            sources.append((name, Path(tmp), path.name, correct))
        for name, cwd, target, correct in [*CLI_TARGETS, *sources]:
            if args.only not in name:
                continue
            last = time.perf_counter()
            for check, seed, report in _cli_reports(cwd, target, seeds):
                now = time.perf_counter()
                # (the book source's Broken class is the twin of its Assembled one)
                twin = not correct or check.startswith("Broken")
                tally.add(f"{name}: {check}", not twin, seed, report, now - last)
                last = now
    for name, correct, run in _api_cases():
        if args.only not in name:
            continue
        for seed in seeds:
            last = time.perf_counter()
            report = run(seed)
            tally.add(name, correct, seed, report, time.perf_counter() - last)
    _print(tally, seeds)
    print(f"\n{time.perf_counter() - begun:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
