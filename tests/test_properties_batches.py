"""Batches: the gradient of a mean loss is the mean of per-sample gradients, each sample's
``dinputs`` depends only on that sample, and no pass writes into the caller's arrays.

Each property is a factory taking the class(es) under test; a broken twin defined here
must be rejected by the same property.
"""

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from twin_settings import NO_SHRINK

import gradcheck.strategies as gs
from gradcheck import GradientError, check_loss
from nnfs_core import (
    Activation_ReLU,
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Loss_CategoricalCrossentropy,
)

Fused = Activation_Softmax_Loss_CategoricalCrossentropy


# ----------------------------------------------------------------------------- broken twins
class DenseAveragingDweights(Layer_Dense):
    """Broken: ``dweights`` divided by the batch size (the loss already averages)."""

    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights = self.dweights / len(dvalues)


class SoftmaxSummingOverTheBatch(Activation_Softmax):
    """Broken: ``sum(dvalues * probs)`` over axis 0, mixing the samples of a batch."""

    def backward(self, dvalues):
        probs = self.output
        self.dinputs = probs * (dvalues - np.sum(dvalues * probs, axis=0, keepdims=True))


class ReLUMaskingInPlace(Activation_ReLU):
    """Broken: zeroes the caller's ``dvalues`` in place and keeps it as ``dinputs``."""

    def backward(self, dvalues):
        dvalues[self.inputs <= 0] = 0
        self.dinputs = dvalues


class BookFused(Activation_Softmax_Loss_CategoricalCrossentropy):
    """The document's final fused backward (cell 16): ``self.dinputs = dvalues`` then
    ``-= 1`` in place, which corrupts the caller's array, usually ``self.output``."""

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


# ----------------------------------------------------------------------------- batch mean
@st.composite
def networks(draw, dense_class):
    """A drawn Dense -> ReLU -> Dense -> softmax + cross-entropy network and its batch."""
    first, inputs = draw(gs.dense_layers_with_inputs(layer_class=dense_class, max_samples=8,
                                                     max_inputs=6, max_neurons=6))
    second = draw(gs.dense_layers(n_inputs=first.weights.shape[1], max_neurons=6,
                                  layer_class=dense_class))
    sparse = draw(gs.sparse_labels(n_samples=len(inputs), n_classes=second.weights.shape[1]))
    return first, second, inputs, sparse


def network_gradients(first, second, inputs, y):
    """Forward and backward through the network; the gradients of its mean loss."""
    relu, head = Activation_ReLU(), Fused()
    first.forward(inputs)
    relu.forward(first.output)
    second.forward(relu.output)
    head.forward(second.output, y)
    head.backward(head.output, y)
    second.backward(head.dinputs)
    relu.backward(second.dinputs)
    first.backward(relu.dinputs)
    return {"dinputs": first.dinputs, "dweights (layer 1)": first.dweights,
            "dbiases (layer 1)": first.dbiases, "dweights (layer 2)": second.dweights,
            "dbiases (layer 2)": second.dbiases}


def batch_gradient_is_mean_of_sample_gradients(dense_class):
    @given(networks(dense_class))
    def prop(net):
        first, second, inputs, sparse = net
        # A dict, not an f-string: note() formats it only for the reported example.
        note({"layer 1 weights": first.weights, "layer 1 biases": first.biases,
              "layer 2 weights": second.weights, "layer 2 biases": second.biases})
        n = len(inputs)
        for kind, y in (("sparse", sparse), ("one_hot", np.eye(second.weights.shape[1])[sparse])):
            batch = {k: v.copy() for k, v in network_gradients(first, second, inputs, y).items()}
            alone = [network_gradients(first, second, inputs[i:i + 1], y[i:i + 1])
                     for i in range(n)]
            for name, value in batch.items():
                if name == "dinputs":
                    # row i of the batch gradient is sample i's own gradient, over N
                    expected = np.concatenate([a[name] for a in alone]) / n
                else:
                    expected = np.mean([a[name] for a in alone], axis=0)
                # Drawn magnitudes (|x| <= 10, |W| <= 1, widths <= 6) keep every term
                # O(1..100): rounding of the sums is ~eps * 100, far below 1e-12 * scale,
                # while a misplaced 1/N changes an O(scale) entry. Relative to the result
                # alone would be wrong: dbiases can cancel to 1e-17.
                scale = max(1.0, np.abs([a[name] for a in alone]).max())
                gap = np.abs(value - expected).max()
                assert gap <= 1e-12 * scale, (
                    f"{kind} labels: {name} of the batch differs from the mean of the "
                    f"per-sample {name} by {gap:.3e} (scale {scale:.3e})"
                )

    return prop


