"""The public boundary: what ``gradcheck`` shows, what every module exports, where errors live."""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import pkgutil
import types
from pathlib import Path

import numpy as np
import pytest

import gradcheck
import gradcheck.errors
from gradcheck import configure
from gradcheck.engine import budget, threads

ROOT = Path(gradcheck.__file__).parent
SKIP = {"gradcheck.__main__"}  # running it is the command itself


def _module_names() -> list[str]:
    names = ["gradcheck", "nnfs_gradcheck_pytest"]  # the plugin's source is in gradcheck/_entry
    for info in pkgutil.walk_packages([str(ROOT)], prefix="gradcheck."):
        if info.name not in SKIP:
            names.append(info.name)
    return sorted(names)


MODULES = _module_names()


def without_all(source: str) -> bool:
    """Whether a module's source lacks a top-level ``__all__``."""
    tree = ast.parse(source)
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return False
    return True


def foreign_exceptions(module: types.ModuleType) -> list[str]:
    """Exception and warning classes a module defines itself, outside ``gradcheck.errors``."""
    if module.__name__ == "gradcheck.errors":
        return []
    return [name for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, BaseException)
            and value.__module__ == module.__name__]


# ----------------------------------------------------------------------------- the façade
def test_dir_of_gradcheck_is_exactly_its_all():
    assert dir(gradcheck) == sorted(gradcheck.__all__)
    for noise in ("Any", "TYPE_CHECKING", "annotations", "importlib"):
        assert noise not in dir(gradcheck)


def test_every_name_of_the_facade_resolves():
    for name in gradcheck.__all__:
        assert getattr(gradcheck, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        gradcheck.nothing_here  # noqa: B018


def test_the_result_types_users_touch_are_exported():
    report = gradcheck.check_layer(_Double(), np.ones((2, 3)), raise_on_failure=False)
    assert report.status is gradcheck.Status.FAILED
    assert report.kind is gradcheck.Kind.LAYER
    assert isinstance(report, gradcheck.Report)
    assert isinstance(report.gradients[0], gradcheck.GradientResult)
    assert gradcheck.Checked().ok is False  # nothing checked is not a pass


# ----------------------------------------------------------------------------- __all__
@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_all_names_exist(name):
    module = importlib.import_module(name)
    assert not without_all(inspect.getsource(module)), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not have: {missing}"


def test_the_walker_flags_a_module_without_all():
    assert without_all('"""doc."""\nimport os\n\ndef f():\n    return os\n')
    assert not without_all('"""doc."""\n__all__ = ["f"]\n\ndef f():\n    pass\n')
    assert not without_all("__all__: list[str] = []\n")


def test_the_walk_finds_every_module_file():
    files = {p for p in ROOT.rglob("*.py") if p.name != "__main__.py"}
    assert len(MODULES) == len(files) >= 58


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name", MODULES)
def test_every_exception_class_is_defined_in_errors(name):
    assert foreign_exceptions(importlib.import_module(name)) == []


def test_the_errors_walker_flags_an_exception_defined_elsewhere():
    module = types.ModuleType("gradcheck.somewhere")
    exec("class LostError(Exception):\n    pass\nclass Fine:\n    pass\n", vars(module))
    assert foreign_exceptions(module) == ["LostError"]


def test_errors_holds_every_exception_and_nothing_else():
    for name in gradcheck.errors.__all__:
        assert issubclass(getattr(gradcheck.errors, name), BaseException), name


def test_old_homes_still_export_the_errors():
    from gradcheck.engine.frame import ArgumentError, GradcheckWarning
    from gradcheck.protocol.calls import ProtocolError, UserCodeError
    from gradcheck.report import GradientError
    from gradcheck.targets.loading import TargetError
    from gradcheck.targets.probe_calls import UserError

    errors = gradcheck.errors
    assert (ArgumentError, GradcheckWarning, GradientError) == (
        errors.ArgumentError, errors.GradcheckWarning, errors.GradientError)
    assert (ProtocolError, TargetError) == (errors.ProtocolError, errors.TargetError)
    assert UserError is UserCodeError is errors.UserCodeError


def test_user_code_raising_is_one_error_type_in_checks_and_probes():
    from gradcheck.protocol.calls import call
    from gradcheck.targets.probe_calls import user_call

    class Boom:
        def forward(self, inputs):
            raise RuntimeError("boom")

    with pytest.raises(gradcheck.errors.UserCodeError, match="Boom.forward raised"):
        call(Boom(), "forward", 1)
    with pytest.raises(gradcheck.errors.UserCodeError, match="boom"):
        user_call("Boom().forward", Boom().forward, 1)
    assert user_call("abs", abs, -2) == 2  # code that does not raise: its value


def test_public_errors_are_what_users_catch():
    assert issubclass(gradcheck.GradientError, AssertionError)
    assert issubclass(gradcheck.GradcheckWarning, UserWarning)
    assert issubclass(gradcheck.errors.ArgumentError, ValueError)
    with pytest.raises(gradcheck.GradientError) as caught:
        gradcheck.check_layer(_Double(), np.ones((2, 3)))
    assert caught.value.report.status == "failed"
    assert gradcheck.check_layer(_Double(factor=2.0), np.ones((2, 3))).ok


# ----------------------------------------------------------------------------- settings
def test_configure_in_a_with_block_changes_the_settings_only_inside():
    before = (budget.MEMORY_BYTES, threads.THREADS)
    with configure(memory_bytes=2**20, threads=None) as now:
        assert (budget.MEMORY_BYTES, threads.THREADS) == (2**20, None)
        assert (now.memory_bytes, now.threads) == (2**20, None)
    assert (budget.MEMORY_BYTES, threads.THREADS) == before


def test_configure_without_with_lasts_and_a_small_budget_keeps_the_verdicts(monkeypatch):
    monkeypatch.setattr(budget, "MEMORY_BYTES", budget.MEMORY_BYTES)
    configure(memory_bytes=2**16)
    assert budget.MEMORY_BYTES == 2**16
    assert budget.rows_per_call(64, 64, rows=1000) == 8  # chunked to the budget
    assert gradcheck.check_layer(_Double(factor=2.0), np.ones((8, 3))).ok
    assert not gradcheck.check_layer(_Double(), np.ones((8, 3)), raise_on_failure=False).ok
    assert configure().memory_bytes == 2**16  # no argument: reads, changes nothing


@pytest.mark.parametrize(("options", "error"), [
    ({"memory_bytes": 0}, ValueError),
    ({"memory_bytes": 1.5}, TypeError),
    ({"memory_bytes": None}, TypeError),
    ({"threads": 0}, ValueError),
    ({"threads": True}, TypeError),
])
def test_configure_rejects_unusable_values_and_changes_nothing(options, error):
    before = (budget.MEMORY_BYTES, threads.THREADS)
    with pytest.raises(error, match=next(iter(options))):
        configure(**options)
    assert (budget.MEMORY_BYTES, threads.THREADS) == before


def test_configure_takes_numpy_integers():
    with configure(memory_bytes=np.int64(2**21), threads=np.int32(2)) as now:
        assert (now.memory_bytes, now.threads) == (2**21, 2)


class _Double:
    def __init__(self, factor: float = 1.0) -> None:
        self.factor = factor  # the backward's factor: 2.0 is right, 1.0 forgets it

    def forward(self, inputs):
        self.output = 2 * inputs

    def backward(self, dvalues):
        self.dinputs = self.factor * dvalues



def test_the_public_api_page_runs_as_written():
    page = ROOT.parent / "docs" / "public-api.md"
    result = doctest.testfile(str(page), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0
