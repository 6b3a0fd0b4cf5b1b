"""Examples per second of the property suite (``tests/test_properties_*.py``).

Runs the suite under its default ``ci`` Hypothesis profile in one process (no xdist) with a
plugin that counts each Hypothesis test's examples and the time spent inside the test
bodies; prints the tests by time and the totals. ``--repo PATH`` measures another checkout
(e.g. an older commit in a ``git worktree``) with its own tests, ``gradcheck`` and
``nnfs_core``, for a before/after comparison.

Three figures follow the totals: the rate the suite would reach if every test body cost
nothing (what generating the examples and running Hypothesis allow); Hypothesis's own
floor, a test that draws one integer and does nothing, with the ``ci`` profile's settings
and numpy imported; and the cost of the cheapest example that proves a gradient, one
small batch drawn with ``gradcheck.strategies.input_batches`` (at most 4 x 4) and one
exhaustive ``check_layer`` of ``nnfs_core``'s ReLU on it, with the draw alone beside it
(this checkout's code, also under ``--repo``).

Usage: ``python benchmarks/property_throughput.py [--repo PATH] [--top N]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(repo: Path) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stats.json"
        env = dict(os.environ, EXSTATS_OUT=str(out),
                   PYTHONPATH=os.pathsep.join([str(repo), str(HERE)]))
        tests = sorted(str(p.relative_to(repo)) for p in repo.glob("tests/test_properties_*.py"))
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "_exstats",
               "-p", "no:xdist", *tests]
        done = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
        last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"pytest: {last}")
        if not out.exists():
            print(done.stdout[-3000:], done.stderr[-3000:])
            raise SystemExit("the suite wrote no statistics")
        return json.loads(out.read_text())


FLOOR = """
import sys
import time
import numpy  # Hypothesis then saves and restores numpy's global random state per example
from hypothesis import given, settings, strategies as st

N = int(sys.argv[1])

@settings(max_examples=N, derandomize=True, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1))
def test(x):
    pass
"""


SMALLEST_CHECK = """
import sys
import time
import gradcheck
from gradcheck import strategies as gs
from hypothesis import given, settings
from nnfs_core import Activation_ReLU

N, CHECK = int(sys.argv[1]), sys.argv[2] == "check"

@settings(max_examples=N, derandomize=True, deadline=None, database=None)
@given(gs.input_batches(max_samples=4, max_features=4))
def test(x):
    if CHECK:
        gradcheck.check_layer(Activation_ReLU(), x)
"""

# appended to each script above: time the second run of its ``test``
TIMED = """
test()  # first run: imports, caches
start = time.perf_counter()
test()
print(1e3 * (time.perf_counter() - start) / N)
"""


def ms_per_example(script: str, *args: str) -> float:
    """Milliseconds per example printed by one of the scripts above, run in a subprocess."""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))  # this checkout's gradcheck
    done = subprocess.run([sys.executable, "-c", script + TIMED, *args], capture_output=True,
                          text=True, check=True, env=env)
    return float(done.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE.parent,
                        help="checkout to measure (default: this one)")
    parser.add_argument("--top", type=int, default=10, help="slowest tests to list")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"property suite of {repo} (load average {load:.1f} on {os.cpu_count()} cores)")
    stats = measure(repo)
    rows = sorted(stats.items(), key=lambda kv: -kv[1]["total"])
    print(f"\n{'examples':>8} {'total s':>8} {'body s':>7} {'ms/example':>10}  test")
    for name, s in rows[: args.top]:
        per = 1e3 * s["total"] / max(s["examples"], 1)
        print(f"{s['examples']:8.0f} {s['total']:8.2f} {s['body']:7.2f} {per:10.2f}  {name}")
    examples = sum(s["examples"] for s in stats.values())
    total = sum(s["total"] for s in stats.values())
    body = sum(s["body"] for s in stats.values())
    print(f"\n{len(stats)} Hypothesis tests, {examples:.0f} examples in {total:.2f} s "
          f"({body:.2f} s inside test bodies, {total - body:.2f} s generating and running "
          f"Hypothesis): {examples / total:.1f} examples/s, {1e3 * total / examples:.2f} "
          "ms/example")
    outside = total - body
    floor = ms_per_example(FLOOR, "2000")
    drawn = ms_per_example(SMALLEST_CHECK, "500", "draw")
    checked = ms_per_example(SMALLEST_CHECK, "500", "check")
    print(f"bound with test bodies at zero cost: {examples / outside:.1f} examples/s "
          f"({1e3 * outside / examples:.2f} ms/example generating and running Hypothesis)")
    print(f"Hypothesis floor (one integer drawn, empty body, numpy imported): {floor:.2f} "
          "ms/example")
    print(f"smallest gradient proof (a batch of at most 4 x 4 drawn, one exhaustive ReLU "
          f"check): {checked:.2f} ms/example, {drawn:.2f} of them drawing the batch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
