"""check_model on a deep ReLU network whose late pre-activations sit below any fixed step.

The 8-layer network of ``zoo_models.deep_relu`` (layer 7's pre-activations near 2e-7):
a fixed step of 1e-5 crosses their kinks and one of 1e-8 drowns the first layer in
rounding. The correct network passes with every parameter decided; each injected wiring
bug is failed, naming the parameter and the bug.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from zoo_models.deep_relu import DeepReLUNet, data

from gradcheck import GradientError, check_model

X, y = data()


def pre_activations(model):
    a, out = X, []
    for i in range(1, model.layers + 1):
        z = a @ model.params[f"W{i}"] + model.params[f"b{i}"]
        out.append(z)
        a = np.maximum(z, 0)
    return out


def test_late_pre_activations_sit_below_the_usual_step():
    z = pre_activations(DeepReLUNet())
    assert np.median(np.abs(z[5])) < 1e-5 and np.median(np.abs(z[6])) < 1e-6


def test_correct_deep_network_passes_with_every_parameter_decided():
    report = check_model(DeepReLUNet(), X, y, mode="exhaustive")
    assert report.ok
    assert [g.name for g in report.gradients] == [f"{p}{i}" for i in range(1, 9) for p in "Wb"]
    assert all(g.status == "passed" and g.inconclusive == 0 for g in report.gradients)
    # the late biases needed steps of their own, far below the default
    steps = next(n for n in report.notes if n.startswith("steps of their own"))
    assert "b7" in steps


def failed(report):
    return {g.name: g for g in report.gradients if g.status == "failed"}


@pytest.fixture(scope="module")
def reg_missing():
    """The error raised checking the network with one layer's L2 gradient missing (run
    once: two tests read it)."""
    with pytest.raises(GradientError) as caught:
        check_model(DeepReLUNet(bug="reg_missing"), X, y, mode="fast")
    return caught.value


def test_missing_regularization_in_one_layer_is_named(reg_missing):
    assert re.search(r"W3.*L2 regularization term .* missing", str(reg_missing))
    assert set(failed(reg_missing.report)) == {"W3"}


def test_swapped_gradients_are_named_as_a_pair():
    report = check_model(DeepReLUNet(bug="swapped"), X, y, mode="fast", raise_on_failure=False)
    bad = failed(report)
    assert set(bad) == {"b5", "b6"}
    assert "swapped" in bad["b5"].diagnosis and "b6" in bad["b5"].diagnosis


def test_a_factor_of_the_batch_size_is_named():
    report = check_model(DeepReLUNet(bug="batch_factor"), X, y, mode="fast",
                         raise_on_failure=False)
    bad = failed(report)
    assert set(bad) == {"W4"}
    assert "8 times too large, the batch size" in bad["W4"].diagnosis


def test_a_skipped_mask_is_located_where_it_enters_backward():
    report = check_model(DeepReLUNet(bug="skip_mask"), X, y, mode="fast",
                         raise_on_failure=False)
    assert set(failed(report)) == {f"{p}{i}" for i in range(1, 7) for p in "Wb"}
    assert any("up to W6" in n and "from W7 on are right" in n for n in report.notes)


def test_fast_mode_projects_each_parameter_and_locates_only_the_wrong_one(reg_missing):
    report = reg_missing.report
    methods = {g.name: g.method for g in report.gradients}
    assert methods["W3"] in ("elementwise", "sampled")  # located element by element
    assert all(m == "projection" for name, m in methods.items() if name != "W3")


def test_each_parameter_gets_a_step_on_one_linear_piece():
    from gradcheck.engine.model_steps import choose_step
    from gradcheck.engine.state import RandomPin
    from gradcheck.protocol.model import CS231nSubject

    model = DeepReLUNet()
    subject = CS231nSubject(model, X, y, RandomPin(model))
    subject.setup()
    rng = np.random.default_rng(0)
    eps = float(np.finfo(float).eps)
    steps = {k: choose_step(subject, k, 6e-6, eps, 1.1, rng).step for k in ("W1", "b1", "b7")}
    assert steps["W1"] == steps["b1"] == 6e-6  # the first layers: the default step
    # layer 7's pre-activations near 2e-7: a step well below them
    assert steps["b7"] < 1e-8
    # and the ladder never moved the parameters
    assert np.all(model.params["b7"] == 0)


def test_kinks_inside_the_network_are_no_failure_and_a_bug_beside_them_is():
    # one sample of zeros and zero biases: that sample's pre-activations are exactly 0 in
    # every layer, so every bias sits on a kink of every ReLU for it
    Xz = X.copy()
    Xz[2] = 0
    report = check_model(DeepReLUNet(layers=4, weight_scale=0.3), Xz, y)
    assert report.ok and all(g.inconclusive == 0 for g in report.gradients)
    assert {g.name for g in report.gradients if g.kinks} == {"b1", "b2", "b3"}
    broken = check_model(DeepReLUNet(layers=4, weight_scale=0.3, bug="batch_factor"), Xz, y,
                         raise_on_failure=False)
    assert failed(broken).keys() == {"W4"}
