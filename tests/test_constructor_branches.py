"""A constructor argument compared with strings gets a build per string.

``Dense(units, activation=None)`` was checked only as built by default (no activation),
so a wrong tanh derivative in its ``"tanh"`` branch passed, exit 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zoo_observed import branches

from gradcheck.cli import main
from gradcheck.targets.searching import branches as string_branches


def test_the_strings_come_from_every_method_and_skip_the_value_used():
    assert string_branches(branches.Dense, {"activation": None}) == [
        ({"activation": "relu"}, "a branch of its own"),
        ({"activation": "tanh"}, "a branch of its own")]
    assert string_branches(branches.Reduce, {"mode": "mean"}) == [
        ({"mode": "sum"}, "a branch of its own")]
    assert string_branches(branches.Reduce, {"mode": 3}) == []  # not a string: no branch


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_a_bug_in_a_branch_the_default_never_takes_fails_through_the_command(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(branches.__file__)), "--examples", "4", "--json", "r.json",
                 "-q"]) == 1
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert {n: r["status"] for n, r in results.items()} == {
        "Dense": "passed", "Dense_TanhBranch": "failed", "Reduce": "passed",
        "Reduce_SumDivided": "failed"}
    failing = [c["variant"] for r in results.values() for c in r["checks"]
               if c["status"] == "failed"]
    assert failing == ["activation='tanh' (a branch of its own: where bugs hide)",
                       "mode='sum' (a branch of its own: where bugs hide)"]