def test_gradient_of_the_batch_mean_loss_is_the_mean_of_per_sample_gradients():
    """Oracle: the same network run on each sample alone (batch of one).

    Proves batch decomposition through Dense -> ReLU -> Dense -> softmax + cross-entropy:
    every parameter gradient of the batch is the mean of the per-sample gradients, and
    row ``i`` of ``dinputs`` is sample ``i``'s own gradient divided by ``N`` (so the
    ``/ samples`` happens exactly once, in the loss), for both label encodings.
    """
    batch_gradient_is_mean_of_sample_gradients(Layer_Dense)()


def test_batch_mean_check_rejects_a_dense_layer_that_averages_again():
    with pytest.raises(AssertionError, match="dweights"):
        NO_SHRINK(batch_gradient_is_mean_of_sample_gradients(DenseAveragingDweights))()


# ----------------------------------------------------------------------------- independence
@st.composite
def batches_of_every_kind(draw, min_samples=1):
    """One batch for every backward: logits (also dense inputs), dvalues for them,
    probabilities and labels, and a drawn ``Layer_Dense`` with dvalues for its output."""
    logits = draw(gs.logit_batches(min_samples=min_samples), label="logits")
    n, c = logits.shape
    dense = draw(gs.dense_layers(n_inputs=c), label="dense")
    note({"dense weights": dense.weights, "dense biases": dense.biases})
    return {
        "logits": logits,
        "dvalues": draw(gs.input_batches(n_samples=n, n_features=c), label="dvalues"),
        "probs": draw(gs.probability_batches(n_samples=n, n_classes=c), label="probs"),
        "labels": draw(gs.sparse_labels(n_samples=n, n_classes=c), label="labels"),
        "dense": dense,
        "dense dvalues": draw(gs.input_batches(n_samples=n, n_features=dense.weights.shape[1]),
                              label="dense dvalues"),
    }


@st.composite
def two_batches_differing_in_one_sample(draw):
    """Batches of every kind, and a copy in which sample ``j`` has other values."""
    batch = draw(batches_of_every_kind(min_samples=2))
    n, c = batch["logits"].shape
    j = draw(st.integers(0, n - 1), label="j")
    other = {name: np.copy(value) if isinstance(value, np.ndarray) else value
             for name, value in batch.items()}
    # rotated and shifted: still valid rows of each kind
    other["logits"][j] = np.roll(batch["logits"][j], 1) + 1.0
    other["dvalues"][j] = np.roll(batch["dvalues"][j], 1) - 1.0
    other["dense dvalues"][j] = np.roll(batch["dense dvalues"][j], 1) - 1.0
    other["probs"][j] = np.roll(batch["probs"][j], 1)
    other["labels"][j] = (batch["labels"][j] + 1) % c
    return batch, other, j


def _layer(make, backward="backward"):
    def run(b):
        obj = make()
        obj.forward(b["logits"])
        getattr(obj, backward)(b["dvalues"])
        return obj.dinputs

    return run


def _dense(b):
    b["dense"].forward(b["logits"])
    b["dense"].backward(b["dense dvalues"])
    return b["dense"].dinputs


def _crossentropy(b):
    loss = Loss_CategoricalCrossentropy()
    loss.backward(b["probs"], b["labels"])
    return loss.dinputs


def _fused(b):
    fused = Fused()
    fused.forward(b["logits"], b["labels"])
    fused.backward(fused.output, b["labels"])
    return fused.dinputs


CORE_BACKWARDS = {
    "Layer_Dense": _dense,
    "Activation_ReLU": _layer(Activation_ReLU),
    "Activation_Softmax.backward": _layer(Activation_Softmax),
    "Activation_Softmax.backward_jacobian": _layer(Activation_Softmax, "backward_jacobian"),
    "Loss_CategoricalCrossentropy": _crossentropy,
    "fused softmax + cross-entropy": _fused,
}


def samples_are_independent(backwards):
    @given(two_batches_differing_in_one_sample())
    def prop(case):
        batch, other, j = case
        keep = np.arange(len(batch["logits"])) != j
        for name, run in backwards.items():
            before, after = np.array(run(batch), float), np.array(run(other), float)
            gap = np.abs(before[keep] - after[keep])
            # Same arithmetic on unchanged rows; only BLAS or summation order may differ.
            assert (gap <= 1e-14 * max(np.abs(before).max(), 1e-300)).all(), (
                f"{name}: changing sample {j} changed dinputs of other samples by up to "
                f"{gap.max():.3e}"
            )

    return prop


