"""Packaging, as a user meets it: an sdist whose own tests run, a wheel in a fresh venv.

One build serves both (the ``built`` fixture): the sdist, then the wheel from the unpacked
sdist, as ``python -m build`` makes a release and as pip installs an sdist.

Cheap versions of ``benchmarks/packaging.py`` (which installs the dependencies from the
index and runs the whole suite, minutes): here the PEP 517 hooks of setuptools run
without build isolation (``setuptools>=77`` is in the ``test`` extra), the built wheel is
installed with ``--no-deps --no-index`` into a fresh venv that reaches this environment's
import path (numpy, pytest, ...) through a ``.pth`` file, and only a meaningful subset
of the sdist's tests runs. A ``.pth`` line adds a folder without running its own ``.pth``
files, so an editable install of the repository stays invisible there, and the fresh
venv's own site-packages comes first: what runs is the installed wheel, as the tests
check.

The numpy-floor run (numpy 1.25, the whole suite, about two minutes) stays in
``benchmarks/packaging.py``: it would double the suite's time.
"""

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import gradcheck
from gradcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
JUNK = shutil.ignore_patterns(".git", ".venv", "venv*", "build", "dist", "*.egg-info",
                              "__pycache__", "*.pyc", ".hypothesis", ".pytest_cache",
                              ".ruff_cache", "mutants")
BUGGY = textwrap.dedent(
    """
    import numpy as np

    class Activation_Doubled:
        def forward(self, inputs):
            self.output = 2 * inputs

        def backward(self, dvalues):
            self.dinputs = dvalues.copy()  # the factor 2 is missing
    """
)
CORRECT = BUGGY.replace("dvalues.copy()  # the factor 2 is missing", "2 * dvalues")
# the sdist's own tests run against the installed package: the zoo's verdicts (tests/zoo,
# the module that was missing from an earlier sdist), the shipped schema, the pre-commit
# hook file, the docstring examples of the installed modules (the zoo's drawn-data and
# nnfs.init() cases, which add nothing about packaging, run in the suite itself)
SDIST_TESTS = ["tests/test_zoo.py::test_zoo_registry_is_well_formed",
               "tests/test_zoo.py::test_zoo_bug_is_rejected_and_named",
               "tests/test_zoo.py::test_zoo_correct_variant_passes",
               "tests/test_docs.py",
               "tests/test_tools_cli.py::test_the_schema_ships_with_the_package",
               "tests/test_tools_cli.py::test_the_json_document_is_versioned_valid_and_"
               "locates_each_class",
               "tests/test_tools_cli.py::test_the_pre_commit_hook_gets_the_changed_files"]


def run(args, cwd, **kwargs):
    # an inner pytest must not take this run's xdist worker or current test for its own
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env, **kwargs)


def build(hook, source, out):
    """Run setuptools' PEP 517 hook ``build_sdist`` or ``build_wheel`` in ``source``."""
    done = run([sys.executable, "-c",
                f"import sys; from setuptools import build_meta; "
                f"print(build_meta.{hook}(sys.argv[1]))", out], source)
    assert done.returncode == 0, done.stderr[-2000:]
    return out / done.stdout.strip().splitlines()[-1]


def source_copy(tmp):
    """The repository's files, without this checkout's venvs, caches and build output."""
    return Path(shutil.copytree(ROOT, tmp / "source", ignore=JUNK))


def dependency_paths():
    """This interpreter's import path, less the repository (its source and its tests)."""
    paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    paths += [p for p in sys.path if p and Path(p).is_dir()
              and not Path(p).resolve().is_relative_to(ROOT)]
    return list(dict.fromkeys(paths))


