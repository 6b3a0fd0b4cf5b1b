"""A weight vector and binary targets: ``cost_function(theta, X, y) -> (J, grad)``.

Before: drawn with ``theta`` a matrix and ``y`` class labels, every correct one was an
``error`` ("shapes (1,2) and (1,1) not aligned"); the layout is now observed (rows,
features x samples, or one weight vector), so the regularized intercept bug is found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zoo_observed import logistic

from gradcheck.cli import main


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_through_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(logistic.__file__)), "--examples", "5", "--json", "r.json",
                 "-q"]) == 1
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert {n: r["status"] for n, r in results.items()} == {
        "cost_function": "passed", "cost_function_unaveraged": "failed",
        "cost_function_reg": "passed", "cost_function_reg_intercept": "failed"}
    assert results["cost_function"]["checks"][0]["variant"] == (
        "argument names: theta (D,) weights, X (N, D) data, y (N,) binary targets")
