"""Which checker catches which zoo bug, and which raises false alarms.

Runs every entry of the bug zoo (tests/zoo) through
- this project's checker: ``gradcheck.check_layer`` / ``check_loss`` (automatic mode, and
  ``mode="fast"``),
- ``torch.autograd.gradcheck`` (default exhaustive mode and ``fast_mode=True``, default
  eps/atol/rtol) on the same object wrapped in a ``torch.autograd.Function``
  (see ``_torch_wrap.py``),
- JAX ``check_grads`` when ``import jax`` works (skipped otherwise),
on the same float64 data (exact zeros at kinks included). The entries of
``tests/zoo/book_init.py`` (which call ``nnfs.init()``) run in a subprocess.

Then the functional zoo (``tests/zoo_functional``: CS231n-style functions with caches)
through ``gradcheck.check_function`` (automatic and fast mode) beside the course's own
fixed-step procedure as the anchor, on the zoo's arguments and on the notebooks'.

Usage: ``python benchmarks/detection.py [--only SUBSTRING] [--json PATH]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # this checkout's gradcheck, whatever is installed

import numpy as np  # noqa: E402

CHECKERS = ["gradcheck", "gradcheck-fast", "torch", "torch-fast"]


# ------------------------------------------------------------------ outcome per checker


def gradcheck_outcome(entry, mode=None) -> tuple[str, str]:
    """("pass" | "fail" | "inconclusive" | "crash", short text)."""
    from gradcheck import check_layer, check_loss

    obj = entry.factory()
    args = entry.data()
    options = {**entry.options, "raise_on_failure": False}
    if mode is not None:
        options["mode"] = mode
    try:
        if entry.kind == "layer":
            report = check_layer(obj, *args, **options)
        else:
            report = check_loss(obj, *args, **options)
    except Exception as exc:  # noqa: BLE001  (a checker crash is a verdict)
        return "crash", f"{type(exc).__name__}: {exc}"
    outcome = {"passed": "pass", "failed": "fail", "error": "fail"}.get(report.status,
                                                                      report.status)
    return outcome, report.summary()


def torch_outcome(entry, fast_mode) -> tuple[str, str]:
    from _torch_wrap import torch_check

    return torch_check(entry, fast_mode=fast_mode)


def jax_available() -> bool:
    try:
        import jax  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True


def run_entries(entries, checkers) -> list[dict]:
    rows = []
    for entry in entries:
        row = {"name": entry.name, "buggy": entry.buggy, "what": entry.what, "results": {},
               "twin": entry.twin}
        for checker in checkers:
            start = time.perf_counter()
            if checker == "gradcheck":
                outcome, text = gradcheck_outcome(entry)
            elif checker == "gradcheck-fast":
                outcome, text = gradcheck_outcome(entry, mode="fast")
            elif checker == "torch":
                outcome, text = torch_outcome(entry, fast_mode=False)
            else:
                outcome, text = torch_outcome(entry, fast_mode=True)
            row["results"][checker] = {"outcome": outcome, "text": text,
                                       "seconds": time.perf_counter() - start}
        rows.append(row)
    return rows


# ------------------------------------------------------------------------- verdicts


def verdict(buggy: bool, outcome: str) -> str:
    if outcome == "crash":
        return "crash"
    if outcome == "inconclusive":
        return "inconcl."
    if buggy:
        return "caught" if outcome == "fail" else "MISSED"
    return "pass" if outcome == "pass" else "FALSE ALARM"


def cell(row, checker, alarmed) -> str:
    """Verdict; a catch is marked "caught?" when the same checker also rejects the bug's
    correct twin (same class family, identical data): the catch says nothing then."""
    v = verdict(row["buggy"], row["results"][checker]["outcome"])
    if v == "caught" and (checker, row["twin"]) in alarmed:
        return "caught?"
    return v


def false_alarm_keys(rows, checkers) -> set:
    return {(c, r["name"]) for r in rows for c in checkers
            if not r["buggy"] and r["results"][c]["outcome"] == "fail"}


def print_table(rows, checkers) -> None:
    alarmed = false_alarm_keys(rows, checkers)
    width = max(len(r["name"]) for r in rows) + 2
    print("entry".ljust(width) + "bug? " + "".join(c.ljust(15) for c in checkers))
    for r in rows:
        cells = [cell(r, c, alarmed) for c in checkers]
        print(r["name"].ljust(width) + ("bug  " if r["buggy"] else "ok   ")
              + "".join(v.ljust(15) for v in cells))
    print("caught? = rejected, but the same checker also rejects this bug's correct twin "
          "(same class family, identical data)")


def print_summary(rows, checkers) -> None:
    alarmed = false_alarm_keys(rows, checkers)
    bugs = [r for r in rows if r["buggy"]]
    good = [r for r in rows if not r["buggy"]]
    print()
    print(f"{'checker':16}{'bugs caught':>12}{'(of which caught?)':>19}{'crash':>7}"
          f"{'false alarms':>14}{'crash on ok':>13}{'inconcl.':>10}{'time [s]':>10}")
    for c in checkers:
        cells = [cell(r, c, alarmed) for r in bugs]
        caught = sum(v in ("caught", "caught?") for v in cells)
        dubious = sum(v == "caught?" for v in cells)
        crash_b = sum(v == "crash" for v in cells)
        false = sum(verdict(False, r["results"][c]["outcome"]) == "FALSE ALARM" for r in good)
        crash_g = sum(r["results"][c]["outcome"] == "crash" for r in good)
        incon = sum(r["results"][c]["outcome"] == "inconclusive" for r in rows)
        secs = sum(r["results"][c]["seconds"] for r in rows)
        print(f"{c:16}{f'{caught}/{len(bugs)}':>12}{dubious:>19}{crash_b:>7}"
              f"{f'{false}/{len(good)}':>14}{crash_g:>13}{incon:>10}{secs:>10.2f}")
    print("crash: the object's own exception (or torch rejecting a gradient's shape) escaped "
          "the checker;\n       the user sees a traceback, not a gradient verdict")


def print_details(rows, checkers) -> None:
    """Every misjudgement, with what the checker said."""
    print("\nmisjudgements and crashes (checker: entry -> what it said)")
    for r in rows:
        for c in checkers:
            res = r["results"][c]
            v = verdict(r["buggy"], res["outcome"])
            if v in ("MISSED", "FALSE ALARM", "crash", "inconcl."):
                text = res["text"].replace("\n", " | ")[:160]
                print(f"  {c}: {r['name']} -> {v}: {text}")


# ------------------------------------------------------------------ functional zoo
# CS231n-style functions (tests/zoo_functional), with the course's own checking procedure
# as the anchor column, implemented from its description: central differences with a
# fixed step h = 1e-5 applied to the caller's array in place, summed against the upstream
# gradient, then the relative error max |a - n| / max(1e-8, |a| + |n|), read against the
# notebooks' comments: below 1e-7 is "correct", above 1e-2 is "wrong", between is a
# judgement call (counted as inconclusive).
FUNCTIONAL_CHECKERS = ["course", "course@notebook", "gradcheck", "gradcheck-fast"]
COURSE_STEP = 1e-5
COURSE_OK, COURSE_WRONG = 1e-7, 1e-2


def _course_numeric(f, x, df, h=COURSE_STEP):
    """The fixed-step procedure: perturb x in place, one element at a time."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=float, copy=True)
        x[ix] = old - h
        neg = np.array(f(x), dtype=float, copy=True)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def _course_rel_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def course_outcome(entry, args, kwargs) -> tuple[str, str]:
    """The course's check of every gradient, on the arguments as the notebook passes them
    (the same arrays and dicts to every call, nothing copied)."""
    args = list(args)
    floats = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    try:
        first = entry.forward(*args, **kwargs)
        if entry.backward is None:
            wrt = floats[:1]
            douts = [np.ones(())]
            analytic = [first[1]]

            def output(i, a, k):
                call = list(args)
                call[i] = a
                return entry.forward(*call, **kwargs)[0]
        else:
            outs = first[:-1]
            rng = np.random.default_rng(1)
            douts = [rng.standard_normal(np.shape(o)) for o in outs]
            analytic = None  # computed after the numeric gradients, as the notebooks do
            wrt = floats

            def output(i, a, k):
                call = list(args)
                call[i] = a
                return entry.forward(*call, **kwargs)[k]
        worst, where = 0.0, ""
        numerics = [sum(_course_numeric(lambda a, i=i, k=k: output(i, a, k), args[i], d)
                        for k, d in enumerate(douts)) for i in wrt]
        if analytic is None:
            _, *rest = entry.forward(*args, **kwargs)
            grads = entry.backward(*douts, rest[-1])
            analytic = list(grads) if isinstance(grads, tuple) else [grads]
        for pos, numeric in enumerate(numerics):
            err = _course_rel_error(numeric, np.asarray(analytic[pos]))
            if not err <= worst:
                worst, where = err, f"gradient {pos + 1}"
    except Exception as exc:  # noqa: BLE001 - what the student would see: a traceback
        return "crash", f"{type(exc).__name__}: {exc}"
    text = f"max relative error {worst:.2g} ({where})"
    if worst < COURSE_OK:
        return "pass", text
    if worst > COURSE_WRONG:
        return "fail", text
    return "inconclusive", text + " (between 1e-7 and 1e-2: read by eye)"


