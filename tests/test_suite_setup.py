"""What tests/conftest.py sets up for the whole suite, checked so a change to it shows."""

import os
import subprocess
import sys

import pytest


def rewritten(module) -> bool:
    """Whether pytest's assertion rewriter loaded the module."""
    return type(module.__loader__).__name__ == "AssertionRewritingHook"


def test_hypothesis_is_loaded_as_installed_and_the_test_modules_are_still_rewritten(request):
    # conftest.py keeps pytest from re-parsing and re-compiling Hypothesis's ~90 modules and
    # this project's 106 in every test process (the distributions of their pytest plugins
    # are marked for assertion rewriting)
    if request.config.getoption("assertmode") != "rewrite":
        pytest.skip("assertion rewriting is off (--assert=plain)")
    import hypothesis.core

    import gradcheck.engine.numerics
    import nnfs_core.layers

    assert not rewritten(hypothesis.core)
    # nor this project's own modules (its pytest11 entry point marks them as well)
    assert not rewritten(gradcheck.engine.numerics)
    assert not rewritten(nnfs_core.layers)
    # the twin: this suite's own modules keep pytest's assertion messages
    assert rewritten(sys.modules[__name__])


def test_the_children_share_the_runs_bytecode_prefix_and_this_process_reads_the_installed_one(
        tmp_path):
    # conftest.py gives the Pythons the tests start one bytecode prefix for the run (where
    # Python runs with PYTHONDONTWRITEBYTECODE), but not the test process itself nor an
    # xdist worker: a Python started under a prefix reads no __pycache__, and compiled
    # numpy, scipy, Hypothesis and pytest again from their sources
    prefix = os.environ.get("PYTHONPYCACHEPREFIX", "")
    if not os.path.basename(prefix).startswith("nnfs-gradcheck-tests-pycache-"):
        pytest.skip("no PYTHONDONTWRITEBYTECODE, or a PYTHONPYCACHEPREFIX of the user's")
    assert sys.pycache_prefix is None  # this process: the installed bytecode
    assert sys.dont_write_bytecode  # and nothing written beside the sources
    # the twin: a child writes (and reads) its bytecode under the run's prefix
    (tmp_path / "child_module.py").write_text("VALUE = 1\n")
    child = subprocess.run(
        [sys.executable, "-c", "import sys, child_module; print(sys.pycache_prefix); "
         "print(child_module.__cached__)"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    where, cached = child.stdout.splitlines()
    assert where == prefix
    assert cached.startswith(prefix) and os.path.isfile(cached)
    assert not (tmp_path / "__pycache__").exists()
