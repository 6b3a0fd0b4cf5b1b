"""The seams of the run's split (engine/run.py, layer_run.py, loss_run.py) and subject.py.

- backward's label argument is read once per function: two classes with the same method
  name never share the answer, and a backward set on the instance is read as it is;
- a loss's forward returning per-sample losses is checked as their mean (and must give
  one per sample), one returning a scalar as that scalar (and need not).
"""

from __future__ import annotations

import numpy as np

from gradcheck import check_layer, check_loss
from gradcheck.engine.state import RandomPin
from gradcheck.protocol.subject import LayerSubject

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
P = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4]])
Y = np.array([0, 1])


class Doubled:
    def forward(self, inputs):
        self.output = 2 * inputs

    def backward(self, dvalues):
        self.dinputs = 2 * dvalues


class DoubledTakingLabels(Doubled):
    """``backward(dz, y)`` with ``y`` required and unused: called with ``None``."""

    def backward(self, dvalues, y):  # noqa: ARG002 - the labels are not used
        assert y is None
        self.dinputs = 2 * dvalues


def _subject(layer: object) -> LayerSubject:
    return LayerSubject.build(layer, RandomPin(layer, 0))


def test_a_backward_taking_labels_gets_none_and_one_without_gets_nothing():
    assert _subject(DoubledTakingLabels()).backward_extra == (None,)
    assert _subject(Doubled()).backward_extra == ()
    # (read once per function: asking again, in the other order, changes nothing)
    assert _subject(Doubled()).backward_extra == ()
    assert _subject(DoubledTakingLabels()).backward_extra == (None,)
    assert check_layer(DoubledTakingLabels(), X).ok


def test_a_backward_set_on_the_instance_is_read_as_it_is():
    # (another object's bound method: not the class's function, never taken from the cache)
    layer, other = Doubled(), DoubledTakingLabels()
    assert _subject(Doubled()).backward_extra == ()
    layer.backward = other.backward
    assert _subject(layer).backward_extra == (None,)
    assert _subject(Doubled()).backward_extra == ()


class MeanSquared:
    """Per-sample losses; its backward is the gradient of their mean."""

    def forward(self, y_pred, y_true):
        target = np.eye(y_pred.shape[1])[y_true]
        return np.mean((y_pred - target) ** 2, axis=1)

    def backward(self, dvalues, y_true):
        target = np.eye(dvalues.shape[1])[y_true]
        self.dinputs = 2 * (dvalues - target) / dvalues.size


class MeanSquaredScalar(MeanSquared):
    """Returns the mean itself: checked as the gradient of that scalar."""

    def forward(self, y_pred, y_true):
        return float(np.mean(super().forward(y_pred, y_true)))


class MeanSquaredTwoTooMany(MeanSquared):
    """Returns one value per sample and two more: not per-sample losses."""

    def forward(self, y_pred, y_true):
        losses = super().forward(y_pred, y_true)
        return np.concatenate([losses, losses[:1], losses[:1]])


def test_per_sample_losses_are_checked_as_their_mean_and_a_scalar_as_itself():
    per_sample = check_loss(MeanSquared(), P, Y)
    assert per_sample.ok and per_sample.kind == "loss"
    scalar = check_loss(MeanSquaredScalar(), P, Y)
    assert scalar.ok
    assert any("forward returns a scalar" in note for note in scalar.notes)
    assert not any("forward returns a scalar" in note for note in per_sample.notes)


def test_per_sample_losses_must_be_one_per_sample():
    report = check_loss(MeanSquaredTwoTooMany(), P, Y, raise_on_failure=False)
    assert not report.ok
    assert any("forward returned 4 values for 2 samples" in p for p in report.problems)
