"""Time and verdicts of every zoo engine, through ``check_engine`` and the CLI.

    nice .venv/bin/python benchmarks/engine_zoo.py [--rounds 3]

Prints one row per engine: the expected verdict, what ``check_engine`` gave (and its
failing operations), the best API time, the best in-process CLI time and its exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from zoo_engines import EXPECTED  # noqa: E402

from gradcheck import check_engine  # noqa: E402
from gradcheck.cli import main  # noqa: E402


def engine_class(module_name: str) -> type:
    module = importlib.import_module(f"zoo_engines.{module_name}")
    return next(v for v in vars(module).values()
                if isinstance(v, type) and v.__module__ == module.__name__)


def main_(rounds: int) -> None:
    print(f"{'engine':21} {'expected':28} {'got':28} {'API s':>6} {'CLI s':>6} exit")
    for name, (status, failing) in EXPECTED.items():
        cls = engine_class(name)
        api = cli = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            report = check_engine(cls, raise_on_failure=False)
            api = min(api, time.perf_counter() - start)
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                code = main([str(ROOT / "tests" / "zoo_engines" / f"{name}.py"), "-q"])
            cli = min(cli, time.perf_counter() - start)
        got = sorted(g.name for g in report.gradients if g.status in ("failed", "error"))
        expected = f"{status} {','.join(sorted(failing))}".strip()
        shown = f"{report.status} {','.join(got)}".strip()
        print(f"{name:21} {expected:28} {shown:28} {api:6.2f} {cli:6.2f} {code}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    main_(parser.parse_args().rounds)
