"""Every backward in ``nnfs_core`` equals finite differences, through ``check_layer`` and
``check_loss``, on generated shapes, batches, ``dvalues`` and labels.

The oracle for all of them is the checker's central finite differences of the *forward*
pass (Richardson-extrapolated, tolerance from its own error estimate), run in
``mode="exhaustive"`` so that every element of every gradient is compared. Each property
is a factory taking the class under test; a broken twin defined here must be rejected
by the same property, with the right gradient named.
"""

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from twin_settings import NO_SHRINK

import gradcheck.strategies as gs
from gradcheck import GradientError, check_layer, check_loss
from nnfs_core import (
    Activation_ReLU,
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Loss_CategoricalCrossentropy,
)

# Logits within +-5 keep every probability above the cross-entropy clip at 1e-7 (see
# gradcheck.strategies.logit_batches): the fused backward is the gradient of the
# unclipped loss, so finite differences of the clipped forward only agree there.
UNCLIPPED = 5.0


def assert_proved(report, expected):
    """Every gradient in ``expected`` was compared element by element and passed."""
    assert report.ok, f"{report.status}, not passed:\n{report}"
    assert report.mode == "exhaustive"
    passed = {g.name for g in report.gradients if g.status == "passed"}
    assert passed >= set(expected), f"checked {sorted(passed)}, expected {sorted(expected)}"


def assert_rejected(info, gradient):
    """The GradientError's report names ``gradient`` as failed or missing."""
    report = info.value.report
    named = {g.name: g.status for g in report.gradients}
    assert named.get(gradient) in ("failed", "missing"), (
        f"expected {gradient} to be named as failed or missing; got {named}\n{report}"
    )


def drawn_dvalues(data, shape):
    return data.draw(gs.input_batches(n_samples=shape[0], n_features=shape[1]),
                     label="dvalues")


# ----------------------------------------------------------------------------- broken twins
class DenseStoringBiasGradientAsBias(Layer_Dense):
    """The document's cell 25: ``self.bias = ...``, so ``dbiases`` is never set."""

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.bias = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class DenseAveragingDweights(Layer_Dense):
    """Broken: ``dweights`` divided by the batch size (the loss already averages)."""

    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights = self.dweights / len(dvalues)


class DenseWithUntransposedWeights(Layer_Dense):
    """Broken: ``dvalues @ weights`` (no ``.T``), shape-correct only for square weights."""

    def backward(self, dvalues):
        super().backward(dvalues)
        self.dinputs = np.dot(dvalues, self.weights)


class ReLUWithoutMask(Activation_ReLU):
    """Broken: passes ``dvalues`` through unchanged, as if ReLU were the identity."""

    def backward(self, dvalues):
        self.dinputs = np.array(dvalues, dtype=float)


class ReLUWithStrictMask(Activation_ReLU):
    """Correct too: ``< 0`` mask, i.e. subgradient 1 at exactly 0 (any of [0, 1] is)."""

    def backward(self, dvalues):
        self.dinputs = np.array(dvalues, dtype=float)
        self.dinputs[self.inputs < 0] = 0


class SoftmaxLoop(Activation_Softmax):
    """The document's per-sample Jacobian loop as the backward under test."""

    def backward(self, dvalues):
        self.backward_jacobian(dvalues)


class SoftmaxLoopWithoutOuterProduct(Activation_Softmax):
    """Broken loop: ``diagflat(p)`` alone, the ``- p p^T`` term forgotten."""

    def backward(self, dvalues):
        self.dinputs = np.empty(np.shape(dvalues))
        for index, single_output in enumerate(self.output):
            self.dinputs[index] = np.dot(np.diagflat(single_output), dvalues[index])


class CrossentropyWithoutBatchMean(Loss_CategoricalCrossentropy):
    """Broken: the gradient of the summed loss, ``-y / p`` without ``/ samples``."""

    def backward(self, dvalues, y_true):
        super().backward(dvalues, y_true)
        self.dinputs = self.dinputs * len(dvalues)


class FusedWithoutOneHotSubtraction(Activation_Softmax_Loss_CategoricalCrossentropy):
    """Broken: forgets to subtract 1 at the true class, ``dinputs = p / N``."""

    def backward(self, dvalues, y_true):
        self.dinputs = np.array(dvalues, dtype=float) / len(dvalues)


