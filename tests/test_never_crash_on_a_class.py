"""Unusual objects are judged like any other, and one class never ends the whole run.

Before: an ``output`` property raising until forward ran ended ``gradcheck FILE`` in a
traceback (``RuntimeError: not computed yet``) and nothing was reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zoo_observed import odd_objects

import gradcheck.cli
from gradcheck.cli import main

FILE = str(Path(odd_objects.__file__))


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_each_passes_and_its_twin_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([FILE, "--examples", "4", "--json", "r.json", "-q"]) == 1
    results = {r["name"]: r["status"]
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert results == {name: "failed" if name.endswith("_Bug") else "passed"
                       for name in ("Dynamic", "Dynamic_Bug", "Slots", "Slots_Bug",
                                    "LazyOutput", "LazyOutput_Bug", "NoCompare",
                                    "NoCompare_Bug")}


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_an_exception_while_probing_one_class_is_its_error_row(tmp_path, monkeypatch,
                                                               capsys):
    real = gradcheck.cli.plan_checks

    def plan_checks(found, config):
        if found.name == "Slots":
            raise KeyError("unexpected")
        return real(found, config)

    monkeypatch.setattr(gradcheck.cli, "plan_checks", plan_checks)
    monkeypatch.chdir(tmp_path)
    assert main([FILE, "--examples", "3", "--json", "r.json", "-q"]) == 1
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert results["Slots"]["status"] == "error"
    assert "KeyError" in results["Slots"]["message"]
    assert results["Dynamic"]["status"] == "passed"  # the others still checked
