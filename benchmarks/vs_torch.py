"""Time and resolution: this project's checker vs torch.autograd.gradcheck, same objects.

For each shape, the same NNFS-style object (the book's classes from tests/zoo; softmax with
the vectorized backward, as torch's exhaustive mode calls backward once per output
element) is checked by
- ``gradcheck.check_layer`` / ``check_loss`` with ``mode="exhaustive"`` and ``mode="fast"``;
- ``torch.autograd.gradcheck`` (exhaustive, and ``fast_mode=True``) on the object wrapped in
  a ``torch.autograd.Function`` (``_torch_wrap.py``), all of dinputs, dweights, dbiases;
- for reference, torch's gradcheck on torch's own op (``F.linear``, ``softmax``, ``relu``,
  the cross-entropy of probabilities): no numpy round trip.
Times are medians of repeated runs (float64). Then the error resolution: a single element
of ``dweights`` is multiplied by ``(1 + delta)`` (a bug that scales with dvalues, like real
ones) for delta = 1e-1 ... 1e-8, and the smallest delta each tool rejects is printed.

Usage: ``python benchmarks/vs_torch.py [--quick] [--case TEXT] [--timing-only] [--min]
[--runs N]`` (``--quick``: fewer repetitions, skips torch's exhaustive mode on the largest
shapes; ``--case "dense 128"``: only the cases whose label contains the text, torch's
exhaustive mode included; ``--timing-only``: no resolution table; ``--min``: the fastest
of ``--runs`` runs instead of the median of 5, steadier on a loaded machine)
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

# one thread each, so that neither tool wins by parallelism (and a busy 2-core machine
# does not make torch's thread pool thrash)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
# this checkout's gradcheck, not whichever one the venv has installed (an editable
# install of another worktree was once measured instead)
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _torch_wrap import layer_function, loss_function  # noqa: E402
from torch.autograd.gradcheck import GradcheckError  # noqa: E402
from zoo import activations, dense, losses  # noqa: E402
from zoo._entry import probabilities, set_params, sparse_labels  # noqa: E402

import gradcheck  # noqa: E402
from gradcheck import check_layer, check_loss  # noqa: E402

warnings.filterwarnings("ignore")


STATISTIC = statistics.median  # --min: the fastest run, steadier on a loaded machine
RUNS = 5  # --runs


def median_time(fn, *, budget: float = 4.0, max_runs: int = 5) -> tuple[float, int]:
    """Median (or, with --min, least) wall time of fn() over up to max_runs runs.

    Fewer runs when slow. The first run is a warm-up (imports, caches) and is discarded,
    unless it alone took over 2 s: then it counts as a sample.
    """
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    times = [first] if first > 2.0 else []
    while len(times) < max_runs and sum(times) <= budget:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return STATISTIC(times), len(times)


# ------------------------------------------------------------------------- cases


def dense_case(n, f, m, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, f))

    def make():
        return set_params(dense.Layer_Dense(f, m), seed + 1)
    return make, x


def torch_linear(n, f, m, seed=0):
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.standard_normal((n, f))).requires_grad_()
    w = torch.from_numpy(rng.standard_normal((m, f))).requires_grad_()
    b = torch.from_numpy(rng.standard_normal(m)).requires_grad_()
    return F.linear, (x, w, b)


def cases(quick: bool):
    """(label, ours(mode), torch_wrapped(fast), torch_native(fast) | None, slow_ok)"""
    out = []
    for n, f, m in [(8, 4, 3), (64, 32, 16), (128, 64, 32)]:
        make, x = dense_case(n, f, m)
        big = n * f >= 8192
        out.append((
            f"dense {n}x{f}->{m}",
            lambda mode, make=make, x=x: check_layer(make(), x, mode=mode,
                                                     raise_on_failure=False),
            lambda fast, make=make, x=x: torch.autograd.gradcheck(
                *layer_function(make(), x), fast_mode=fast),
            lambda fast, n=n, f=f, m=m: torch.autograd.gradcheck(
                *torch_linear(n, f, m), fast_mode=fast),
            not (quick and big),
        ))
    rng = np.random.default_rng(7)
    z = 3 * rng.standard_normal((128, 32))
    zt = torch.from_numpy(z.copy()).requires_grad_()
    out.append((
        "softmax 128x32",
        lambda mode: check_layer(activations.Softmax_Vectorized(), z, mode=mode,
                                 raise_on_failure=False),
        lambda fast: torch.autograd.gradcheck(
            *layer_function(activations.Softmax_Vectorized(), z), fast_mode=fast),
        lambda fast: torch.autograd.gradcheck(lambda t: torch.softmax(t, dim=1), (zt,),
                                              fast_mode=fast),
        not quick,
    ))
    r = rng.standard_normal((128, 32))
    r.reshape(-1)[rng.choice(r.size, 40, replace=False)] = 0.0  # exact zeros, as drawn
    r_away = np.where(np.abs(r) < 1e-3, 0.5, r)  # torch needs the kinks removed to pass
    rt = torch.from_numpy(r_away.copy()).requires_grad_()
    out.append((
        "relu 128x32",
        lambda mode: check_layer(activations.Activation_ReLU(), r, mode=mode,
                                 raise_on_failure=False),
        lambda fast: torch.autograd.gradcheck(
            *layer_function(activations.Activation_ReLU(), r_away), fast_mode=fast),
        lambda fast: torch.autograd.gradcheck(torch.relu, (rt,), fast_mode=fast),
        True,
    ))
    p = probabilities(rng, 128, 32)
    y = sparse_labels(rng, 128, 32)
    pt = torch.from_numpy(p.copy()).requires_grad_()
    yt = torch.from_numpy(y)
    out.append((
        "cce 128x32",
        lambda mode: check_loss(losses.Loss_CategoricalCrossentropy(), p, y, mode=mode,
                                raise_on_failure=False),
        lambda fast: torch.autograd.gradcheck(
            *loss_function(losses.Loss_CategoricalCrossentropy(), p, y, fused=False),
            fast_mode=fast),
        lambda fast: torch.autograd.gradcheck(
            lambda t: -torch.log(t[torch.arange(128), yt]).mean(), (pt,), fast_mode=fast),
        True,
    ))
    return out


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.1f}"


def timing_table(quick: bool, case: str | None = None) -> None:
    print(f"times in ms ({STATISTIC.__name__}); ratio = torch time / ours in the same mode; "
          "relu: torch runs on data with the exact zeros moved off the kink")
    head = (f"{'case':18}{'ours exh':>10}{'ours fast':>10}{'torch exh':>11}{'torch fast':>11}"
            f"{'exh ratio':>10}{'fast ratio':>11}{'native exh':>11}{'native fast':>12}"
            f"  ours verdict / evals (exh, fast)")
    print(head)
    for label, ours, wrapped, native, slow_ok in cases(quick):
        if case is not None:
            if case not in label:
                continue
            slow_ok = True
        runs = 2 if quick else RUNS
        ex, _ = median_time(lambda o=ours: o("exhaustive"), max_runs=runs)
        fa, _ = median_time(lambda o=ours: o("fast"), max_runs=runs)
        r_ex, r_fa = ours("exhaustive"), ours("fast")
        t_ex = median_time(lambda w=wrapped: w(False), max_runs=max(1, runs // 2),
                           budget=2.0)[0] if slow_ok else None
        t_fa, _ = median_time(lambda w=wrapped: w(True), max_runs=runs)
        n_ex = median_time(lambda w=native: w(False), max_runs=max(1, runs // 2),
                           budget=2.0)[0] if slow_ok else None
        n_fa, _ = median_time(lambda w=native: w(True), max_runs=runs)
        ratio_ex = f"{t_ex / ex:.1f}x" if t_ex else "-"
        ratio_fa = f"{t_fa / fa:.1f}x"
        print(f"{label:18}{fmt(ex):>10}{fmt(fa):>10}{fmt(t_ex):>11}{fmt(t_fa):>11}"
              f"{ratio_ex:>10}{ratio_fa:>11}{fmt(n_ex):>11}{fmt(n_fa):>12}"
              f"  {r_ex.status}/{r_fa.status}, {r_ex.evaluations}, {r_fa.evaluations}")


# -------------------------------------------------------------------- resolution


class Dense_OneElementOff(dense.Layer_Dense):
    """dweights[i, j] scaled by (1 + delta): wrong in one element, linear in dvalues."""

    delta = 0.0
    index = (0, 0)

    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights[self.index] *= 1 + self.delta


DELTAS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]


def detects(tool: str, n, f, m, delta) -> bool:
    make_plain, x = dense_case(n, f, m)

    def make():
        layer = make_plain()
        bad = Dense_OneElementOff(f, m)
        bad.weights, bad.biases, bad.delta = layer.weights, layer.biases, delta
        return bad

    if tool.startswith("ours"):
        mode = "fast" if tool.endswith("fast") else "exhaustive"
        report = check_layer(make(), x, mode=mode, raise_on_failure=False)
        return report.status in ("failed", "error")
    try:
        torch.autograd.gradcheck(*layer_function(make(), x), fast_mode=tool.endswith("fast"))
    except GradcheckError:
        return True
    return False


def resolution_table(quick: bool) -> None:
    tools = ["ours exh", "ours fast", "torch exh", "torch fast"]
    shapes = [(8, 4, 3), (64, 32, 16)] if quick else [(8, 4, 3), (64, 32, 16), (128, 64, 32)]
    print("\nerror resolution: dweights[0, 0] *= (1 + delta); smallest delta rejected "
          "(all larger deltas rejected too unless marked *)")
    print(f"{'case':18}" + "".join(f"{t:>12}" for t in tools) + "   ours reported resolution")
    for n, f, m in shapes:
        cells = []
        for tool in tools:
            if tool == "torch exh" and n * f >= 8192 and quick:
                cells.append("-")
                continue
            hits = [detects(tool, n, f, m, d) for d in DELTAS]
            smallest = None
            for d, hit in zip(DELTAS, hits, strict=True):
                if hit:
                    smallest = d
                else:
                    break
            gaps = any(hits[i] for i in range(len(hits)) if smallest is None or
                       DELTAS[i] < smallest)
            cells.append(("none" if smallest is None else f"{smallest:.0e}")
                         + ("*" if gaps else ""))
        make, x = dense_case(n, f, m)
        rep = check_layer(make(), x, mode="exhaustive", raise_on_failure=False)
        res = {g.name: g.resolution for g in rep.gradients}
        res_txt = ", ".join(f"{k} {v:.1e}" for k, v in res.items() if v == v)
        print(f"{f'dense {n}x{f}->{m}':18}" + "".join(f"{c:>12}" for c in cells)
              + f"   {res_txt}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--case", help="only cases whose label contains this text")
    parser.add_argument("--timing-only", action="store_true", help="no resolution table")
    parser.add_argument("--min", action="store_true",
                        help="report the fastest run instead of the median (loaded machine)")
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (default 5)")
    args = parser.parse_args(argv)
    global STATISTIC, RUNS
    STATISTIC, RUNS = (min if args.min else statistics.median), args.runs
    torch.set_num_threads(1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"vs_torch benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}; python "
          f"{platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch thread(s), load average {load:.1f} "
          f"on {os.cpu_count()} cores; gradcheck from {Path(gradcheck.__file__).parent}\n")
    timing_table(args.quick, args.case)
    if not args.timing_only:
        resolution_table(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