# the notebooks' own configurations, where those differ from the zoo's
def _notebook_conv(rng):
    return (rng.standard_normal((4, 3, 5, 5)), rng.standard_normal((2, 3, 3, 3)),
            rng.standard_normal(2), {"stride": 1, "pad": 1}), {}


def _notebook_pool(rng):
    return (rng.standard_normal((3, 2, 8, 8)),
            {"pool_height": 2, "pool_width": 2, "stride": 2}), {}


NOTEBOOK = {"conv": _notebook_conv, "max_pool": _notebook_pool}


def _notebook_args(entry):
    family = entry.forward.__name__.split("_forward")[0]
    build = NOTEBOOK.get(family)
    if build is None:
        return entry.args(0)
    return build(np.random.default_rng(0))


def functional_outcome(entry, mode=None) -> tuple[str, str]:
    from gradcheck import check_function

    args, kwargs = entry.args(0)
    try:
        report = check_function(entry.forward, entry.backward, *args, mode=mode,
                                raise_on_failure=False, **kwargs)
    except Exception as exc:  # noqa: BLE001
        return "crash", f"{type(exc).__name__}: {exc}"
    outcome = {"passed": "pass", "failed": "fail", "error": "fail"}.get(report.status,
                                                                      report.status)
    return outcome, report.summary()


