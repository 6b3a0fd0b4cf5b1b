"""Regression loss classes whose forward returns the mean: a loss on continuous targets.

``tests/zoo_weak24d/regression_classes.py`` (a squared error and a Huber loss, each with a
buggy twin), and the existing ``cli_targets/losses.py`` MSE: the command reads them as
losses on continuous targets of the predictions' shape, not as fused losses of binary
targets, as ``check_loss`` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from weak24d_helpers import cli_document, expected, own, verdicts
from zoo_weak24d import regression_classes as zoo

from gradcheck import check_loss

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

RNG = np.random.default_rng(7)
PRED, TARGET = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))


@pytest.mark.parametrize("name", sorted(expected(zoo)))
def test_the_api_judges_each_loss(name):
    report = check_loss(own(zoo)[name](), PRED, TARGET, raise_on_failure=False)
    assert report.status.value == expected(zoo)[name]
    assert report.kind.value == "loss"


def test_the_command_reads_them_as_losses_on_continuous_targets(tmp_path, capsys,
                                                                monkeypatch):
    document = cli_document(zoo.__file__, tmp_path, capsys, monkeypatch)
    assert verdicts(document) == expected(zoo)
    for row in document["results"]:
        assert row["kind"] == "loss"
        assert [c["labels"] for c in row["checks"]] == ["continuous"]
        assert row["checks"][0]["variant"] == "continuous targets; y_pred real values"


def test_other_files_read_alike_and_a_fused_loss_stays_fused(tmp_path, capsys,
                                                              monkeypatch):
    zoos = Path(__file__).parent
    # Keras' order (forward(y_true, y_pred)) and a quadratic cost returning the mean
    document = cli_document(str(zoos / "zoo_observed" / "labels_first.py"), tmp_path, capsys,
                            monkeypatch)
    rows = {r["name"]: r for r in document["results"]}
    for name in ("MeanSquaredError", "MeanSquaredError_Sign", "QuadraticCost"):
        assert rows[name]["kind"] == "loss"
        assert [c["labels"] for c in rows[name]["checks"]] == ["continuous"]
    assert rows["MeanSquaredError"]["status"] == "passed"
    assert rows["MeanSquaredError_Sign"]["status"] == "failed"
    # the twin: a scalar sigmoid cross-entropy of logits does not vanish where the
    # logits equal the targets: still fused, on binary targets
    document = cli_document(str(zoos / "zoo_observed_b" / "losses.py"), tmp_path, capsys,
                            monkeypatch)
    rows = {r["name"]: r for r in document["results"]}
    assert rows["SigmoidBCE_OneColumn"]["kind"] == "fused"
    assert rows["SigmoidBCE_OneColumn"]["checks"][0]["labels"] == "binary"