# ----------------------------------------------------------------------------- Layer_Dense
def dense_matches_finite_differences(layer_class, **layer_kwargs):
    @given(gs.dense_layers_with_inputs(layer_class=layer_class, **layer_kwargs), st.data())
    def prop(pair, data):
        layer, inputs = pair
        dvalues = drawn_dvalues(data, (inputs.shape[0], layer.weights.shape[1]))
        # A dict, not an f-string: note() formats it only for the reported example.
        note({"weights": layer.weights, "biases": layer.biases})
        report = check_layer(layer, inputs, dvalues=dvalues, mode="exhaustive")
        assert_proved(report, ["dinputs", "dweights", "dbiases"])

    return prop


def test_dense_backward_equals_finite_differences_for_inputs_weights_and_biases():
    """Oracle: finite differences of ``inputs @ weights + biases``.

    Proves ``dinputs``, ``dweights`` and ``dbiases`` on batches of 1 to 16 samples,
    1 to 16 inputs and neurons, square weight matrices included (where a transposed
    gradient keeps its shape), exact zeros in inputs, weights and ``dvalues``.
    """
    dense_matches_finite_differences(Layer_Dense)()


@pytest.mark.parametrize(
    ("broken", "gradient", "layer_kwargs"),
    [
        (DenseStoringBiasGradientAsBias, "dbiases", {}),
        (DenseAveragingDweights, "dweights", {}),
        (DenseWithUntransposedWeights, "dinputs", {"n_inputs": 3, "n_neurons": 3}),
    ],
    ids=["bias-not-dbiases", "dweights-averaged", "weights-not-transposed"],
)
def test_dense_check_rejects_a_broken_dense_layer(broken, gradient, layer_kwargs):
    with pytest.raises(GradientError) as info:
        NO_SHRINK(dense_matches_finite_differences(broken, **layer_kwargs))()
    assert_rejected(info, gradient)


# ----------------------------------------------------------------------------- activations
def activation_matches_finite_differences(layer_class, batches):
    @given(batches, st.data())
    def prop(inputs, data):
        dvalues = drawn_dvalues(data, inputs.shape)
        report = check_layer(layer_class(), inputs, dvalues=dvalues, mode="exhaustive")
        assert_proved(report, ["dinputs"])

    return prop


@pytest.mark.parametrize("relu_class", [Activation_ReLU, ReLUWithStrictMask],
                         ids=["nnfs_core (<= 0 mask)", "< 0 mask"])
def test_relu_backward_equals_finite_differences_including_exact_zeros(relu_class):
    """Oracle: finite differences of ``np.maximum(0, x)``, one-sided at the kink.

    Proves ``dinputs`` on batches where exact zeros are drawn on purpose: there both the
    core's ``<= 0`` mask (subgradient 0) and a ``< 0`` mask (subgradient 1) are valid, and
    the checker must accept both while rejecting the broken twin below.
    """
    activation_matches_finite_differences(relu_class, gs.input_batches())()


def test_relu_check_rejects_a_relu_without_its_mask():
    with pytest.raises(GradientError) as info:
        NO_SHRINK(activation_matches_finite_differences(ReLUWithoutMask,
                                                        gs.input_batches()))()
    assert_rejected(info, "dinputs")


@pytest.mark.parametrize("softmax_class", [Activation_Softmax, SoftmaxLoop],
                         ids=["vectorized", "document's Jacobian loop"])
def test_softmax_backward_equals_finite_differences(softmax_class):
    """Oracle: finite differences of the row-wise softmax.

    Proves ``dinputs`` of the vectorized backward and of the document's Jacobian loop on
    logits up to +-50 (saturated rows), ties, zeros and one-class rows.
    """
    activation_matches_finite_differences(softmax_class, gs.logit_batches())()


def test_softmax_check_rejects_a_jacobian_loop_without_the_outer_product():
    with pytest.raises(GradientError) as info:
        NO_SHRINK(activation_matches_finite_differences(SoftmaxLoopWithoutOuterProduct,
                                                        gs.logit_batches()))()
    assert_rejected(info, "dinputs")


# ----------------------------------------------------------------------------- losses
def encodings(n_classes, sparse):
    return {"sparse": sparse, "one_hot": np.eye(n_classes)[sparse]}


def crossentropy_matches_finite_differences(loss_class):
    # Two classes at least: with one, p = 1 lies inside the upper clip (1 - 1e-7), where
    # the clipped forward is flat and the book's backward is not its gradient.
    @given(gs.probability_batches(min_classes=2), st.data())
    def prop(probs, data):
        sparse = data.draw(gs.sparse_labels(n_samples=probs.shape[0],
                                            n_classes=probs.shape[1]), label="y_true")
        for kind, y in encodings(probs.shape[1], sparse).items():
            note(f"checking {kind} labels")
            report = check_loss(loss_class(), probs, y, mode="exhaustive")
            assert_proved(report, ["dinputs"])

    return prop


