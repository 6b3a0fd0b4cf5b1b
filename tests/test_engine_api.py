"""The public API contract: reports, errors, argument validation, state left untouched."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gradcheck import GradientError, Report, check_layer, check_loss
from nnfs_core import (
    Activation_ReLU,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Loss_CategoricalCrossentropy,
)


def dense(n_in=4, n_out=3, seed=0):
    layer = Layer_Dense(n_in, n_out, rng=np.random.default_rng(seed))
    layer.biases = np.random.default_rng(seed + 1).standard_normal((1, n_out))
    return layer


class DenseNoBiasGradient(Layer_Dense):
    """The document's cell 25: ``self.bias = ...`` instead of ``self.dbiases``."""

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.bias = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class DenseSignFlip(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights = -self.dweights


class ExplodingBackward(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.ones_like(self.weights)
        self.weights *= 7.0  # vandalise a parameter before failing
        raise KeyError("boom")


X = np.random.default_rng(3).standard_normal((5, 4))


def test_report_of_a_correct_layer_is_ok_and_readable():
    report = check_layer(dense(), X)
    assert isinstance(report, Report) and report.ok and report.status == "passed"
    assert [g.name for g in report.gradients] == ["dinputs", "dweights", "dbiases"]
    text = str(report)
    for word in ("Layer_Dense", "PASSED", "dinputs", "dweights", "dbiases", "tolerance"):
        assert word in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["status"] == "passed" and data["kind"] == "layer"
    assert data["mode"] == "exhaustive" and len(data["gradients"]) == 3


def test_gradient_error_is_an_assertion_error_that_names_class_gradient_and_values():
    with pytest.raises(GradientError) as info:
        check_layer(DenseSignFlip(4, 3, rng=np.random.default_rng(0)), X)
    assert isinstance(info.value, AssertionError)
    message = str(info.value)
    assert "DenseSignFlip" in message and "dweights" in message
    assert "analytic" in message and "numeric" in message and "tolerance" in message
    assert "sign flipped" in message
    worst = info.value.report.worst
    assert worst.name == "dweights" and worst.index is not None and len(worst.index) == 2


def test_raise_on_failure_false_returns_the_failing_report():
    report = check_layer(DenseSignFlip(4, 3), X, raise_on_failure=False)
    assert not report.ok and report.status == "failed"
    assert report.summary().startswith("DenseSignFlip (layer): failed")


def test_missing_gradient_attribute_fails_and_names_the_typo():
    report = check_layer(DenseNoBiasGradient(4, 3), X, raise_on_failure=False)
    missing = [g for g in report.gradients if g.status == "missing"]
    assert [g.name for g in missing] == ["dbiases"]
    assert "`bias`" in missing[0].diagnosis
    # the twin: the core's layer sets dbiases and passes
    assert check_layer(Layer_Dense(4, 3), X).ok


def test_an_exception_in_backward_is_the_class_error_not_a_crash_and_state_is_restored():
    layer = ExplodingBackward(4, 3, rng=np.random.default_rng(0))
    weights = layer.weights
    saved = weights.copy()
    report = check_layer(layer, X, raise_on_failure=False)
    assert report.status == "error"
    assert "ExplodingBackward.backward raised KeyError" in report.problems[0]
    assert layer.weights is weights and np.array_equal(layer.weights, saved)
    assert not hasattr(layer, "dweights") and not hasattr(layer, "output")
    with pytest.raises(GradientError, match="KeyError"):
        check_layer(layer, X)


def test_the_check_leaves_layer_arrays_and_random_state_exactly_as_before():
    layer = dense()
    layer.forward(X)  # the user's own state: must survive
    before = {k: (v, v.copy()) for k, v in vars(layer).items()}
    inputs = X.copy()
    np.random.seed(123)
    rng_state = np.random.get_state()[1].copy()
    dot = np.dot
    check_layer(layer, inputs)
    assert set(vars(layer)) == set(before)
    for key, (obj, contents) in before.items():
        assert vars(layer)[key] is obj and np.array_equal(obj, contents)
    assert np.array_equal(inputs, X)
    assert np.array_equal(np.random.get_state()[1], rng_state)
    assert np.dot is dot


def test_loss_and_fused_reports_name_their_kind():
    probs = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
    labels = np.array([0, 1, 1])
    assert check_loss(Loss_CategoricalCrossentropy(), probs, labels).kind == "loss"
    fused = check_loss(Activation_Softmax_Loss_CategoricalCrossentropy(), probs, labels)
    assert fused.kind == "fused" and fused.ok


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((Layer_Dense, X), TypeError, "instance"),
        ((object(), X), TypeError, "no forward or backward"),
        ((Activation_ReLU(), 3.0), ValueError, "batch axis"),
        ((Activation_ReLU(), np.ones((0, 3))), ValueError, "empty"),
        ((Activation_ReLU(), [[1.0, np.nan]]), ValueError, "NaN"),
        ((Activation_ReLU(), [["a", "b"]]), ValueError, "real numbers"),
    ],
)
def test_bad_layer_arguments_get_a_clear_error(args, error, match):
    with pytest.raises(error, match=match):
        check_layer(*args)


