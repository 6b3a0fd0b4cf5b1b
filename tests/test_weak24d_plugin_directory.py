"""``pytest --gradcheck DIR``: a plain directory's files, as ``gradcheck DIR`` checks them.

The zoo folder ``tests/zoo_weak24d/activation_modules/`` (layers built with the folder's
activation pair, a script with nothing to check) plus a file that cannot load: one item
per class or function of each file, one failing item for the broken file, the script
passed over; a directory with nothing to check is a usage error, as for the command.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy  # noqa: F401 - imported before pytester snapshots sys.modules
import pytest

pytest_plugins = ["pytester"]

FOLDER = Path(__file__).parent / "zoo_weak24d" / "activation_modules"


@pytest.fixture
def folder(pytester):
    shutil.copytree(FOLDER, pytester.path / "src")
    (pytester.path / "src" / "zz_broken.py").write_text("def broken(:\n")
    return pytester


def test_each_file_of_the_directory_gives_its_items(folder):
    result = folder.runpytest("--gradcheck", "src", "--gradcheck-examples", "5", "-q",
                              "-p", "no:cacheprovider")
    # three correct layers and the pair pass; three twins and the broken file fail
    result.assert_outcomes(passed=4, failed=4)
    result.stdout.fnmatch_lines([
        "FAILED src/layer_file.py::TanhLayer_Bug*",
        "FAILED src/layers.py::ActivationLayer_Bug*",
        "FAILED src/module_import.py::Activation_Bug*",
        "FAILED src/zz_broken.py - Failed: --gradcheck src/zz_broken.py: cannot load*",
    ])
    assert "network.py" not in result.stdout.str()  # a script: passed over


def test_a_file_of_the_directory_selected_by_its_path_gives_only_its_items(folder):
    result = folder.runpytest("--gradcheck", "src", "--gradcheck-examples", "5", "-q",
                              "-p", "no:cacheprovider", "src/layers.py")
    result.assert_outcomes(passed=1, failed=1)


def test_a_directory_with_nothing_to_check_is_a_usage_error(pytester):
    (pytester.path / "scripts").mkdir()
    (pytester.path / "scripts" / "train.py").write_text("print('training')\n")
    result = pytester.runpytest("--gradcheck", "scripts", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradcheck scripts: nothing to check in scripts: none of "
                                 "its 1 files*"])