def test_crossentropy_backward_equals_finite_differences_for_sparse_and_one_hot_labels():
    """Oracle: finite differences of the mean of ``-log(clip(p)[true class])``.

    Proves ``-y / p / N`` on probability rows bounded away from the clip (every entry
    >= 1e-6, confident and uniform rows included), for both label encodings of each batch.
    """
    crossentropy_matches_finite_differences(Loss_CategoricalCrossentropy)()


def test_crossentropy_check_rejects_a_gradient_without_the_batch_mean():
    with pytest.raises(GradientError) as info:
        NO_SHRINK(crossentropy_matches_finite_differences(CrossentropyWithoutBatchMean))()
    assert_rejected(info, "dinputs")


def fused_matches_finite_differences(fused_class):
    @given(gs.logit_batches(max_magnitude=UNCLIPPED), st.data())
    def prop(logits, data):
        sparse = data.draw(gs.sparse_labels(n_samples=logits.shape[0],
                                            n_classes=logits.shape[1]), label="y_true")
        for kind, y in encodings(logits.shape[1], sparse).items():
            note(f"checking {kind} labels")
            report = check_loss(fused_class(), logits, y, mode="exhaustive")
            assert report.kind == "fused"
            assert_proved(report, ["dinputs"])

    return prop


def test_fused_backward_equals_finite_differences_for_sparse_and_one_hot_labels():
    """Oracle: finite differences of the fused forward (mean loss of the softmax).

    Proves ``(softmax - one_hot) / N`` is the gradient of the loss w.r.t. the logits,
    for both label encodings of each drawn batch (absent classes included).
    """
    fused_matches_finite_differences(Activation_Softmax_Loss_CategoricalCrossentropy)()


def test_fused_check_rejects_a_backward_without_the_one_hot_subtraction():
    with pytest.raises(GradientError) as info:
        NO_SHRINK(fused_matches_finite_differences(FusedWithoutOneHotSubtraction))()
    assert_rejected(info, "dinputs")


# ----------------------------------------------------------------------- found by `thorough`
# Found by `HYPOTHESIS_PROFILE=thorough` (2000 examples; the ci profile's 100 miss them) and
# shrunk by Hypothesis: correct backward passes that an earlier engine rejected.
# - ReLU at an exact 0 whose dvalue (1e-7) is tiny next to the row's other dvalue (3):
#   the central difference there, 5e-8, lies between the one-sided derivatives 0 and
#   1e-7, so both mask conventions are valid subgradients; likewise 1.2e-7 from the kink,
#   inside the step, under nine dvalues of 3 (a second thorough run);
# - softmax saturated to 1.7e-20: analytic and numeric agree to 3e-10 relative, at the
#   rounding of the argument of exp.
# Kept as regression tests; their broken twins are the rejections above.
FOUND_BY_THOROUGH = [
    pytest.param(Activation_ReLU, [[0.0, 8.0]], [[1e-7, 3.0]], id="relu-kink-tiny-dvalue"),
    pytest.param(ReLUWithStrictMask, [[0.0, 8.0]], [[1e-7, 3.0]],
                 id="strict-relu-kink-tiny-dvalue"),
    pytest.param(Activation_ReLU, [[1.1920929e-07] + [3.0] * 9], [[1.1920929e-07] + [3.0] * 9],
                 id="relu-near-kink-tiny-dvalue"),
    pytest.param(ReLUWithStrictMask, [[1.1920929e-07] + [3.0] * 9],
                 [[1.1920929e-07] + [3.0] * 9], id="strict-relu-near-kink-tiny-dvalue"),
    pytest.param(Activation_Softmax, [[50.0, 4.5]], [[0.0, 1.0]], id="softmax-saturated"),
    pytest.param(SoftmaxLoop, [[50.0, 4.5]], [[0.0, 1.0]], id="softmax-loop-saturated"),
]


@pytest.mark.parametrize(("layer_class", "inputs", "dvalues"), FOUND_BY_THOROUGH)
def test_engine_accepts_correct_backwards_that_the_thorough_profile_found(layer_class, inputs,
                                                                          dvalues):
    report = check_layer(layer_class(), np.array(inputs), dvalues=np.array(dvalues),
                         mode="exhaustive")
    assert_proved(report, ["dinputs"])


def test_a_wrong_value_at_the_same_saturated_point_is_still_rejected():
    class SoftmaxOffByAThousandth(Activation_Softmax):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dinputs = self.dinputs * 1.001

    report = check_layer(SoftmaxOffByAThousandth(), np.array([[50.0, 4.5]]),
                         dvalues=np.array([[0.0, 1.0]]), mode="exhaustive",
                         raise_on_failure=False)
    assert report.status == "failed"
