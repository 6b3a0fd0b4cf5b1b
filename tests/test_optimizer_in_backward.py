"""``backward(grad, optimizer)``: the parameter gradients handed to an optimizer object.

Before: "forward(x) and backward(grad, optimizer) belong to different protocols", and
nothing was checked. The layer is given gradcheck's plain SGD, whatever its method is
called, and read as a ``backward(grad, learning_rate)`` that updates its parameters.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zoo_observed import optimizer

from gradcheck import check_layer
from gradcheck.cli import main
from gradcheck.protocol.roles import RateOptimizer

X = np.random.default_rng(0).standard_normal((4, 3))


def test_the_optimizer_applies_sgd_whatever_its_method_and_returns_the_parameter():
    w, g = np.ones(3), np.arange(3.0)
    assert RateOptimizer(0.5).update(w, g) is w and np.allclose(w, [1.0, 0.5, 0.0])
    ws, gs = [np.ones(2), np.ones(1)], [np.ones(2), 2 * np.ones(1)]
    RateOptimizer(0.1).step(ws, gs)
    assert np.allclose(ws[0], 0.9) and np.allclose(ws[1], 0.8)
    assert RateOptimizer(0.0).apply(w, g) is w and np.allclose(w, [1.0, 0.5, 0.0])


@pytest.mark.parametrize(("good", "bad", "failing"), [
    (optimizer.Dense, optimizer.Dense_MeanBias, "update of b at learning_rate 0.001"),
    (optimizer.Linear, optimizer.Linear_UpdatedFirst, None),
])
def test_each_passes_and_its_twin_fails(good, bad, failing):
    report = check_layer(good(3, 2), X)
    assert report.ok
    assert any("gradcheck's plain SGD" in n for n in report.notes)
    failed = check_layer(bad(3, 2), X, raise_on_failure=False)
    assert failed.status == "failed"
    if failing:
        assert [g.name for g in failed.gradients if g.status == "failed"] == [failing]
    else:
        assert "already updated" in failed.message


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_through_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(optimizer.__file__)), "--examples", "4", "--json", "r.json",
                 "-q"]) == 1
    results = {r["name"]: r["status"]
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert results == {"Dense": "passed", "Dense_MeanBias": "failed", "Linear": "passed",
                       "Linear_UpdatedFirst": "failed"}
