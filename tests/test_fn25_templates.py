"""Unfinished template classes (issue 25): ``unfinished`` through the CLI and the API.

The zoo ``tests/zoo_fn25/templates``: ``layers.py`` (templates in each way a course
writes them), ``finished_layers.py`` (the same filled in, comments left behind: passes),
``buggy_layers.py`` (finished with real bugs, ``pass``/``TODO`` left behind: failed,
never ``unfinished``).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import GradientError, check_layer, check_loss
from gradcheck.cli import main

ZOO = Path(__file__).parent / "zoo_fn25" / "templates"
TEMPLATES = ["Layer_Dense", "Activation_ReLU", "Activation_Sigmoid", "Activation_Tanh",
             "Loss_MeanSquaredError"]


@pytest.fixture
def zoo(monkeypatch):
    monkeypatch.syspath_prepend(str(ZOO))
    before = set(sys.modules)
    yield lambda name: importlib.import_module(name)
    for name in set(sys.modules) - before:
        if name in ("layers", "finished_layers", "buggy_layers"):
            del sys.modules[name]


def run(monkeypatch, tmp_path, capsys, target):
    monkeypatch.chdir(ZOO)
    out = tmp_path / "report.json"
    code = main([target, "--examples", "5", "-q", "--json", str(out)])
    capsys.readouterr()
    return code, {r["name"]: r for r in json.loads(out.read_text())["results"]}


def test_templates_are_unfinished_through_the_command(monkeypatch, tmp_path, capsys):
    code, results = run(monkeypatch, tmp_path, capsys, "layers.py")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == dict.fromkeys(TEMPLATES,
                                                                          "unfinished")
    assert "Layer" not in results  # a base class whose subclasses live elsewhere
    messages = {n: r["message"] for n, r in results.items()}
    assert "Layer_Dense.backward does nothing yet" in messages["Layer_Dense"]
    assert "Activation_ReLU.backward raises NotImplementedError" in messages["Activation_ReLU"]
    assert "self.dinputs to zeros it never fills in" in messages["Activation_Sigmoid"]
    assert "Activation_Tanh.forward does nothing yet" in messages["Activation_Tanh"]
    assert all("gradcheck" not in m for m in messages.values())  # never the checker's bug


def test_the_finished_twins_pass(monkeypatch, tmp_path, capsys):
    code, results = run(monkeypatch, tmp_path, capsys, "finished_layers.py")
    assert code == 0
    assert {n: r["status"] for n, r in results.items()} == dict.fromkeys(TEMPLATES, "passed")


def test_real_bugs_beside_a_left_over_pass_or_todo_stay_failed(monkeypatch, tmp_path, capsys,
                                                               no_shrinking):
    code, results = run(monkeypatch, tmp_path, capsys, "buggy_layers.py")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "Layer_Dense": "failed", "Activation_Sigmoid": "failed", "Activation_ReLU": "failed"}
    assert all("unfinished" not in r["message"] for r in results.values())


def test_templates_are_unfinished_through_the_api(zoo):
    layers = zoo("layers")
    x = np.random.default_rng(0).standard_normal((3, 4))
    for layer in (layers.Layer_Dense(4, 2), layers.Activation_ReLU(),
                  layers.Activation_Sigmoid(), layers.Activation_Tanh()):
        report = check_layer(layer, x, raise_on_failure=False)
        assert report.status == "unfinished", (type(layer).__name__, report.message)
        assert "an unfinished template" in report.problems[0]
    with pytest.raises(GradientError, match="is unfinished"):
        check_layer(layers.Layer_Dense(4, 2), x)
    y = np.random.default_rng(1).standard_normal((3, 4))
    assert check_loss(layers.Loss_MeanSquaredError(), x, y,
                      raise_on_failure=False).status == "unfinished"


def test_finished_and_buggy_twins_through_the_api(zoo):
    finished, buggy = zoo("finished_layers"), zoo("buggy_layers")
    x = np.random.default_rng(0).standard_normal((3, 4))
    for name in ("Layer_Dense", "Activation_ReLU", "Activation_Sigmoid"):
        args = (4, 2) if name == "Layer_Dense" else ()
        assert check_layer(getattr(finished, name)(*args), x).ok
        report = check_layer(getattr(buggy, name)(*args), x, raise_on_failure=False)
        assert report.status == "failed", (name, report.message)


def test_a_not_implemented_branch_of_a_finished_layer_is_its_error_not_a_template(zoo):
    buggy = zoo("buggy_layers")
    report = check_layer(buggy.Activation_ReLU(), np.ones((2, 3, 4)), raise_on_failure=False)
    assert report.status == "error" and "NotImplementedError" in report.problems[0]
