"""Packaging checks too slow for the suite: they build, install into fresh venvs, and run.

The suite has cheap versions of the first two (``tests/test_packaging.py``: no build
isolation, no download, a subset of the sdist's tests); these are the full ones, with
the dependencies resolved from the index as a user's ``pip install`` does.

Prints one line per step with its result and time; exits 1 if a step failed. Steps:

- ``wheel``: build a wheel, install it (with its dependencies from the index) into a fresh
  venv, then: ``gradcheck`` on a buggy file (exit 1 expected), ``py.typed``, the JSON
  schema and LICENSE installed, and ``python -m pytest`` in a folder holding a learner's
  own ``gradcheck.py`` (exit 0 expected), also with ``--gradcheck``.
- ``sdist``: build the sdist, unpack it, install it with the ``test`` extra into a fresh
  venv, and run the suite from the unpacked tree against the installed package.
- ``numpy-floor``: a fresh venv with the lowest numpy the project declares
  (``numpy==1.25.*``; 1.24 lacks ``numpy.exceptions`` and matplotlib needs 1.25) and run
  the suite.

Run from the repository root: ``python benchmarks/packaging.py [--only wheel,sdist]``.
Needs ``build`` (``pip install build``) in the running interpreter.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUGGY = textwrap.dedent(
    """
    import numpy as np

    class Activation_Doubled:
        def forward(self, inputs):
            self.output = 2 * inputs

        def backward(self, dvalues):
            self.dinputs = dvalues.copy()
    """
)


def run(args: list[str], cwd: Path, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    return where / "bin" / "python"


def build(kind: str, out: Path) -> Path:
    done = run([sys.executable, "-m", "build", f"--{kind}", "-o", str(out), str(ROOT)], ROOT)
    if done.returncode:
        raise SystemExit(f"build --{kind} failed:\n{done.stdout}\n{done.stderr}")
    (built,) = out.glob("*.whl" if kind == "wheel" else "*.tar.gz")
    return built


def step_wheel(tmp: Path) -> list[tuple[str, bool, str]]:
    wheel = build("wheel", tmp / "dist")
    python = venv(tmp / "venv-wheel")
    install = run([str(python), "-m", "pip", "install", "-q", str(wheel)], tmp)
    results = [("install the wheel", install.returncode == 0, install.stderr[-300:])]
    work = tmp / "learner"
    work.mkdir()
    (work / "my_layers.py").write_text(BUGGY)
    (work / "gradcheck.py").write_text("raise RuntimeError('the learner gradcheck.py')\n")
    (work / "test_mine.py").write_text("def test_mine():\n    assert True\n")
    bin_dir = python.parent
    check = run([str(bin_dir / "gradcheck"), "my_layers.py", "--examples", "2", "-q"], work)
    results.append(("gradcheck my_layers.py exits 1", check.returncode == 1, check.stdout[-200:]))
    files = run([str(python), "-c", (
        "import importlib.resources as r, pathlib, importlib.metadata as m; "
        "root = r.files('gradcheck'); "
        "print((root / 'py.typed').is_file(), (root / 'report.schema.json').is_file(), "
        "any('LICENSE' in str(f) for f in m.files('nnfs-gradcheck')))"
    )], tmp)
    results.append(("py.typed, schema and LICENSE installed",
                    files.stdout.strip() == "True True True", files.stdout + files.stderr))
    pytest_run = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], work)
    results.append(("python -m pytest beside a learner's gradcheck.py exits 0",
                    pytest_run.returncode == 0, pytest_run.stdout[-300:]))
    plugin = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--gradcheck",
                  "my_layers.py", "--gradcheck-examples", "2"], work)
    results.append(("... and --gradcheck my_layers.py: 1 passed, 1 failed",
                    "1 failed, 1 passed" in plugin.stdout, plugin.stdout[-300:]))
    return results


def step_sdist(tmp: Path) -> list[tuple[str, bool, str]]:
    sdist = build("sdist", tmp / "dist")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp / "unpacked", filter="data")
    (tree,) = (tmp / "unpacked").iterdir()
    python = venv(tmp / "venv-sdist")
    install = run([str(python), "-m", "pip", "install", "-q", f"{sdist}[test]"], tmp)
    results = [("install the sdist with [test]", install.returncode == 0, install.stderr[-300:])]
    # the pytest script (not python -m pytest): the tree's own gradcheck/ is not on sys.path,
    # so the suite runs against the installed package
    suite = run([str(python.parent / "pytest"), "-n", "2", "-q", "-p", "no:cacheprovider"], tree)
    tail = suite.stdout.strip().splitlines()[-1] if suite.stdout.strip() else suite.stderr[-300:]
    results.append((f"suite from the unpacked sdist: {tail}", suite.returncode == 0,
                    suite.stdout[-1500:]))
    return results


def step_numpy_floor(tmp: Path) -> list[tuple[str, bool, str]]:
    python = venv(tmp / "venv-numpy")
    install = run([str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]",
                   "numpy==1.25.*"], tmp)
    version = run([str(python), "-c", "import numpy; print(numpy.__version__)"], tmp)
    results = [(f"install with numpy {version.stdout.strip()}", install.returncode == 0,
                install.stderr[-300:])]
    suite = run([str(python), "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider"], ROOT)
    tail = suite.stdout.strip().splitlines()[-1] if suite.stdout.strip() else suite.stderr[-300:]
    results.append((f"suite on numpy {version.stdout.strip()}: {tail}", suite.returncode == 0,
                    suite.stdout[-1500:]))
    return results


STEPS = {"wheel": step_wheel, "sdist": step_sdist, "numpy-floor": step_numpy_floor}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(STEPS),
                        help=f"comma-separated steps (default: all of {', '.join(STEPS)})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    failed = 0
    tmp = Path(tempfile.mkdtemp(prefix="gradcheck-packaging-"))
    try:
        for name in args.only.split(","):
            start = time.perf_counter()
            (tmp / name).mkdir()
            results = STEPS[name](tmp / name)
            seconds = time.perf_counter() - start
            for what, ok, details in results:
                print(f"{name:12s} {'ok  ' if ok else 'FAIL'} {what}")
                if not ok:
                    failed += 1
                    print(textwrap.indent(details.strip(), "    "))
            print(f"{name:12s} {seconds:.0f} s")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