def fresh_venv(where, wheel):
    """A new venv holding the wheel alone; its dependencies come from this environment."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", where], check=True,
                   timeout=120)
    python = where / "bin" / "python"
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
               where).stdout.strip()
    (Path(site) / "_dependencies.pth").write_text("\n".join(dependency_paths()) + "\n")
    # --ignore-installed: this environment's own nnfs-gradcheck is visible through the
    # .pth line, and pip would keep it rather than install a wheel of the same version
    install = run([sys.executable, "-m", "pip", "--python", python, "install", "-q",
                   "--no-deps", "--no-index", "--ignore-installed",
                   "--disable-pip-version-check", wheel], where)
    assert install.returncode == 0, install.stderr[-2000:]
    return python


@dataclass(frozen=True)
class Built:
    """An sdist, the wheel built from it, and a fresh venv holding that wheel."""

    names: set[str]  # the sdist's files, without its top folder
    tree: Path  # the sdist unpacked
    wheel: Path
    venv: Path
    python: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    # one build for both tests below (as `python -m build` makes a release: the sdist,
    # then the wheel from the unpacked sdist)
    tmp = tmp_path_factory.mktemp("packaging")
    sdist = build("build_sdist", source_copy(tmp), tmp / "dist")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        archive.extractall(tmp / "unpacked", filter="data")
    (tree,) = (tmp / "unpacked").iterdir()
    wheel = build("build_wheel", tree, tmp / "wheel")
    return Built(names, tree, wheel, tmp / "venv", fresh_venv(tmp / "venv", wheel))


def test_the_sdist_carries_its_tests_and_they_run_against_the_installed_package(built):
    for needed in ("LICENSE", ".pre-commit-hooks.yaml", "tests/conftest.py",
                   "tests/zoo/__init__.py", "tests/notebooks/check_all.ipynb",
                   "gradcheck/py.typed", "gradcheck/report.schema.json",
                   "gradcheck/_entry/nnfs_gradcheck_pytest/__init__.py",
                   "docs/figures/make_heatmap.py"):
        assert needed in built.names, needed
    assert not [n for n in built.names if "__pycache__" in n or n.endswith(".pyc")]
    # -P: the unpacked tree's own gradcheck/ is not on sys.path; tests/ is (its conftest)
    suite = run([built.python, "-P", "-c",
                 "import sys, pytest; code = pytest.main(sys.argv[1:]); "
                 "import gradcheck; print('gradcheck from', gradcheck.__file__); "
                 "sys.exit(code)",
                 "-q", "-p", "no:cacheprovider", *SDIST_TESTS], built.tree)
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
    assert f"gradcheck from {built.venv}" in suite.stdout
    (passed,) = re.findall(r"^(\d+) passed in ", suite.stdout, flags=re.MULTILINE)
    assert int(passed) >= 125  # the subset ran, not a collection of nothing


def test_a_wheel_installs_into_a_fresh_venv_with_its_data_and_its_command_finds_a_bug(
        built, tmp_path):
    with zipfile.ZipFile(built.wheel) as archive:
        names = set(archive.namelist())
    assert {"gradcheck/py.typed", "gradcheck/report.schema.json",
            "nnfs_gradcheck_pytest/__init__.py", "nnfs_core/__init__.py"} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "gradcheck/_entry"))]
    venv, python = built.venv, built.python
    work = tmp_path / "learner"
    work.mkdir()
    (work / "buggy.py").write_text(BUGGY)
    (work / "correct.py").write_text(CORRECT)
    command = venv / "bin" / "gradcheck"
    assert command.read_text().startswith(f"#!{python}")
    found = run([command, "buggy.py", "--examples", "2", "-q"], work)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "Activation_Doubled  layer  failed" in found.stdout
    passed = run([command, "correct.py", "--examples", "2", "-q"], work)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    files = run([python, "-c",
                 "import gradcheck, importlib.resources as r, importlib.metadata as m; "
                 "root = r.files('gradcheck'); "
                 "print(gradcheck.__file__); "
                 "print((root / 'py.typed').is_file(), (root / 'report.schema.json').is_file(),"
                 " any(f.name == 'LICENSE' for f in m.files('nnfs-gradcheck')), "
                 "m.version('nnfs-gradcheck'))"], work)
    where, present = files.stdout.strip().splitlines()
    assert where.startswith(str(venv)), files.stderr
    assert present == f"True True True {gradcheck.__version__}", files.stderr
    # the plugin, installed: a learner's own gradcheck.py does not break python -m pytest
    (work / "gradcheck.py").write_text("raise RuntimeError('the learner gradcheck.py')\n")
    (work / "test_mine.py").write_text("def test_mine():\n    assert True\n")
    tests = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"],
                work)
    assert tests.returncode == 0 and "1 passed" in tests.stdout, tests.stdout + tests.stderr


def test_one_version_everywhere_and_the_readme_names_the_tag_it_would_get(capsys):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    version = gradcheck.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert importlib.metadata.version("nnfs-gradcheck") == version
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out == f"gradcheck {version}\n"
    recipe = (ROOT / "docs" / "ci.md").read_text("utf-8")  # the pre-commit recipe's page
    assert f"The first tag will be `v{version}`" in recipe
