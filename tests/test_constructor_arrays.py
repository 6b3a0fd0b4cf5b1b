"""A constructor that takes the parameter arrays themselves: ``Linear(W, b)``.

Before: "constructor argument(s) W, b have no default and cannot be guessed". Arrays are
now tried for arguments named as weights or biases (a matrix for an input of width 4,
else an elementwise vector), shown by their shapes, a fresh copy for every build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zoo_observed import given_arrays

from gradcheck.cli import main


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_each_passes_and_its_twin_fails_through_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(given_arrays.__file__)), "--examples", "4", "--json", "r.json",
                 "-q"]) == 1
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert {n: r["status"] for n, r in results.items()} == {
        "Linear": "passed", "Linear_MeanBias": "failed", "Scale": "passed",
        "Scale_MeanWeights": "failed"}
    assert results["Linear"]["checks"][0]["variant"] == "W=array(4, 3), b=array(3,)"
    assert results["Scale"]["checks"][0]["variant"] == "weights=array(4,)"
