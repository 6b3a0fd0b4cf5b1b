"""Losses whose forward and backward take the labels first, ``(y_true, y_pred)``, are
given them in that order, by the names of their arguments, and say so in a note."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zoo_observed import labels_first

from gradcheck import check_loss
from gradcheck.cli import main
from gradcheck.protocol.roles import roles_of, takes_labels_first

RNG = np.random.default_rng(0)
PROBS = RNG.uniform(0.1, 0.9, size=(5, 3))
TARGETS = (RNG.uniform(size=(5, 3)) < 0.5).astype(float)


@pytest.mark.parametrize("cls", [labels_first.MeanSquaredError,
                                 labels_first.BinaryCrossEntropy, labels_first.QuadraticCost])
def test_a_loss_taking_the_labels_first_passes_through_the_api(cls):
    report = check_loss(cls(), PROBS, TARGETS)  # check_loss's own order: y_pred, y_true
    assert report.ok
    assert any("take the labels first (y_true, y_pred)" in n for n in report.notes)


@pytest.mark.parametrize("cls", [labels_first.MeanSquaredError_Sign,
                                 labels_first.BinaryCrossEntropy_Rows,
                                 labels_first.QuadraticCost_Unscaled])
def test_its_twin_fails(cls):
    assert not check_loss(cls(), PROBS, TARGETS, raise_on_failure=False).ok


def test_the_order_is_read_from_names_only_when_both_say_it():
    def book(self, y_pred, y_true): ...
    def keras(self, y_true, y_pred): ...
    def chainer(self, y, t): ...  # y: the predictions, t: the targets (not swapped)
    def layer(self, x, y): ...

    assert takes_labels_first(keras) and not takes_labels_first(book)
    assert not takes_labels_first(chainer) and not takes_labels_first(layer)
    assert roles_of(labels_first.QuadraticCost).labels_first


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_through_the_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main([str(Path(labels_first.__file__)), "--examples", "5", "--json", "r.json",
                 "-q"])
    results = {r["name"]: r["status"]
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert code == 1
    assert results == {
        "MeanSquaredError": "passed", "MeanSquaredError_Sign": "failed",
        "BinaryCrossEntropy": "passed", "BinaryCrossEntropy_Rows": "failed",
        "QuadraticCost": "passed", "QuadraticCost_Unscaled": "failed"}
