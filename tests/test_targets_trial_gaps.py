"""Gaps a new user's first run (no configuration) found in the CLI's recognition.

The target module ``tests/cli_targets/trial_gaps.py`` holds tutorial-style classes, each
correct one with a buggy twin: the CLI, run once on it in process, must pass the first and
fail the second.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from shrinking import shrinking_off

from gradcheck.cli import main

TARGET = Path(__file__).parent / "cli_targets" / "trial_gaps.py"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("trial_gaps") / "out.json"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            shrinking_off():
        code = main([str(TARGET), "--examples", "5", "-q", "--json", str(out)])
    assert code == 1  # the bug twins fail
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def results(document: dict[str, Any]) -> dict[str, Any]:
    return {r["name"]: r for r in document["results"]}


def _variants(result: dict[str, Any]) -> list[str]:
    return [c["variant"] for c in result["checks"]]


@pytest.mark.parametrize("name", ["ColumnLinear", "RowLinear"])
def test_a_layer_taking_one_sample_at_a_time_is_fed_one(results, name):
    correct, bug = results[name], results[f"{name}_Bug"]
    assert correct["status"] == "passed", correct["message"]
    assert _variants(correct) == ["one sample at a time"]
    assert bug["status"] == "failed"
    assert "already updated" in bug["message"]


def test_a_convolution_is_also_checked_at_stride_two(results):
    assert results["Conv"]["status"] == "passed", results["Conv"]["message"]
    assert not any("stride" in v for v in _variants(results["Conv"]))  # passed: a note only
    bug = results["Conv_Bug"]
    assert bug["status"] == "failed"
    failed = [c for c in bug["checks"] if c["status"] == "failed"]
    assert [c["variant"] for c in failed] == \
        ["in_ch=3, out_ch=5, stride=2 (stride 2: where bugs hide); inputs (n, 3, 5, 7)"]


def test_single_letter_sizes_are_drawn(results):
    assert results["Affine"]["status"] == "passed", results["Affine"]["message"]
    bug = results["Affine_Bug"]
    assert bug["status"] == "failed" and "grads['b']" in bug["message"]


def test_a_base_built_from_functions_its_subclasses_give_is_ignored(document, results):
    assert results["Softplus"]["status"] == "passed", results["Softplus"]["message"]
    assert results["Softplus_Bug"]["status"] == "failed"
    assert "Elementwise" not in results
    ignored = {i["name"]: i["reason"] for i in document["ignored"]}
    assert "functions (fn, dfn)" in ignored["Elementwise"]
    # a base whose required argument is a number is still listed as not checked
    assert [u["name"] for u in document["unchecked"]] == ["Shifted"]
