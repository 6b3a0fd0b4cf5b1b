"""Parameters held as objects (``self.W = Parameter(...)`` with ``.data`` and ``.grad``):
the gradient beside the value is the value's, whatever its numbers, so a wrong one fails
instead of leaving the parameter "treated as constant"."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zoo_observed import param_objects as po

from gradcheck import check_layer
from gradcheck.cli import main

X = np.random.default_rng(1).standard_normal((5, 3))


@pytest.mark.parametrize(("layer", "found"), [
    (po.Linear(3, 4), "W.grad for W.data, b.grad for b.data"),
    (po.Scale(3), "gamma.grad for gamma.data, beta.grad for beta.data")])
def test_layers_with_parameter_objects_pass_and_say_where(layer, found):
    report = check_layer(layer, X)
    assert any(found in note for note in report.notes), report.notes
    assert not report.constants


@pytest.mark.parametrize(("layer", "gradient"), [(po.Linear_MeanBias(3, 4), "b.grad"),
                                                 (po.Scale_GammaUnsummed(3), "gamma.grad")])
def test_their_twins_fail_on_that_gradient(layer, gradient):
    report = check_layer(layer, X, raise_on_failure=False)
    assert [g.name for g in report.gradients if g.status == "failed"] == [gradient]


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_through_the_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(po.__file__)), "--examples", "5", "--json", "r.json", "-q"]) == 1
    results = {r["name"]: r["status"]
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert results == {"Linear": "passed", "Linear_MeanBias": "failed",
                       "Scale": "passed", "Scale_GammaUnsummed": "failed"}


def test_the_only_array_of_a_parameters_shape_is_its_gradient_whatever_its_name():
    from zoo_observed import odd_gradient_names as odd

    report = check_layer(odd.PReLU(3), X)
    assert any("nabla_alpha for alpha" in n for n in report.notes) and not report.constants
    for twin, name in ((odd.PReLU_NablaMean, "nabla_alpha"), (odd.PReLU_GaMean, "g_a")):
        report = check_layer(twin(3), X, raise_on_failure=False)
        assert [g.name for g in report.gradients if g.status == "failed"] == [name]
        assert not report.constants


def test_a_forward_returning_its_output_with_integer_indices_is_checked_on_the_output():
    from zoo_observed import output_with_indices as owi

    assert check_layer(owi.MaxPoolPairs(), X[:, :2].copy() + np.arange(2)).ok
    bad = check_layer(owi.MaxPoolPairs_Halved(), X[:, :2].copy() + np.arange(2),
                      raise_on_failure=False)
    assert [g.name for g in bad.gradients if g.status == "failed"] == ["dinputs"]
