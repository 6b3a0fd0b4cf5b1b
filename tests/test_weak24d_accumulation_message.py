"""An accumulated gradient's increment is judged on several samples, not on the shrunk one.

``tests/zoo_weak24d/accumulating_bias.py``: two dense layers that add their gradients up
with no reset method (both failed); the twin's bias increment is the batch mean, equal
to the sum on one sample. The report calls the first's increments right and the twin's
bias increment wrong, naming the example of several samples where each was judged.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from weak24d_helpers import cli_document
from zoo_weak24d import accumulating_bias as zoo

from gradcheck import check_layer
from gradcheck.report import FAILED, GradientResult
from gradcheck.targets import runner
from gradcheck.targets.results import Case

pytestmark = pytest.mark.usefixtures("isolated_imports")

RIGHT = "the increment (what one backward adds) is right"
X = np.random.default_rng(8).normal(size=(5, 3))


def test_the_api_fails_both_and_judges_the_twins_bias_increment_wrong():
    for cls in (zoo.AccumulatingDense_Bug, zoo.AccumulatingDense_MeanBias_Bug):
        report = check_layer(cls(), X, raise_on_failure=False)
        assert report.status.value == "failed"
    rows = {g.name: g for g in check_layer(zoo.AccumulatingDense_MeanBias_Bug(), X,
                                           raise_on_failure=False).gradients}
    assert rows["dbiases (increment)"].status.value == "failed"
    assert rows["dweights (increment)"].status.value == "passed"


def test_the_command_judges_the_increment_on_several_samples(tmp_path, capsys, monkeypatch):
    document = cli_document(zoo.__file__, tmp_path, capsys, monkeypatch)  # (shrinking on)
    checks = {r["name"]: r["checks"][0] for r in document["results"]}
    assert {name: c["status"] for name, c in checks.items()} == {
        "AccumulatingDense_Bug": "failed", "AccumulatingDense_MeanBias_Bug": "failed"}
    twin = {g["name"]: g["diagnosis"] for g in checks["AccumulatingDense_MeanBias_Bug"][
        "gradients"]}
    assert "the increment (what one backward adds) is wrong too" in twin["dbiases"]
    assert "(on a larger failing example, inputs (" in twin["dbiases"]
    right = {g["name"]: g["diagnosis"] for g in checks["AccumulatingDense_Bug"][
        "gradients"]}
    assert RIGHT + " (on a larger failing example, inputs (" in right["dbiases"]


def test_without_an_example_of_several_samples_the_text_says_what_was_compared(
        monkeypatch):
    monkeypatch.setattr(runner, "_wider", lambda spec, verdict: [])
    spec = SimpleNamespace(batch_last=False)
    row = GradientResult("dbiases", FAILED, diagnosis=f"accumulates ...; {RIGHT}")
    shrunk = runner._Verdict(FAILED, "", SimpleNamespace(gradients=[row]),
                             Case(None, {"inputs": np.zeros((1, 3))}, {}, 0))
    assert runner._batched_increments(spec, shrunk, [shrunk])
    assert row.diagnosis.endswith(f"{RIGHT} on this example of one sample, where a sum and "
                                  "a mean over the batch agree")
    # the twin: an example of several samples is not touched
    again = GradientResult("dbiases", FAILED, diagnosis=f"accumulates ...; {RIGHT}")
    several = runner._Verdict(FAILED, "", SimpleNamespace(gradients=[again]),
                              Case(None, {"inputs": np.zeros((4, 3))}, {}, 0))
    assert not runner._batched_increments(spec, several, [several])
    assert again.diagnosis.endswith(RIGHT)
