"""A loss function of probabilities and class labels is checked on predictions in (0, 1).

Before: ``cross_entropy(probs, labels)`` was skipped ("no value is known for its argument
'probs'"); a loss of real-valued scores with labels keeps real scores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zoo_observed import probability_losses

from gradcheck.cli import main


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_through_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(probability_losses.__file__)), "--examples", "5", "--json",
                 "r.json", "-q"]) == 1
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert {n: r["status"] for n, r in results.items()} == {
        "cross_entropy": "passed", "cross_entropy_unaveraged": "failed", "nll": "passed",
        "nll_signed": "failed"}
    assert "probs (N, C) predictions in (0, 1), labels labels < C" in results[
        "cross_entropy"]["checks"][0]["variant"]
