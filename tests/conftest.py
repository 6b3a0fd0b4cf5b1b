"""Shared test configuration: Hypothesis profiles, and the fixtures of the CLI tests.

``ci`` (the default, used by ``.ci/run``) is derandomized so CI is reproducible;
``thorough`` runs thousands of examples for local proof runs::

    HYPOTHESIS_PROFILE=thorough pytest
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

_SHARED_PYCACHE = "NNFS_GRADCHECK_TESTS_PYCACHE"


def _children_share_bytecode() -> None:
    """The Pythons the tests start (the command, pytester, a notebook kernel) compile
    gradcheck and the tests once per run, not once each.

    With ``PYTHONDONTWRITEBYTECODE`` (as this machine and CI run Python) every child
    compiled everything again: ~0.3 s each, about thirty children. They now write their
    bytecode under a ``PYTHONPYCACHEPREFIX`` made for this run and removed at its end, so
    nothing is written beside the sources and no run starts warm from an earlier one. A
    prefix the user set is kept (and the setting with it).

    The prefix is set for the children only, not for this process nor for pytest-xdist's
    workers (which inherit the environment of the process that loads this file first): a
    Python running under a prefix reads no ``__pycache__`` at all, so a worker started
    with it compiled numpy, scipy, Hypothesis and pytest again from their sources. The
    prefix travels to the workers under another name, and each test process puts it in
    its environment for the children it starts.
    """
    prefix = os.environ.get(_SHARED_PYCACHE)
    if prefix is None:
        if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
            return
        prefix = tempfile.mkdtemp(prefix="nnfs-gradcheck-tests-pycache-")
        atexit.register(shutil.rmtree, prefix, True)
        os.environ[_SHARED_PYCACHE] = prefix  # for the workers, which start later


def pytest_sessionstart(session: pytest.Session) -> None:
    """Hand the run's bytecode prefix to the children this process will start (a worker or
    a run without xdist; the xdist controller starts its workers first, without it)."""
    if session.config.pluginmanager.has_plugin("dsession"):
        return  # the xdist controller: its workers start after this, and run no child of it
    prefix = os.environ.get(_SHARED_PYCACHE)
    if prefix is not None and "PYTHONPYCACHEPREFIX" not in os.environ:
        os.environ["PYTHONPYCACHEPREFIX"] = prefix
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


_children_share_bytecode()


# installed distributions pytest marks for assertion rewriting that load after this file
_NOT_REWRITTEN = ("hypothesis", "gradcheck", "nnfs_core")


def _hypothesis_imported_as_installed() -> None:
    """Let Python load Hypothesis and this project from bytecode, not pytest's rewriter.

    pytest rewrites the asserts of every module of a distribution that registers a pytest
    plugin, and Hypothesis does: its ~90 modules were parsed, rewritten and compiled again
    in every test process (0.8 s of CPU each), because with ``PYTHONDONTWRITEBYTECODE``
    (CI, this machine) pytest keeps no rewritten copy. So does this project (its
    ``pytest11`` entry point): the 106 modules of ``gradcheck`` and ``nnfs_core`` were
    walked by the rewriter in each test process for their 46 asserts (about 1 s of CPU
    each). Those asserts are the product's own, not this suite's, so they need no
    rewriting; the suite tests the modules as users run them. (pytest offers no public
    call to unmark a module; on a pytest without these attributes this does nothing, and
    only time is lost.)
    """
    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)
        if not isinstance(marked, set):
            continue
        for name in _NOT_REWRITTEN:
            if name in marked and name not in sys.modules:
                marked.discard(name)
        cache = getattr(finder, "_marked_for_rewrite_cache", None)
        if isinstance(cache, dict):
            cache.clear()


_hypothesis_imported_as_installed()

from hypothesis import HealthCheck, settings  # noqa: E402 - after the unmarking above

settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def isolated_imports():
    """Undo what loading a target did to ``sys.path`` and ``sys.modules``.

    The CLI, run in process, imports the target (and what it imports): without this a
    later test would meet the same module name already loaded, from another file. Files
    that load targets use it for every test (``pytestmark``).
    """
    path, modules = list(sys.path), dict(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - set(modules):
        if not _installed(sys.modules[name]):
            del sys.modules[name]
    sys.modules.update(modules)  # also undoes a target that replaced a loaded module


_PREFIXES = tuple({os.path.join(p, "") for p in (sys.prefix, sys.base_prefix)})
# this project's own packages (an editable install lives outside sys.prefix): imported once
# per worker, not again after every test that loads a target
_OURS = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), p, "")
              for p in ("gradcheck", "nnfs_core"))


def _installed(module):
    """Whether a module comes from the interpreter, its site-packages or this project.

    Those stay loaded (they are not targets): numpy and scipy load parts lazily, and an
    extension module dropped from ``sys.modules`` cannot be loaded again ("cannot load
    module more than once per process"); ``gradcheck`` itself would otherwise be imported
    and compiled again by every test that runs the command in process.
    """
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or ""
    return origin.startswith(_PREFIXES) or origin.startswith(_OURS)


@pytest.fixture
def gradcheck_cli(isolated_imports, monkeypatch, capsys):
    """``gradcheck ARGS`` run in this process from ``cwd``: a ``CompletedProcess``.

    For the tests about what the command reports (with ``nnfs_init_contained`` for book
    code that calls ``nnfs.init()``); a test about the process itself (exit on a hang,
    ``os._exit``, the installed entry point) runs it in a child with
    :func:`cli_process.run_gradcheck` instead.
    """
    from gradcheck.cli import main

    def run(*args, cwd):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exited:  # argparse: --version, a bad option
            code = exited.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(["gradcheck", *args], code, out.out, out.err)

    return run


@pytest.fixture
def cli_results(gradcheck_cli, tmp_path):
    """``gradcheck TARGET ARGS --json r.json -q`` in process, from ``tmp_path``.

    Returns ``(exit code, {name: result})``, the JSON report's results by name: for the
    tests that assert each class's verdict through the command.
    """

    def run(target, *args):
        done = gradcheck_cli(target, *args, "--json", "r.json", "-q", cwd=tmp_path)
        results = json.loads((tmp_path / "r.json").read_text())["results"]
        return done.returncode, {r["name"]: r for r in results}

    return run


@pytest.fixture
def nnfs_init_contained():
    """A target's ``nnfs.init()`` patches numpy for this test only.

    For the CLI run in process on book code, which calls ``nnfs.init()`` at import: numpy
    and its global random state are put back afterwards, and the test fails if a module
    loaded meanwhile kept a float32 wrapper (:func:`numpy_patches.contained`).
    """
    from numpy_patches import contained

    with contained():
        yield


@pytest.fixture
def no_shrinking():
    """The CLI stops at the first failing example instead of shrinking it.

    For tests that assert verdicts only: a class's status is decided by the first example
    that fails, and shrinking only makes that example smaller (most of a failing class's
    time). The CLI's shrunk examples are asserted in test_cli_command.py.
    """
    from shrinking import shrinking_off

    with shrinking_off():
        yield
