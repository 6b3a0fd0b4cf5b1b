"""Layers taking one sample with no batch axis, updating themselves in backward.

Zoo ``tests/zoo_observed/single_sample.py`` (our own code). Before: "belong to different
protocols" (``backprop(d_L_d_out, learn_rate)``), then errors, and a false failure of
every layer that keeps a copy of its input and updates inside backward (the update was
read with the warm-up's input, put back by the engine).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from zoo_observed import single_sample as zoo

from gradcheck import check_layer
from gradcheck.protocol.roles import is_rate_name
from gradcheck.targets.sparse_upstream import ONE_NONZERO
from gradcheck.targets.unbatched import with_batch_axis


@pytest.mark.usefixtures("no_shrinking")
def test_each_passes_and_its_twin_fails_through_the_command(cli_results):
    code, results = cli_results(Path(zoo.__file__), "--examples", "3")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "SingleConv": "passed", "SingleConv_PatchTransposed": "failed",
        "SinglePool": "passed", "SinglePool_RowColumnSwapped": "failed",
        "SingleSoftmax": "passed", "SingleSoftmax_FirstNonzeroOnly": "failed",
        "Dense_KeepsCopy": "passed", "Dense_KeepsCopy_UpdatedFirst": "failed"}
    assert "one sample, no batch axis" in results["SinglePool"]["checks"][0]["variant"]
    assert results["SingleSoftmax_FirstNonzeroOnly"]["message"].startswith(ONE_NONZERO)
    assert ONE_NONZERO not in results["SingleConv_PatchTransposed"]["message"]


def test_a_first_layer_returning_none_on_purpose_is_checked_for_its_parameters():
    image = np.random.default_rng(0).uniform(-1, 1, (1, 5, 7))
    report = check_layer(with_batch_axis(zoo.SingleConv(2)), image)
    assert report.ok and any("returns None on purpose" in n for n in report.notes)
    assert [g.name for g in report.gradients] == ["update of filters at learning_rate 0.001"]
    bad = check_layer(with_batch_axis(zoo.SingleConv_PatchTransposed(2)), image,
                      raise_on_failure=False)
    assert not bad.ok


def test_a_copy_of_the_input_kept_for_an_update_inside_backward():
    x = np.random.default_rng(1).uniform(-1, 1, (4, 3))
    assert check_layer(zoo.Dense_KeepsCopy(3, 2), x).ok
    bad = check_layer(zoo.Dense_KeepsCopy_UpdatedFirst(3, 2), x, raise_on_failure=False)
    assert not bad.ok and any("already updated" in p for p in bad.problems)


def test_rate_names_by_their_words():
    for name in ("learning_rate", "lr", "learn_rate", "learningRate", "LR", "base_lr",
                 "step_size"):
        assert is_rate_name(name), name
    for name in ("dvalues", "grad", "y_true", "inputs", "rated_output"):
        assert not is_rate_name(name), name
