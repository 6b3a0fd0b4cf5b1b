"""Regression loss functions (``squared_error(pred, target)``): continuous targets by observation.

``tests/zoo_weak24d/regression_functions.py``: the target's names could be labels' (``y``,
``target``, ``y_true``); what the function does with it decides. Each correct function
passes and its twin fails, through ``check_function`` and through ``gradcheck FILE``.
"""

from __future__ import annotations

import numpy as np
import pytest
from weak24d_helpers import cli_document, expected, own, verdicts
from zoo_weak24d import regression_functions as zoo
from zoo_weak24d import soft_target_functions as soft

from gradcheck import check_function
from gradcheck.targets.regression import observed_roles

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

RNG = np.random.default_rng(3)
PRED, TARGET = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
LABELS = np.array([0, 2, 1, 1])


@pytest.mark.parametrize("name", sorted(expected(zoo)))
def test_the_api_judges_each_function(name):
    function = own(zoo)[name]
    if name.startswith("cross_entropy"):
        args = (PRED, LABELS)
    elif name.startswith("keras"):  # by hand: the prediction's gradient is the second's
        def function(pred, target, _f=function):
            return _f(target, pred)
        args = (PRED, TARGET)
    else:
        args = (PRED, TARGET)
    report = check_function(function, None, *args, raise_on_failure=False)
    assert report.status.value == expected(zoo)[name]


def test_the_command_checks_each_on_targets_it_observes(tmp_path, capsys, monkeypatch):
    document = cli_document(zoo.__file__, tmp_path, capsys, monkeypatch)
    assert verdicts(document) == expected(zoo)
    how = {r["name"]: r["checks"][0]["variant"] for r in document["results"]}
    assert how["squared_error"] == ("argument names: pred (N, C) predictions, target (N, C) "
                                    "continuous targets")
    assert how["keras_mse"].startswith("argument names: y_true (N, C) continuous targets")
    assert how["cross_entropy"] == "argument names: logits (N, C) data, y labels < C"
    # Keras' order: the gradient is the prediction's, and its bug is a sign flip
    failed = next(r for r in document["results"] if r["name"] == "keras_mse_bug")
    assert "dy_pred" in failed["checks"][0]["message"]
    assert "sign flipped" in failed["checks"][0]["message"]


def test_observation_reads_the_target_by_what_the_function_does():
    assert observed_roles(zoo.squared_error, {}) == {"pred": "data", "target": "targets"}
    assert observed_roles(zoo.keras_mse, {}) == {"y_true": "targets", "y_pred": "data"}
    assert observed_roles(zoo.l2_cost, {"x": "data", "y": "labels"}) == {
        "x": "data", "y": "targets"}
    # labels indexed with: not continuous targets
    assert observed_roles(zoo.cross_entropy, {"logits": "data", "y": "labels"}) is None

    def raises(pred, target):
        raise ValueError("no")

    assert observed_roles(raises, {}) is None  # rejecting both: still skipped, as before


def test_losses_finite_only_on_probabilities_are_checked_there(tmp_path, capsys,
                                                               monkeypatch):
    document = cli_document(soft.__file__, tmp_path, capsys, monkeypatch)
    assert verdicts(document) == expected(soft)
    for row in document["results"]:
        assert row["checks"][0]["variant"] == (
            "argument names: y_pred (N, C) predictions in (0, 1), y_true (N, C) continuous "
            "targets in (0, 1)")
    assert observed_roles(soft.bce_loss, {}) == {"y_pred": "unit", "y_true": "unit targets"}
    # the twin: a squared error, finite on real predictions, is drawn on real values
    assert observed_roles(zoo.mse_loss, {}) == {"y_pred": "data", "y_true": "targets"}
    probs = np.random.default_rng(1).uniform(0.1, 0.9, size=(4, 3))
    for name, function in own(soft).items():
        report = check_function(function, None, probs, probs[::-1].copy(),
                                raise_on_failure=False)
        assert report.status.value == expected(soft)[name]
