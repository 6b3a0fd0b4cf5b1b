"""Any number of dimensions: N-D layers and losses, N-D strategies, N-D indices in reports.

Each class here has a broken twin that must be rejected, so no property passes vacuously.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from twin_settings import NO_SHRINK

from gradcheck import check_layer, check_loss
from gradcheck import strategies as gs


class ChannelAffine:
    """y = gamma[c] * x + beta[c] on (N, C, H, W): parameters broadcast over N, H, W."""

    def __init__(self, channels, seed=0):
        rng = np.random.default_rng(seed)
        self.gamma = rng.standard_normal(channels)
        self.beta = rng.standard_normal(channels)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = self.gamma[None, :, None, None] * inputs + self.beta[None, :, None, None]

    def backward(self, dvalues):
        self.dgamma = (dvalues * self.inputs).sum(axis=(0, 2, 3))
        self.dbeta = dvalues.sum(axis=(0, 2, 3))
        self.dinputs = dvalues * self.gamma[None, :, None, None]


class ChannelAffine_BetaFirstPixel(ChannelAffine):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbeta = dvalues[:, :, 0, 0].sum(axis=0)  # BUG: only each channel's first pixel


class Tanh:
    def forward(self, inputs):
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output**2)


class Tanh_MissingSquare(Tanh):
    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output)  # BUG


class TemporalCrossEntropy:
    """Per-position cross-entropy of (N, T, C) probabilities with (N, T) labels."""

    def forward(self, y_pred, y_true):
        n, t, _ = y_pred.shape
        return -np.log(y_pred[np.arange(n)[:, None], np.arange(t)[None, :], y_true])

    def backward(self, dvalues, y_true):
        n, t, _ = dvalues.shape
        rows, steps = np.arange(n)[:, None], np.arange(t)[None, :]
        self.dinputs = np.zeros_like(dvalues)
        self.dinputs[rows, steps, y_true] = -1 / dvalues[rows, steps, y_true] / (n * t)


class TemporalCrossEntropy_MeanOverSamplesOnly(TemporalCrossEntropy):
    def backward(self, dvalues, y_true):
        super().backward(dvalues, y_true)
        self.dinputs *= dvalues.shape[1]  # BUG: divides by N, not N * T


def _probabilities(rng, shape):
    z = rng.standard_normal(shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@settings(max_examples=25)
@given(gs.input_batches(max_samples=3, sample_shape=(2, 3, 3)))
def test_a_4d_layer_with_broadcast_parameters_passes_on_drawn_batches(x):
    assert x.shape[1:] == (2, 3, 3)
    report = check_layer(ChannelAffine(2), x)
    assert {g.name for g in report.gradients} == {"dinputs", "dgamma", "dbeta"}


@NO_SHRINK
@given(gs.input_batches(min_samples=2, max_samples=3, sample_shape=(2, 3, 3),
                        max_magnitude=3.0))
def test_its_broken_twin_fails_on_drawn_batches(x):
    report = check_layer(ChannelAffine_BetaFirstPixel(2), x, raise_on_failure=False)
    assert report.status == "failed"
    assert [g.name for g in report.gradients if g.status == "failed"] == ["dbeta"]


def test_a_failing_4d_gradient_is_located_with_a_full_index():
    x = np.random.default_rng(1).standard_normal((2, 2, 3, 3))
    report = check_layer(Tanh_MissingSquare(), x, raise_on_failure=False)
    (bad,) = [g for g in report.gradients if g.status == "failed"]
    assert bad.name == "dinputs" and len(bad.index) == 4
    assert check_layer(Tanh(), x).ok


def test_a_row_independent_4d_layer_is_checked_with_stacked_rows():
    x = np.random.default_rng(2).standard_normal((4, 2, 3, 3))
    report = check_layer(Tanh(), x, mode="exhaustive")
    assert report.ok and report.evaluations < x.size / 4, report.evaluations
    wrong = check_layer(Tanh_MissingSquare(), x, mode="exhaustive", raise_on_failure=False)
    assert wrong.status == "failed"


def test_a_temporal_loss_takes_sparse_labels_of_shape_n_t():
    rng = np.random.default_rng(3)
    p, y = _probabilities(rng, (3, 4, 5)), rng.integers(0, 5, (3, 4))
    assert check_loss(TemporalCrossEntropy(), p, y).ok
    report = check_loss(TemporalCrossEntropy_MeanOverSamplesOnly(), p, y,
                        raise_on_failure=False)
    assert report.status == "failed"
    assert len(report.gradients[0].index) == 3
    assert "scaled by 4" in report.gradients[0].diagnosis


def test_n_d_labels_of_the_wrong_shape_are_rejected_with_the_shapes():
    p = _probabilities(np.random.default_rng(4), (3, 4, 5))
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        check_loss(TemporalCrossEntropy(), p, np.zeros((3, 5), dtype=int))


@pytest.mark.parametrize("shape", [(2, -1), [2, 3], (0,), (2.0,)])
def test_sample_shape_must_be_a_tuple_of_positive_ints(shape):
    with pytest.raises(InvalidArgument, match="sample_shape"):
        gs.input_batches(sample_shape=shape).example()


@given(st.data())
def test_sample_shape_gives_the_batch_that_shape(data):
    x = data.draw(gs.input_batches(n_samples=2, sample_shape=(3, 1, 2)))
    assert x.shape == (2, 3, 1, 2) and x.dtype == np.float64
