"""Fused softmax + cross-entropy: equal to the chain of the separate backward passes,
identical for sparse and one-hot labels, and its loss equal to SciPy's ``log_softmax``.

Each property is a factory taking the implementation; it runs on ``nnfs_core`` (must hold)
and on a deliberately broken class defined here (the same assertions must reject it).
"""

import numpy as np
import pytest
import scipy.special
from hypothesis import given, note
from hypothesis import strategies as st
from twin_settings import NO_SHRINK

import gradcheck.strategies as gs
from nnfs_core import (
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Loss_CategoricalCrossentropy,
)

# Logits within +-5 with at most 10 classes: every probability is >= e**-10 / 10 > 1e-7,
# so the book's clip in the cross-entropy forward never bites (see logit_batches).
UNCLIPPED = 5.0


class FusedWithoutBatchMean(Activation_Softmax_Loss_CategoricalCrossentropy):
    """Broken: the gradient of the *summed* loss (no ``/ samples``)."""

    def backward(self, dvalues, y_true):
        super().backward(dvalues, y_true)
        self.dinputs = self.dinputs * len(dvalues)


class FusedOneHotWithoutBatchMean(Activation_Softmax_Loss_CategoricalCrossentropy):
    """Broken only for one-hot labels: ``dvalues - y_true`` without ``/ samples``."""

    def backward(self, dvalues, y_true):
        if np.ndim(y_true) == 2:
            self.dinputs = np.asarray(dvalues) - y_true
        else:
            super().backward(dvalues, y_true)


class CrossentropyOneHotOffByOneClass(Loss_CategoricalCrossentropy):
    """Broken only for one-hot labels: the forward reads the next class's probability."""

    def forward(self, y_pred, y_true):
        if np.ndim(y_true) == 2:
            y_true = np.roll(y_true, 1, axis=1)
        return super().forward(y_pred, y_true)


class FusedReturningTheSummedLoss(Activation_Softmax_Loss_CategoricalCrossentropy):
    """Broken forward: the summed loss instead of the mean."""

    def forward(self, inputs, y_true):
        return super().forward(inputs, y_true) * len(inputs)


@st.composite
def classification_batches(draw, max_magnitude=UNCLIPPED):
    """``(logits, sparse labels)``; every property checks both label encodings of them."""
    logits = draw(gs.logit_batches(max_magnitude=max_magnitude), label="logits")
    n, c = logits.shape
    y = draw(gs.sparse_labels(n_samples=n, n_classes=c), label="y_true")
    return logits, y


def encodings(logits, sparse):
    """The same labels as sparse ``(N,)`` ints and as one-hot ``(N, C)`` rows."""
    return {"sparse": sparse, "one_hot": np.eye(logits.shape[1])[sparse]}


def clipped_nll(logits, sparse):
    """SciPy's ``-log_softmax`` at the true class, clipped as the book clips ``p``."""
    exact = -scipy.special.log_softmax(logits, axis=1)[np.arange(len(sparse)), sparse]
    return np.clip(exact, -np.log1p(-1e-7), -np.log(1e-7))


def _close(actual, expected, *, atol, what):
    gap = np.abs(np.asarray(actual, dtype=float) - expected)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(gap), gap.shape))
    assert gap[worst] <= atol, (
        f"{what} differ at {worst}: {float(np.asarray(actual)[worst])!r} vs "
        f"{float(expected[worst])!r} (|gap| {float(gap[worst]):.3e} > {atol:.1e})"
    )


# ----------------------------------------------------------------------------- fused == chain
def fused_equals_chain(fused_class):
    @given(classification_batches())
    def prop(batch):
        logits, sparse = batch
        for kind, y in encodings(logits, sparse).items():
            fused = fused_class()
            fused.forward(logits, y)
            fused.backward(fused.output, y)
            for method in ("backward", "backward_jacobian"):
                softmax, loss = Activation_Softmax(), Loss_CategoricalCrossentropy()
                softmax.forward(logits)
                loss.backward(softmax.output, y)
                getattr(softmax, method)(loss.dinputs)
                # Entries are at most 1/N; -1/p * p loses a few ulps of 1/N.
                _close(fused.dinputs, softmax.dinputs, atol=1e-13,
                       what=f"{kind} labels: fused and chained ({method}) dinputs")

    return prop


def test_fused_backward_equals_softmax_then_crossentropy_backward():
    """Oracle: the chain rule through the separate layers (the book's own check, cell 55).

    Proves ``(softmax - one_hot) / N`` is the composition of cross-entropy's
    ``-y / p / N`` with softmax's backward (vectorized, and the document's Jacobian loop),
    for sparse and for one-hot labels (both encodings of every drawn batch).
    """
    fused_equals_chain(Activation_Softmax_Loss_CategoricalCrossentropy)()


def test_fused_equals_chain_check_rejects_a_fused_backward_without_the_batch_mean():
    with pytest.raises(AssertionError, match="fused and chained"):
        NO_SHRINK(fused_equals_chain(FusedWithoutBatchMean))()


