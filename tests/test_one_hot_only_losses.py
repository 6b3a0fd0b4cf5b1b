"""A loss that takes one-hot labels and no sparse ones is checked on one-hot rows.

Before, every such loss was fed binary rows (a row of zeros, two ones) and failed
when correct: the log of the picked probability is -inf on a row of zeros, an argmax of
``y_true`` picks one label of two, a fused ``(softmax - y) / N`` holds only where each row
sums to 1. A sigmoid + binary cross-entropy (not unchanged by a constant added to a row's
logits, as a softmax one is) is still checked on binary targets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shrinking import shrinking_off
from zoo_observed import one_hot_only

from gradcheck.cli import main

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    import contextlib
    import io
    import os

    where, here = tmp_path_factory.mktemp("one_hot_only"), os.getcwd()
    os.chdir(where)
    try:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), shrinking_off():
            code = main([str(Path(one_hot_only.__file__)), "--examples", "5", "--json",
                         "r.json", "-q"])
    finally:
        os.chdir(here)
    assert code == 1
    document = json.loads((where / "r.json").read_text())
    return {r["name"]: r for r in document["results"]}


@pytest.mark.parametrize(("name", "labels"), [
    ("CCE_Picked", "one_hot"), ("CCE_Argmax", "one_hot"), ("SoftmaxCE_OneHot", "one_hot"),
    ("SigmoidBCE", "binary")])
def test_each_correct_loss_passes_on_the_labels_it_takes(results, name, labels):
    result = results[name]
    assert result["status"] == "passed", result["message"]
    assert [c["labels"] for c in result["checks"]] == [labels]


@pytest.mark.parametrize("name", ["CCE_Picked_NoMean", "CCE_Argmax_Sign",
                                  "SoftmaxCE_OneHot_Twice", "SigmoidBCE_ChainTwice"])
def test_each_twin_fails(results, name):
    assert results[name]["status"] == "failed"


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_a_loss_of_soft_targets_only_is_checked_on_soft_targets(tmp_path, monkeypatch):
    from zoo_observed import soft_targets

    monkeypatch.chdir(tmp_path)
    code = main([str(Path(soft_targets.__file__)), "--examples", "5", "--json", "r.json",
                 "-q"])
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert code == 1
    assert results["KLDivergence"]["status"] == "passed"
    assert [c["labels"] for c in results["KLDivergence"]["checks"]] == ["continuous"]
    assert results["KLDivergence_Summed"]["status"] == "failed"


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_loss_functions_returning_a_gradient_named_d_are_found(tmp_path, monkeypatch):
    from zoo_observed import loss_short_names

    monkeypatch.chdir(tmp_path)
    code = main([str(Path(loss_short_names.__file__)), "--examples", "5", "--json",
                 "r.json", "-q"])
    results = {r["name"]: r["status"]
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert code == 1
    assert results == {"cross_entropy": "passed", "cross_entropy_unscaled": "failed"}
