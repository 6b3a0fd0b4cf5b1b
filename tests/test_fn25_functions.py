"""Functions of several weight matrices and cost objects (issue 25), CLI and API.

- ``tests/zoo_fn25/two_layer``: ``two_layer_loss(X, y, W1, b1, W2, b2, reg) -> (loss,
  grads)``, ``tanh_net_loss(...) -> (loss, dW1, db1, dW2, db2)`` and ``forward(X, W1,
  b1, W2, b2) -> (loss, {"W1": ..., ...})``, drawn from their argument names with every
  size different; the twins: ``db1`` before the ReLU mask, a tanh derivative not
  squared, ``db2`` a mean instead of a sum.
- ``tests/zoo_fn25/costs``: Nielsen's cost objects through ``check_loss(Cost, z, y)``;
  the twin's ``QuadraticCost.delta`` lacks the sigmoid's derivative.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import GradientError, check_function, check_loss
from gradcheck.cli import main
from gradcheck.protocol.source import returned_names
from gradcheck.targets.returning import describe_roles, roles

ZOO = Path(__file__).parent / "zoo_fn25"
OWN = ("two_layer", "buggy_two_layer", "costs", "buggy_costs")


@pytest.fixture
def zoo(monkeypatch):
    monkeypatch.syspath_prepend(str(ZOO / "two_layer"))
    monkeypatch.syspath_prepend(str(ZOO / "costs"))
    yield importlib.import_module
    for name in OWN:
        sys.modules.pop(name, None)


def statuses(monkeypatch, tmp_path, capsys, where, *targets):
    monkeypatch.chdir(where)
    out = tmp_path / "report.json"
    code = main([*targets, "--examples", "5", "-q", "--json", str(out)])
    capsys.readouterr()
    document = json.loads(out.read_text())
    return code, [(r["target"], r["name"], r["status"], r["message"])
                  for r in document["results"]]


# ----------------------------------------------------------------------------- W1, W2
def test_numbered_weights_are_read_as_layers_with_every_size_different():
    def loss(X, y, W1, b1, W2, b2, reg):
        return 0.0, {}

    found, why = roles(loss)
    assert why == "" and found == {"X": "data", "y": "labels", "W1": "weights1",
                                   "b1": "bias1", "W2": "weights2", "b2": "bias2",
                                   "reg": "reg"}
    assert "W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)" in describe_roles(found)

    def gap(X, W1, W3):  # the twin: numbers that are not one per layer
        return 0.0, None

    assert roles(gap)[0] == {} and "numbered 1, 3" in roles(gap)[1]


def test_two_layer_functions_through_the_command(monkeypatch, tmp_path, capsys):
    code, rows = statuses(monkeypatch, tmp_path, capsys, ZOO / "two_layer", "two_layer.py",
                          "buggy_two_layer.py")
    assert code == 1
    assert [(t, n, s) for t, n, s, _ in rows] == [
        ("two_layer.py", "two_layer_loss", "passed"),
        ("two_layer.py", "tanh_net_loss", "passed"),
        ("two_layer.py", "forward", "passed"),
        ("buggy_two_layer.py", "two_layer_loss", "failed"),
        ("buggy_two_layer.py", "tanh_net_loss", "failed"),
        ("buggy_two_layer.py", "forward", "failed")]
    assert "grads['b1']" in rows[3][3] and "db1" in rows[4][3]
    assert "grads['b2']" in rows[5][3]


def test_a_dict_literal_keyed_by_the_arguments_is_the_gradients():
    def forward(X, W1, b1):
        h = X @ W1 + b1
        return 0.5 * float(np.sum(h ** 2)), {"W1": X.T @ h, "b1": h.sum(axis=0)}

    def scores(X, W1, b1):  # the twin: a dict of other things is no gradient
        h = X @ W1 + b1
        return 0.5 * float(np.sum(h ** 2)), {"mean": h.mean(), "max": h.max()}

    def affine_forward(x, w, b):  # and a cache keeping the arguments is none either
        return x @ w + b, {"x": x, "w": w, "b": b}

    assert returned_names(forward) == [None, "grads"]
    assert returned_names(scores) == [None, None]
    assert returned_names(affine_forward) == [None, None]


def _two_layer_arguments():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 4)), rng.integers(0, 2, 5)
    W1, b1 = 0.1 * rng.standard_normal((4, 3)), 0.1 * rng.standard_normal(3)
    W2, b2 = 0.1 * rng.standard_normal((3, 2)), 0.1 * rng.standard_normal(2)
    return X, y, W1, b1, W2, b2


def test_two_layer_functions_through_the_api(zoo):
    correct, buggy = zoo("two_layer"), zoo("buggy_two_layer")
    args = _two_layer_arguments()
    report = check_function(correct.two_layer_loss, None, *args, 0.1)
    assert report.ok and {"grads['W1']", "grads['b1']"} <= {g.name for g in report.gradients}
    assert check_function(correct.tanh_net_loss, None, *args).ok
    with pytest.raises(GradientError, match=r"grads\['b1'\]"):
        check_function(buggy.two_layer_loss, None, *args, 0.1)
    failed = check_function(buggy.tanh_net_loss, None, *args, raise_on_failure=False)
    assert {g.name for g in failed.gradients if g.status == "failed"} >= {"dW1", "db1"}


# ----------------------------------------------------------------------------- costs
def _z_and_y():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((3, 4))
    y = np.zeros((3, 4))
    y[rng.integers(0, 3, 4), np.arange(4)] = 1.0
    return z, y


def test_cost_objects_through_check_loss(zoo):
    correct, buggy = zoo("costs"), zoo("buggy_costs")
    z, y = _z_and_y()
    for cost in (correct.QuadraticCost, correct.CrossEntropyCost, correct.QuadraticCost()):
        report = check_loss(cost, z, y)
        assert report.ok and report.kind == "derivative"
        assert "delta is dC/dz at the output layer" in report.notes[-1]
    assert check_loss(buggy.CrossEntropyCost, z, y).ok
    with pytest.raises(GradientError, match="QuadraticCost.delta"):
        check_loss(buggy.QuadraticCost, z, y)


def test_a_cost_with_another_output_activation(zoo):
    correct = zoo("costs")
    z, y = _z_and_y()
    # delta(z, a, y) = a - y is the cross-entropy's delta for a sigmoid only: with a tanh
    # output it is wrong, and the check says so
    report = check_loss(correct.CrossEntropyCost, 0.1 * z, y, activation=lambda t: 0.5 + 0.4 *
                        np.tanh(t), raise_on_failure=False)
    assert report.status == "failed"
    with pytest.raises(TypeError, match="activation= is for cost objects"):
        check_loss(object(), z, y, activation=np.tanh)
    with pytest.raises(ValueError, match="y has shape"):
        check_loss(correct.QuadraticCost, z, y[:, :1])


def test_cost_objects_through_the_command(monkeypatch, tmp_path, capsys):
    code, rows = statuses(monkeypatch, tmp_path, capsys, ZOO / "costs", "costs.py",
                          "buggy_costs.py")
    assert code == 1
    failed = [(t, n) for t, n, s, _ in rows if s != "passed"]
    assert failed == [("buggy_costs.py", "QuadraticCost.delta")]