def test_fused_equals_chain_check_rejects_a_mistake_in_the_one_hot_path_only():
    with pytest.raises(AssertionError, match="one_hot labels: fused and chained"):
        NO_SHRINK(fused_equals_chain(FusedOneHotWithoutBatchMean))()


# ----------------------------------------------------------------------------- sparse == one-hot
def sparse_equals_one_hot(fused_class, loss_class):
    @given(classification_batches(), st.data())
    def prop(batch, data):
        logits, sparse = batch
        probs = data.draw(gs.probability_batches(n_samples=logits.shape[0],
                                                 n_classes=logits.shape[1]), label="probs")
        results = {}
        for name, y in encodings(logits, sparse).items():
            fused, loss = fused_class(), loss_class()
            fused_loss = fused.forward(logits, y)
            fused.backward(fused.output, y)
            losses = loss.forward(probs, y)
            loss.backward(probs, y)
            results[name] = (np.atleast_1d(fused_loss), fused.dinputs, losses, loss.dinputs)
        what = ("fused losses", "fused dinputs", "cross-entropy losses",
                "cross-entropy dinputs")
        # The one-hot path adds exact zeros where the sparse path indexes: bit-identical.
        for label, a, b in zip(what, results["sparse"], results["one_hot"], strict=True):
            _close(b, a, atol=0.0, what=f"sparse and one-hot {label}")

    return prop


def test_sparse_and_one_hot_labels_give_identical_losses_and_gradients():
    """Oracle: each label format against the other (same classes, two encodings).

    Proves that the fused classifier and the cross-entropy treat ``y`` and
    ``np.eye(C)[y]`` identically in forward and backward, bit for bit, including batches
    where some classes are absent.
    """
    sparse_equals_one_hot(Activation_Softmax_Loss_CategoricalCrossentropy,
                          Loss_CategoricalCrossentropy)()


def test_sparse_equals_one_hot_check_rejects_a_one_hot_path_without_the_batch_mean():
    with pytest.raises(AssertionError, match="sparse and one-hot fused dinputs"):
        NO_SHRINK(sparse_equals_one_hot(FusedOneHotWithoutBatchMean,
                                        Loss_CategoricalCrossentropy))()


def test_sparse_equals_one_hot_check_rejects_a_one_hot_forward_reading_the_wrong_class():
    with pytest.raises(AssertionError, match="sparse and one-hot cross-entropy losses"):
        NO_SHRINK(sparse_equals_one_hot(Activation_Softmax_Loss_CategoricalCrossentropy,
                                        CrossentropyOneHotOffByOneClass))()


# ----------------------------------------------------------------------------- losses vs SciPy
def fused_loss_matches_log_softmax(fused_class):
    @given(classification_batches())
    def prop(batch):
        logits, sparse = batch
        expected = clipped_nll(logits, sparse).mean()
        for kind, y in encodings(logits, sparse).items():
            mean = fused_class().forward(logits, y)
            # log_softmax is exact to an ulp of the row's log-sum-exp (<= 10 + log 10 here)
            assert np.shape(mean) == () and abs(mean - expected) <= 1e-13, (
                f"{kind} labels: fused loss {mean!r} but mean -log_softmax is {expected!r}"
            )

    return prop


def test_fused_loss_equals_mean_negative_log_softmax():
    """Oracle: ``scipy.special.log_softmax``, a stable independent log-probability.

    Proves the fused forward is the mean cross-entropy of the softmax, the scalar whose
    gradient the fused backward claims to be, for both label encodings. With logits in
    +-5 the book's clip at 1e-7 is only reached by one-class batches (p = 1), where the
    oracle clips too.
    """
    fused_loss_matches_log_softmax(Activation_Softmax_Loss_CategoricalCrossentropy)()


def test_fused_loss_check_rejects_a_summed_loss():
    with pytest.raises(AssertionError, match="fused loss"):
        NO_SHRINK(fused_loss_matches_log_softmax(FusedReturningTheSummedLoss))()


def crossentropy_matches_log_softmax(loss_class):
    @given(classification_batches(max_magnitude=50.0))
    def prop(batch):
        logits, sparse = batch
        probs = scipy.special.softmax(logits, axis=1)
        expected = clipped_nll(logits, sparse)
        note({"scipy's clipped -log_softmax": expected})
        for kind, y in encodings(logits, sparse).items():
            losses = loss_class().forward(probs, y)
            _close(losses, expected, atol=1e-9,
                   what=f"{kind} labels: cross-entropy and -log_softmax")

    return prop


def test_crossentropy_forward_equals_clipped_negative_log_softmax():
    """Oracle: ``scipy.special.log_softmax`` clipped to ``[-log(1 - 1e-7), -log(1e-7)]``.

    Proves the per-sample losses on softmax probabilities are the book's clipped
    cross-entropy over the full logit range (+-50, so the clip at 1e-7 is reached on
    purpose), for both label encodings.
    """
    crossentropy_matches_log_softmax(Loss_CategoricalCrossentropy)()


def test_crossentropy_check_rejects_a_one_hot_forward_reading_the_wrong_class():
    with pytest.raises(AssertionError, match="one_hot labels: cross-entropy"):
        NO_SHRINK(crossentropy_matches_log_softmax(CrossentropyOneHotOffByOneClass))()
