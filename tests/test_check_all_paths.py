"""``check_all`` takes what the command takes: a file, a notebook, a plain directory, a module.

Before, ``gradcheck.check_all("my_project")`` ended in ``AttributeError: 'str' object has
no attribute 'get'`` (the first argument had to be a namespace dict), and an imported module
the same. The layers below are our own, written for this test; each correct one has a
buggy twin that must fail through the same call.
"""

import importlib
import textwrap

import pytest

from gradcheck import check_all
from gradcheck.errors import TargetError

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

LAYERS = textwrap.dedent('''
    import numpy as np


    class Scale:
        def __init__(self, n_features):
            self.g = np.linspace(0.5, 1.5, n_features)

        def forward(self, x):
            self.x = x
            return x * self.g

        def backward(self, grad):
            self.dg = (grad * self.x).sum(axis=0)
            return grad * self.g


    def softplus(z):
        return np.log1p(np.exp(z))


    def softplus_prime(z):
        return 1.0 / (1.0 + np.exp(-z))
''')

BROKEN_GAIN = LAYERS.replace("self.dg = (grad * self.x).sum(axis=0)",
                             "self.dg = (grad * self.x).mean(axis=0)")
BROKEN_DERIVATIVE = LAYERS.replace("1.0 / (1.0 + np.exp(-z))", "1.0 / (1.0 + np.exp(z))")


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def statuses(checked):
    return {r.name: r.status for r in checked.results}


def test_a_file_path_is_checked_like_the_command_checks_it(tmp_path):
    path = write(tmp_path, "ok_layers.py", LAYERS)
    checked = check_all(str(path), examples=3)
    assert statuses(checked) == {"Scale": "passed", "softplus_prime": "passed"}
    assert checked.ok
    assert repr(checked) == "<Checked 1 class and 1 function: 2 passed>"


def test_a_file_path_with_a_wrong_gradient_fails(tmp_path):
    checked = check_all(write(tmp_path, "gain_layers.py", BROKEN_GAIN), examples=3)
    assert statuses(checked) == {"Scale": "failed", "softplus_prime": "passed"}
    assert not checked.ok
    checked = check_all(write(tmp_path, "deriv_layers.py", BROKEN_DERIVATIVE), examples=3)
    assert statuses(checked) == {"Scale": "passed", "softplus_prime": "failed"}


def test_a_plain_directory_checks_each_file_and_an_unloadable_one_is_an_error_row(tmp_path):
    folder = tmp_path / "project"
    write(folder, "good_layers.py", LAYERS)
    checked = check_all(folder, examples=3)
    assert [r.status for r in checked.results] == ["passed", "passed"]
    write(folder / "sub", "bad_layers.py", BROKEN_GAIN)
    write(folder, "needs_a_package.py", "import no_such_package_for_gradcheck_tests\n")
    checked = check_all(folder, examples=3)
    rows = [(r.name, r.kind, r.status) for r in checked.results]
    assert (str(folder / "needs_a_package.py"), "file", "error") in rows
    assert ("Scale", "layer", "failed") in rows and ("Scale", "layer", "passed") in rows
    assert not checked.ok


def test_an_imported_module_is_searched_like_a_notebook_namespace(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    write(tmp_path, "mod_ok_layers.py", LAYERS)
    write(tmp_path, "mod_bad_layers.py", BROKEN_GAIN)
    assert check_all(importlib.import_module("mod_ok_layers"), examples=3).ok
    bad = check_all(importlib.import_module("mod_bad_layers"), examples=3)
    assert statuses(bad)["Scale"] == "failed"


def test_what_cannot_be_searched_says_so(tmp_path):
    with pytest.raises(TypeError, match="a path or a module name, not int"):
        check_all(3)
    with pytest.raises(TargetError, match="no such file"):
        check_all(str(tmp_path / "missing.py"))
