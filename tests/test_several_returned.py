"""Forwards returning several arrays; a size argument named as no list names it.

Zoo ``tests/zoo_observed/several_returned.py`` (our own classes, each with a buggy twin).
Before: ``PairedAttention(d_model)`` was skipped ("d_model ... cannot be guessed"), then
an ``error`` ("forward did not set self.output"), then "no dweights" for the attention
weights it keeps as ``self.weights``; ``Halves``, whose forward returns a list of two
outputs and whose backward takes them back as one list, was an ``error``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from zoo_observed import several_returned as zoo

from gradcheck import check_layer


@pytest.mark.usefixtures("no_shrinking")
def test_each_passes_and_its_twin_fails_through_the_command(cli_results):
    code, results = cli_results(Path(zoo.__file__), "--examples", "4")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "PairedAttention": "passed", "PairedAttention_NoKeyPath": "failed",
        "Halves": "passed", "Halves_SecondIgnored": "failed",
        "RecastGain": "passed", "RecastGain_NoGradient": "failed"}
    missing = results["RecastGain_NoGradient"]["message"]
    assert "backward did not set self.dweights" in missing and "instead" not in missing


def test_the_first_of_a_returned_pair_is_the_output_and_the_report_says_so():
    x = np.random.default_rng(0).uniform(-1, 1, (2, 4, 3))
    report = check_layer(zoo.PairedAttention(3), x)
    assert report.ok
    assert any("forward returns 2 arrays and backward takes one upstream gradient" in n
               for n in report.notes)
    assert "weights" not in [g.name for g in report.gradients]
    bad = check_layer(zoo.PairedAttention_NoKeyPath(3), x, raise_on_failure=False)
    assert not bad.ok and {g.name: g.status for g in bad.gradients}["dinputs"] == "failed"


def test_a_list_of_outputs_gets_a_list_of_gradients():
    x = np.random.default_rng(1).uniform(-1, 1, (3, 5))
    report = check_layer(zoo.Halves(5), x)
    assert report.ok
    assert any("backward given a list of upstream gradients" in n for n in report.notes)
    assert not check_layer(zoo.Halves_SecondIgnored(5), x, raise_on_failure=False).ok


def test_a_parameter_recast_in_forward_is_still_a_parameter():
    x = np.random.default_rng(2).uniform(-1, 1, (3, 4))
    assert check_layer(zoo.RecastGain(4), x).ok
    bad = check_layer(zoo.RecastGain_NoGradient(4), x, raise_on_failure=False)
    assert not bad.ok
    assert {g.name: g.status for g in bad.gradients}["dweights"] == "missing"


class NeedsAnObject:
    """A required argument that is no size: built with ints it raises."""

    def __init__(self, activation):
        self.activation = activation.lower()
        self.w = np.ones(3)

    def forward(self, x):
        return x * self.w

    def backward(self, d):
        return d * self.w


class SizedByAnOddName:
    def __init__(self, emb):
        self.g = np.linspace(1.0, 2.0, emb)

    def forward(self, x):
        self.x = x
        return x * self.g

    def backward(self, d):
        self.dg = (d * self.x).sum(axis=0)
        return d * self.g


def test_only_arguments_that_size_the_arrays_are_drawn():
    from gradcheck.targets.building import constructors

    builds, reason = constructors(SizedByAnOddName, None)
    assert reason is None and builds[0].sizes == ["emb"]
    builds, reason = constructors(NeedsAnObject, None)
    assert builds == [] and "activation have no default and cannot be guessed" in reason
