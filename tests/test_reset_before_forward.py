"""A class's own gradient reset runs before forward, not between forward and backward.

``flush_gradients()`` that also empties the inputs forward kept (``self.X = []``) made
every such layer an ``error`` ("backward raised IndexError: list index out of range").
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zoo_observed import flush_inputs

from gradcheck import check_layer
from gradcheck.cli import main

X = np.random.default_rng(0).standard_normal((4, 3))


def test_it_passes_naming_its_reset_and_its_twin_fails_on_the_bias():
    report = check_layer(flush_inputs.Affine(2), X)
    assert report.ok
    assert any("flush_gradients()" in n for n in report.notes)
    bad = check_layer(flush_inputs.Affine_MeanBias(2), X, raise_on_failure=False)
    assert [g.name for g in bad.gradients if g.status == "failed"] == ["gradients['b']"]


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_through_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(flush_inputs.__file__)), "--examples", "4", "--json", "r.json",
                 "-q"]) == 1
    results = {r["name"]: r["status"]
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert results["Affine"] == "passed" and results["Affine_MeanBias"] == "failed"
