"""Every zoo check's report, dumped to a file: for comparing two versions of the engine.

Runs every entry of the zoos (``tests/zoo`` entries and object entries, ``tests/zoo_numerics``,
``tests/zoo_functional``) in both modes on three data seeds, and every engine of
``tests/zoo_engines`` (where the checkout has it) once, and writes, per check, the
report's text (its timing masked), its message, every gradient's fields and a digest of
every compared element's analytic value, numeric value and verdict. Two
versions whose engines decide alike give identical files::

    nice python benchmarks/zoo_reports.py /tmp/before.txt --root /path/to/main
    nice python benchmarks/zoo_reports.py /tmp/after.txt
    diff /tmp/before.txt /tmp/after.txt

``--root`` runs the checker of another checkout (its ``gradcheck`` and its ``tests``).
Prints the number of checks written. Not a test: a script that writes a file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import warnings
from pathlib import Path

SEEDS = (None, 101, 202)  # the entry's own data, and two others
MODES = ("exhaustive", "fast")


def _digest(array) -> str:
    import numpy as np

    a = np.ascontiguousarray(array)
    return f"{a.dtype}{list(a.shape)}:" + hashlib.sha256(a.tobytes()).hexdigest()[:16]


def _dump(name: str, report) -> list[str]:
    text = re.sub(r", [0-9.]+ ms\]", ", <ms>]", str(report))
    out = [f"=== {name}", text, "--- message", report.message]
    data = report.to_dict()
    data.pop("seconds", None)
    out.append(json.dumps(data, sort_keys=True, default=str))
    for g in report.gradients:
        el = g.elements
        if el is not None:
            out.append(f"  {g.name} elements analytic {_digest(el.analytic)} numeric "
                       f"{_digest(el.numeric)} verdict {_digest(el.verdict.astype('int64'))}")
    return out


def _engines(root: Path, only: str) -> list[str]:
    """The autograd engines' zoo (``tests/zoo_engines``), where the checkout has it."""
    if not (root / "tests" / "zoo_engines").is_dir():
        return []
    import importlib

    from zoo_engines import EXPECTED

    from gradcheck import check_engine

    lines: list[str] = []
    for name in EXPECTED:
        if only not in name:
            continue
        module = importlib.import_module(f"zoo_engines.{name}")
        cls = next(v for v in vars(module).values()
                   if isinstance(v, type) and v.__module__ == module.__name__)
        try:
            lines += _dump(f"engine/{name}", check_engine(cls, raise_on_failure=False))
        except Exception as exc:  # noqa: BLE001 - recorded, compared like a report
            lines += [f"=== engine/{name}", f"raised {type(exc).__name__}: {exc}"]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--only", default="", help="entries whose name contains this")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    warnings.simplefilter("ignore")  # (inconclusive checks warn: the report says it)
    sys.path[:0] = [str(root), str(root / "tests")]
    import zoo
    import zoo_functional  # noqa: F401 - puts the CS231n-like assignment on sys.path
    import zoo_numerics
    from zoo_functional.entries import ENTRIES as FUNCTIONS

    import gradcheck
    from gradcheck import check_function, check_layer, check_loss

    assert Path(gradcheck.__file__).resolve().is_relative_to(root), gradcheck.__file__
    lines: list[str] = []
    count = 0
    start = time.perf_counter()
    objects = [*zoo.ENTRIES, *zoo.OBJECT_ENTRIES, *zoo_numerics.ENTRIES]
    for mode in MODES:
        for seed in SEEDS:
            for entry in objects:
                if args.only not in entry.name:
                    continue
                label = f"{entry.name} mode={mode} seed={seed}"
                kwargs = {**entry.options, "mode": mode, "raise_on_failure": False}
                try:
                    data = entry.data(seed)
                    if entry.kind == "layer":
                        report = check_layer(entry.factory(), *data, **kwargs)
                    else:
                        report = check_loss(entry.factory(), *data, **kwargs)
                    lines += _dump(label, report)
                except Exception as exc:  # noqa: BLE001 - recorded, compared like a report
                    lines += [f"=== {label}", f"raised {type(exc).__name__}: {exc}"]
                count += 1
            for name, entry in FUNCTIONS.items():
                if args.only not in name:
                    continue
                label = f"function/{name} mode={mode} seed={seed}"
                try:
                    fargs, fkwargs = entry.args(0 if seed is None else seed)
                    report = check_function(entry.forward, entry.backward, *fargs,
                                            raise_on_failure=False, mode=mode,
                                            **entry.options, **fkwargs)
                    lines += _dump(label, report)
                except Exception as exc:  # noqa: BLE001
                    lines += [f"=== {label}", f"raised {type(exc).__name__}: {exc}"]
                count += 1
    lines += _engines(root, args.only)
    count += sum(line.startswith("=== engine/") for line in lines)
    args.output.write_text("\n".join(lines) + "\n")
    print(f"{count} checks written to {args.output} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