@pytest.mark.parametrize(
    ("y_true", "match"),
    [
        (np.array([0, 3]), "outside"),
        (np.array([0, -1]), "outside"),
        (np.array([0, 1, 2]), "3 labels for 2 samples"),
        (np.array([0.5, 1.0]), "integer class indices"),
        (np.ones((2, 4)), "shape"),
        (np.ones((2, 3, 1)), "shape"),
    ],
)
def test_bad_labels_get_a_clear_error(y_true, match):
    probs = np.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match=match):
        check_loss(Loss_CategoricalCrossentropy(), probs, y_true)


def test_bad_options_get_a_clear_error():
    with pytest.raises(ValueError, match="mode"):
        check_layer(dense(), X, mode="quick")
    with pytest.raises(ValueError, match="step"):
        check_layer(dense(), X, step=2.0)
    with pytest.raises(ValueError, match="dvalues has shape"):
        check_layer(dense(), X, dvalues=np.ones((5, 4)))
    with pytest.raises(ValueError, match="only names 'nothing'"):
        check_layer(dense(), X, only=["nothing"])


def test_only_selects_the_parameters_and_params_is_its_deprecated_alias():
    report = check_layer(dense(), X, only=["weights"])
    assert [g.name for g in report.gradients] == ["dinputs", "dweights"]
    with pytest.warns(DeprecationWarning, match="params= is deprecated: call it only="):
        old = check_layer(dense(), X, params=["weights"])
    assert [g.name for g in old.gradients] == [g.name for g in report.gradients]
    with pytest.raises(TypeError, match="give only only"):
        check_layer(dense(), X, only=["weights"], params=["biases"])
    assert len(check_layer(dense(), X).gradients) == 3  # without either: every parameter


def test_only_still_finds_a_wrong_gradient_it_selects():
    class WrongWeights(type(dense())):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dweights = self.dweights * 1.5

    assert not check_layer(WrongWeights(4, 3), X, only=["weights"], raise_on_failure=False).ok
    assert check_layer(WrongWeights(4, 3), X, only=["biases"], raise_on_failure=False).ok


def test_integer_inputs_are_checked_in_float64():
    report = check_layer(dense(), np.array([[1, 2, 3, 2], [2, 5, -1, 2]]))
    assert report.ok and report.dtype == "float64"


def test_user_dvalues_and_seed_make_the_check_reproducible():
    a = check_layer(dense(), X, seed=7)
    b = check_layer(dense(), X, seed=7)
    assert [g.error for g in a.gradients] == [g.error for g in b.gradients]
    dv = np.ones((5, 3))
    assert check_layer(dense(), X, dvalues=dv).ok


class StringOutput:
    def forward(self, inputs):
        self.output = np.full(np.shape(inputs), "a")

    def backward(self, dvalues):
        self.dinputs = dvalues


def test_an_object_the_checker_cannot_evaluate_is_an_error_verdict_not_a_crash():
    report = check_layer(StringOutput(), X, raise_on_failure=False)
    assert report.status == "error"
    assert "could not evaluate StringOutput" in report.problems[0]
    assert check_layer(Activation_ReLU(), X).ok  # the twin: numbers out, a verdict
