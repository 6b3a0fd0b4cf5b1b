"""Activation and loss objects are found by a function method and a derivative method of
the usual names, not only ``fn``/``grad`` and ``loss``/``grad``.

Before, ``__call__``/``gradient``, ``activate``/``derivative``, ``function``/``prime``,
``forward``/``derivative`` (no backward), ``loss``/``gradient`` and
``calculate``/``derivative`` were not checked at all (the file read "1 class, 0 checks").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shrinking import shrinking_off
from zoo_observed import derivative_names

from gradcheck.cli import main

NAMES = ["Sigmoid.gradient", "ReLU.derivative", "Tanh.prime", "Softplus.derivative",
         "MSE.gradient", "MAE.derivative"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    import contextlib
    import io
    import os

    where, here = tmp_path_factory.mktemp("derivative_names"), os.getcwd()
    os.chdir(where)
    try:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), shrinking_off():
            code = main([str(Path(derivative_names.__file__)), "--examples", "5", "--json",
                         "r.json", "-q"])
    finally:
        os.chdir(here)
    assert code == 1
    return {r["name"]: r for r in json.loads((where / "r.json").read_text())["results"]}


@pytest.mark.usefixtures("isolated_imports")
@pytest.mark.parametrize("name", NAMES)
def test_each_object_is_checked_and_passes(results, name):
    assert results[name]["kind"] == "derivative" and results[name]["status"] == "passed"


@pytest.mark.usefixtures("isolated_imports")
@pytest.mark.parametrize("name", NAMES)
def test_its_twin_fails(results, name):
    cls, method = name.split(".")
    assert results[f"{cls}_Bug.{method}"]["status"] == "failed"


def test_a_class_with_forward_and_no_backward_is_one_derivative_row(results):
    assert "Softplus" not in results  # (no "no backward method" row beside it)


@pytest.mark.usefixtures("isolated_imports")
def test_deriv_f_and_f_backward_with_the_functions_own_arguments_are_derivatives(
        tmp_path, monkeypatch):
    from zoo_observed import derivative_functions

    monkeypatch.chdir(tmp_path)
    code = main([str(Path(derivative_functions.__file__)), "--examples", "5", "--json",
                 "r.json", "-q"])
    results = {r["name"]: (r["kind"], r["status"])
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert code == 1
    assert results == {
        "elu_backward": ("derivative", "passed"), "elu_bug_backward": ("derivative", "failed"),
        "deriv_relu": ("derivative", "passed"), "deriv_relu_bug": ("derivative", "failed"),
        # dout first: a backward, checked as a function pair
        "softsign": ("function", "passed"),
    }


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_a_layer_given_a_function_and_its_derivative_is_built_from_the_modules_pair(
        tmp_path, monkeypatch):
    from zoo_observed import activation_layer

    monkeypatch.chdir(tmp_path)
    code = main([str(Path(activation_layer.__file__)), "--examples", "5", "--json",
                 "r.json", "-q"])
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert code == 1
    assert results["Activation"]["status"] == "passed"
    assert results["Activation"]["checks"][0]["variant"] == (
        "activation=sigmoid, activation_prime=sigmoid_prime")
    assert results["Activation_OnOutput"]["status"] == "failed"
    assert results["sigmoid_prime"]["status"] == "passed"  # the pair itself is right
