"""Layers given their input again (``backward(dout, x)``, instance or static methods), and
parameter gradients returned in a dict beside the input gradient.

Before: "forward(x) and backward(dout, x) belong to different protocols", "forward takes
0 arguments" for a ``staticmethod`` forward, and "backward did not set self.dW" for
``return dx, {"W": dW, "b": db}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zoo_observed import cacheless

from gradcheck import check_layer
from gradcheck.cli import main

X = np.random.default_rng(0).standard_normal((4, 3))


@pytest.mark.parametrize(("good", "bad", "failing"), [
    (cacheless.ReLU, cacheless.ReLU_Flipped, "dinputs"),
    (cacheless.Sigmoid, cacheless.Sigmoid_NoOneMinus, "dinputs"),
    (cacheless.Affine, cacheless.Affine_MeanBias, "returned[1]['b'] for b"),
])
def test_each_passes_and_its_twin_fails_on_the_gradient_with_the_bug(good, bad, failing):
    made = (lambda cls: cls(3, 2)) if good is cacheless.Affine else (lambda cls: cls())
    report = check_layer(made(good), X)
    assert report.ok
    failed = check_layer(made(bad), X, raise_on_failure=False)
    assert [g.name for g in failed.gradients if g.status == "failed"] == [failing]


def test_where_the_dict_gradients_were_found_is_said():
    report = check_layer(cacheless.Affine(3, 2), X)
    assert ("returned[0] for inputs, returned[1]['W'] for W, returned[1]['b'] for b"
            in " ".join(report.notes))


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_through_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(cacheless.__file__)), "--examples", "4", "--json", "r.json",
                 "-q"]) == 1
    results = {r["name"]: r["status"]
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert results == {"ReLU": "passed", "ReLU_Flipped": "failed", "Sigmoid": "passed",
                       "Sigmoid_NoOneMinus": "failed", "Affine": "passed",
                       "Affine_MeanBias": "failed"}
