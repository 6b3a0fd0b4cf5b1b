"""What finite differences alone miss, and the diagnoses a person can act on.

Each bug here is a single realistic mistake; each test also shows the correct layer
passing the same check, so none can pass vacuously.
"""

from __future__ import annotations

import numpy as np
import pytest
import zoo

from gradcheck import check_layer, check_loss
from gradcheck.engine import budget
from nnfs_core import (
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Loss_CategoricalCrossentropy,
)

X = np.random.default_rng(21).standard_normal((5, 4))
PROBS = np.random.default_rng(2).dirichlet(np.ones(3), size=5)
LABELS = np.array([0, 2, 1, 1, 0])


def square_dense(seed=0):
    layer = Layer_Dense(4, 4, rng=np.random.default_rng(seed))
    layer.weights *= 100
    return layer


def failing(report, gradient):
    assert report.status == "failed", str(report)
    found = {g.name: g for g in report.gradients}
    assert found[gradient].status in ("failed", "missing"), str(report)
    return found[gradient]


class BackwardMutatesDvalues(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        dvalues *= 0  # "free" the memory


class FusedDocument(Activation_Softmax_Loss_CategoricalCrossentropy):
    """Cell 16 of the document: ``self.dinputs = dvalues`` then ``-=`` in place."""

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


def test_backward_mutating_dvalues_is_a_failure_even_with_correct_values():
    report = check_layer(BackwardMutatesDvalues(4, 3), X, raise_on_failure=False)
    assert report.status == "failed"
    assert any("dvalues" in p and "in place" in p for p in report.problems)
    assert all(g.status == "passed" for g in report.gradients)
    assert check_layer(Layer_Dense(4, 3), X).ok


def test_the_documents_fused_backward_is_caught_mutating_its_argument():
    report = check_loss(FusedDocument(), PROBS, LABELS, raise_on_failure=False)
    assert report.kind == "fused" and report.status == "failed"
    assert any("in place" in p for p in report.problems)
    assert check_loss(Activation_Softmax_Loss_CategoricalCrossentropy(), PROBS, LABELS).ok


class ForwardMutatesInputs:
    def forward(self, inputs):
        np.maximum(inputs, 0, out=inputs)  # ReLU "in place"
        self.inputs = inputs
        self.output = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues * (self.inputs > 0)


def test_forward_mutating_its_inputs_is_a_failure():
    report = check_layer(ForwardMutatesInputs(), X, raise_on_failure=False)
    assert any("forward modified its inputs" in p for p in report.problems)


class DweightsTransposed(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights = np.dot(dvalues.T, self.inputs)


class DbiasesNoKeepdims(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = np.sum(dvalues, axis=0)


class DinputsInteger:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = np.zeros_like(self.inputs, dtype=int)
        self.dinputs[self.inputs > 0] = dvalues[self.inputs > 0]


class DinputsNaN(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dinputs = self.dinputs / (self.inputs != self.inputs[0, 0])


@pytest.mark.parametrize(
    ("layer", "gradient", "words"),
    [
        (DweightsTransposed(4, 3), "dweights", "transposed"),
        (DbiasesNoKeepdims(4, 3), "dbiases", "keepdims"),
        (DinputsInteger(), "dinputs", "dtype"),
        (DinputsNaN(4, 3), "dinputs", "not finite"),
    ],
)
def test_wrong_shape_dtype_or_non_finite_gradients_are_named(layer, gradient, words):
    result = failing(check_layer(layer, X, raise_on_failure=False), gradient)
    assert words in result.diagnosis


class CachedOnce(Layer_Dense):
    def backward(self, dvalues):
        if not hasattr(self, "cached_inputs"):
            self.cached_inputs = self.inputs
        super().backward(dvalues)
        self.dweights = np.dot(self.cached_inputs.T, dvalues)


class Accumulates(Layer_Dense):
    def backward(self, dvalues):
        if not hasattr(self, "dweights"):
            self.dweights = np.zeros_like(self.weights)
        self.dweights += np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


@pytest.mark.parametrize("cls", [CachedOnce, Accumulates])
def test_backward_depending_on_stale_state_is_caught(cls):
    failing(check_layer(cls(4, 3), X, raise_on_failure=False), "dweights")
    failing(check_layer(cls(4, 3), X, mode="fast", raise_on_failure=False), "dweights")


class NoSamples(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        super().backward(dvalues, y_true)
        self.dinputs = self.dinputs * len(dvalues)


class DinputsNotTransposed(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dinputs = np.dot(dvalues, self.weights)  # square W hides the shape error


class SoftmaxUsesInputs(Activation_Softmax):
    def backward(self, dvalues):
        p = self.inputs
        self.dinputs = p * (dvalues - np.sum(dvalues * p, axis=1, keepdims=True))


class OffByOneRow(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        y = np.eye(dvalues.shape[1])[y_true] if y_true.ndim == 1 else y_true
        self.dinputs = np.zeros_like(dvalues)
        for i in range(samples - 1):
            self.dinputs[i] = -y[i] / dvalues[i] / samples


def test_diagnoses_name_the_likely_cause():
    assert (
        "batch size (5)"
        in failing(
            check_loss(NoSamples(), PROBS, LABELS, raise_on_failure=False), "dinputs"
        ).diagnosis
    )
    failing(check_layer(DinputsNotTransposed(4, 4), X, raise_on_failure=False), "dinputs")
    assert (
        "transpose"
        in failing(
            check_layer(DweightsTransposed(4, 4), X, raise_on_failure=False), "dweights"
        ).diagnosis
    )
    assert (
        "samples - 1"
        in failing(
            check_loss(OffByOneRow(), PROBS, LABELS, raise_on_failure=False), "dinputs"
        ).diagnosis
    )
    wrong = failing(check_layer(SoftmaxUsesInputs(), X, raise_on_failure=False), "dinputs")
    assert wrong.index is not None and wrong.analytic != wrong.numeric


def test_one_wrong_element_of_a_thousandth_is_caught():
    class OneElementOff(Layer_Dense):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dweights[2, 1] *= 1 + 1e-3

    result = failing(check_layer(OneElementOff(4, 3), X, raise_on_failure=False), "dweights")
    assert result.index == (2, 1) and result.failed == 1


@pytest.mark.parametrize("entry", zoo.BUGS, ids=lambda e: e.name)
def test_fast_mode_still_rejects_every_zoo_bug(entry):
    obj = entry.factory()
    args = entry.data()
    options = {**entry.options, "mode": "fast", "raise_on_failure": False}
    check = check_layer if entry.kind == "layer" else check_loss
    report = check(obj, *args, **options)
    assert report.mode == "fast"
    assert report.status in ("failed", "error"), str(report)


@pytest.mark.parametrize("entry", zoo.CORRECT, ids=lambda e: e.name)
def test_fast_mode_passes_every_correct_zoo_variant(entry):
    obj = entry.factory()
    args = entry.data()
    options = {**entry.options, "mode": "fast", "raise_on_failure": False}
    check = check_layer if entry.kind == "layer" else check_loss
    assert check(obj, *args, **options).status == "passed"


def test_a_large_layer_is_checked_in_fast_mode_by_default(monkeypatch):
    # automatic mode goes by the estimated cost of exhaustive: this layer's (0.3 reference
    # seconds) is made to exceed the budget, as a larger layer's would
    monkeypatch.setattr(budget, "EXHAUSTIVE_COST", 0.1)
    rng = np.random.default_rng(0)
    layer = Layer_Dense(300, 200, rng=rng)
    report = check_layer(layer, rng.standard_normal((64, 300)))
    assert report.mode == "fast" and report.ok
    assert all(g.method == "joint projection" for g in report.gradients)

    class BigBug(Layer_Dense):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dweights[7, 3] += 1e-2 * np.abs(self.dweights).max()

    bug = BigBug(300, 200, rng=np.random.default_rng(0))
    result = check_layer(bug, rng.standard_normal((64, 300)), raise_on_failure=False)
    assert result.mode == "fast" and result.status == "failed"
    assert {g.name: g.status for g in result.gradients}["dweights"] == "failed"


def test_fast_mode_sees_one_wrong_element_of_a_ten_thousandth_in_a_larger_layer():
    # central directional differences: the projection's tolerance is rounding-limited at
    # the element-wise step, so a single small error still moves it (a one-sided
    # difference at sqrt(eps) only saw 1e-2 here)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32))

    def layer(cls):
        made = cls(32, 16)
        made.weights = np.random.default_rng(1).standard_normal((32, 16))
        made.biases = np.random.default_rng(2).standard_normal((1, 16))
        return made

    class OneElementOff(Layer_Dense):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dweights[0, 0] *= 1 + 1e-4

    assert check_layer(layer(Layer_Dense), x, mode="fast").ok
    report = check_layer(layer(OneElementOff), x, mode="fast", raise_on_failure=False)
    assert report.status == "failed"
    assert failing(report, "dweights").index == (0, 0)