def test_each_samples_dinputs_depends_only_on_that_sample():
    """Oracle: the same backward on a batch differing in one sample only.

    Proves no backward mixes samples: replacing sample ``j``'s inputs and its ``dvalues``
    (or its label) leaves every other row of ``dinputs`` unchanged, for Dense (weights
    fixed across both runs), ReLU, softmax (vectorized and the document's loop),
    cross-entropy and the fused classifier. For the losses the batch size stays ``N``,
    so the ``1 / N`` factor is common to both runs. (Dense's ``dweights`` and ``dbiases``
    are sums over the batch by design: the batch-mean property covers them.)
    """
    samples_are_independent(CORE_BACKWARDS)()


def test_sample_independence_check_rejects_a_softmax_summing_over_the_batch():
    with pytest.raises(AssertionError, match="changed dinputs of other samples"):
        NO_SHRINK(samples_are_independent(
            {"broken softmax": _layer(SoftmaxSummingOverTheBatch)}))()


# ----------------------------------------------------------------------------- no mutation
def _frozen(*arrays):
    return [np.array(a, copy=True) for a in arrays]


def _assert_untouched(originals, arrays, names):
    for original, array, name in zip(originals, arrays, names, strict=True):
        assert array.dtype == original.dtype and np.array_equal(array, original,
                                                                 equal_nan=True), (
            f"{name} was modified in place:\nbefore {original!r}\nafter  {array!r}"
        )


def nothing_is_mutated(activations, fused_class):
    @given(batches_of_every_kind())
    def prop(b):
        logits, dvalues, probs, sparse = b["logits"], b["dvalues"], b["probs"], b["labels"]
        dense, dense_dvalues = b["dense"], b["dense dvalues"]
        kept = _frozen(logits, dense_dvalues, dense.weights, dense.biases)
        dense.forward(logits)
        dense.backward(dense_dvalues)
        _assert_untouched(kept, (logits, dense_dvalues, dense.weights, dense.biases),
                          ("Layer_Dense inputs", "Layer_Dense.backward dvalues",
                           "Layer_Dense weights", "Layer_Dense biases"))
        for make, backward in activations:
            layer = make()
            kept = _frozen(logits, dvalues)
            layer.forward(logits)
            getattr(layer, backward)(dvalues)
            _assert_untouched(kept, (logits, dvalues),
                              (f"{type(layer).__name__} inputs",
                               f"{type(layer).__name__}.{backward} dvalues"))
        for y in (sparse, np.eye(logits.shape[1])[sparse]):
            loss = Loss_CategoricalCrossentropy()
            kept = _frozen(probs, y)
            loss.forward(probs, y)
            loss.backward(probs, y)
            _assert_untouched(kept, (probs, y), ("cross-entropy y_pred", "cross-entropy y"))
            fused = fused_class()
            fused.forward(logits, y)
            kept = _frozen(logits, fused.output, y)
            fused.backward(fused.output, y)
            _assert_untouched(kept, (logits, fused.output, y),
                              ("fused logits", "fused backward's dvalues (self.output)",
                               "fused y_true"))

    return prop


CORE_ACTIVATIONS = [(Activation_ReLU, "backward"), (Activation_Softmax, "backward"),
                    (Activation_Softmax, "backward_jacobian")]


def test_no_backward_mutates_its_dvalues_and_the_fused_backward_leaves_its_argument():
    """Oracle: copies of every array taken before the call, compared bit for bit after.

    Proves Dense, ReLU, softmax (both backward methods), cross-entropy and the fused
    classifier never write into ``inputs``, ``dvalues``, labels or (in a backward) the
    parameters; in particular the fused backward, called as the book calls it,
    ``backward(self.output, y)``, leaves ``self.output`` intact (the document's version
    subtracted 1 from it in place).
    """
    nothing_is_mutated(CORE_ACTIVATIONS, Fused)()


def test_mutation_check_rejects_the_documents_in_place_fused_backward():
    with pytest.raises(AssertionError, match=r"fused backward's dvalues \(self.output\)"):
        NO_SHRINK(nothing_is_mutated(CORE_ACTIVATIONS, BookFused))()


def test_mutation_check_rejects_a_relu_that_masks_dvalues_in_place():
    with pytest.raises(AssertionError, match="ReLUMaskingInPlace.backward dvalues"):
        NO_SHRINK(nothing_is_mutated([(ReLUMaskingInPlace, "backward")], Fused))()


def test_the_checker_also_rejects_the_documents_in_place_fused_backward():
    """The engine's own protocol check agrees: ``check_loss`` flags the mutation."""

    @NO_SHRINK
    @given(gs.logit_batches(max_magnitude=5.0, min_classes=2), st.data())
    def prop(logits, data):
        y = data.draw(gs.sparse_labels(n_samples=len(logits), n_classes=logits.shape[1]))
        check_loss(BookFused(), logits, y)

    with pytest.raises(GradientError) as info:
        prop()
    text = " ".join(info.value.report.problems).lower()
    assert "dvalues" in text or "modif" in text or "mutat" in text, info.value.report