def functional_rows(only: str) -> list[dict]:
    import zoo_functional  # noqa: F401 - puts the CS231n-like package on sys.path
    from zoo_functional.entries import BUGS, CORRECT

    rows = []
    for entry in CORRECT + BUGS:
        if only not in entry.name:
            continue
        buggy = entry in BUGS
        row = {"name": f"fn:{entry.name}", "buggy": buggy, "what": entry.says,
               "results": {}, "twin": f"fn:{entry.twin}" if entry.twin else None}
        for checker in FUNCTIONAL_CHECKERS:
            start = time.perf_counter()
            with np.errstate(all="ignore"):
                if checker == "course":
                    outcome, text = course_outcome(entry, *entry.args(0))
                elif checker == "course@notebook":
                    outcome, text = course_outcome(entry, *_notebook_args(entry))
                else:
                    outcome, text = functional_outcome(
                        entry, "fast" if checker == "gradcheck-fast" else None)
            row["results"][checker] = {"outcome": outcome, "text": text,
                                       "seconds": time.perf_counter() - start}
        rows.append(row)
    return rows


# ---------------------------------------------------------------- book_init subprocess


def book_init_rows(checkers) -> list[dict]:
    """Run the nnfs.init() entries in a fresh interpreter (nnfs.init patches numpy)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--book-init-worker",
           "--checkers", ",".join(checkers)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode != 0:
        print("book_init worker failed:\n" + proc.stderr[-3000:], file=sys.stderr)
        return []
    return json.loads(proc.stdout.strip().splitlines()[-1])


def versions() -> str:
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    try:
        import torch
        parts.append(f"torch {torch.__version__}")
    except ImportError:
        parts.append("torch not installed")
    try:
        from importlib.metadata import version
        parts.append(f"nnfs-gradcheck {version('nnfs-gradcheck')}")
    except Exception:  # noqa: BLE001
        pass
    try:
        commit = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        parts.append(f"commit {commit}")
    except OSError:
        pass
    return ", ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run entries whose name contains this")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--checkers", default=",".join(CHECKERS))
    parser.add_argument("--no-book-init", action="store_true")
    parser.add_argument("--no-functional", action="store_true",
                        help="skip the functional (CS231n-style) zoo")
    parser.add_argument("--book-init-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    checkers = [c for c in args.checkers.split(",") if c]
    try:
        import torch  # noqa: F401
    except ImportError:
        checkers = [c for c in checkers if not c.startswith("torch")]
        print("torch not installed: torch columns skipped "
              "(pip install torch==2.13.0)", file=sys.stderr)

    if args.book_init_worker:
        import zoo.book_init as book  # calls nnfs.init(): only ever in this subprocess

        print(json.dumps(run_entries(book.ENTRIES, checkers)))
        return 0

    import zoo

    entries = [e for e in zoo.ENTRIES if args.only in e.name]
    print(f"detection benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}; {versions()}")
    print(f"zoo: {len(zoo.BUGS)} bugs, {len(zoo.CORRECT)} correct variants"
          " (+ book_init entries under nnfs.init, in a subprocess)\n")
    rows = run_entries(entries, checkers)
    if not args.no_book_init:
        rows += [r for r in book_init_rows(checkers) if args.only in r["name"]]
    print_table(rows, checkers)
    print_summary(rows, checkers)
    if jax_available():
        print("\njax is importable, but no JAX wrapper is implemented for NNFS objects here.")
    else:
        print("\nJAX check_grads: skipped (jax is not installed)")
    print_details(rows, checkers)
    if not args.no_functional:
        import warnings

        print("\nfunctional zoo (CS231n-style functions, tests/zoo_functional); course = "
              "the course's fixed-step procedure (h = 1e-5, relative error read against "
              "1e-7 / 1e-2) on the zoo's arguments, course@notebook = the same on the "
              "notebooks' configurations (conv pad 1 stride 1, pool 2x2 stride 2)\n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            functional = functional_rows(args.only)
        if functional:
            print_table(functional, FUNCTIONAL_CHECKERS)
            print_summary(functional, FUNCTIONAL_CHECKERS)
            print_details(functional, FUNCTIONAL_CHECKERS)
            print("\nbugs whose gradients are right (only a write into the caller's array): "
                  "what each checker said")
            for r in functional:
                if r["buggy"] and "modified" in r["what"]:
                    for c in FUNCTIONAL_CHECKERS:
                        text = r["results"][c]["text"].replace("\n", " | ")[:150]
                        print(f"  {c}: {r['name']} -> {text}")
        rows += functional
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
