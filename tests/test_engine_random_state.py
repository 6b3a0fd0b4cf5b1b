"""The check leaves numpy's and Python's global random state exactly as it found it.

The state is only re-seeded and restored when something drew (``get_state`` and
``set_state`` are slow), so each way of drawing is covered: forward, backward only, one
cached Gaussian, Python's ``random``; and a layer that draws nothing must not disturb a
state that holds a cached Gaussian either.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import zoo.activations as za

from gradcheck import check_layer
from gradcheck.engine.state import (
    generator,
    python_fingerprint,
    python_state,
    raw_python_reads_work,
    raw_writes_work,
    save_numpy,
    uniform_signed,
)
from nnfs_core import Activation_ReLU, Layer_Dense

X = np.random.default_rng(3).normal(size=(6, 4))


def numpy_state_equal(a, b):
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]


class BackwardDraws(Activation_ReLU):
    """Draws only in backward (noise it then discards)."""

    def backward(self, dvalues):
        np.random.random(3)
        super().backward(dvalues)


class OneCachedGaussian(Activation_ReLU):
    """Consumes a single Gaussian on its first forward call only."""

    def forward(self, inputs):
        if not getattr(self, "_drawn", False):
            self._drawn = True
            np.random.randn()
        super().forward(inputs)


class PythonRandomDropout(Activation_ReLU):
    """A mask drawn with Python's ``random`` (pinned like numpy's)."""

    def forward(self, inputs, training=True):
        self.mask = np.array([[random.random() > 0.3 for _ in row] for row in inputs]) / 0.7
        super().forward(inputs * self.mask)

    def backward(self, dvalues):
        super().backward(dvalues)
        self.dinputs = self.dinputs * self.mask


def layer_dense():
    return Layer_Dense(4, 3)


@pytest.mark.parametrize(
    "make",
    [layer_dense, Activation_ReLU, BackwardDraws, OneCachedGaussian, PythonRandomDropout,
     lambda: za.Layer_Dropout(0.4)],
    ids=["dense", "relu", "backward-draws", "one-cached-gaussian", "python-random",
         "book-dropout"],
)
@pytest.mark.parametrize("cached_gaussian", [False, True])
def test_global_random_state_is_left_exactly_as_it_was(make, cached_gaussian):
    layer = make()
    np.random.seed(11)
    random.seed(11)
    if cached_gaussian:
        np.random.randn(1)  # leaves the second Gaussian of the pair cached
    numpy_before, python_before = np.random.get_state(), random.getstate()
    assert numpy_before[3] == int(cached_gaussian)
    report = check_layer(layer, X, raise_on_failure=False)
    assert report.ok, str(report)
    assert numpy_state_equal(np.random.get_state(), numpy_before)
    assert random.getstate() == python_before


def test_a_forward_drawing_with_python_random_is_pinned_and_a_fresh_backward_mask_is_not():
    report = check_layer(PythonRandomDropout(), X)
    assert any("pinned" in note for note in report.notes)

    class FreshMaskInBackward(PythonRandomDropout):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dinputs = self.dinputs * (np.array(
                [[random.random() > 0.3 for _ in row] for row in dvalues]) / 0.7)

    assert not check_layer(FreshMaskInBackward(), X, raise_on_failure=False).ok


@pytest.mark.parametrize("cached_gaussian", [False, True])
def test_the_saved_numpy_state_is_get_state_and_reading_it_moves_nothing(cached_gaussian):
    """``save_numpy`` reads the state from raw bytes and one Gaussian draw (get_state is
    slow); what it returns must be exactly ``get_state()``, and the generator's stream
    must go on as if nothing was read."""
    np.random.seed(5)
    if cached_gaussian:
        np.random.randn(1)
    before = np.random.get_state()
    saved, _ = save_numpy()
    assert numpy_state_equal(saved, before)
    np.random.set_state(saved)  # what restore() does when the object drew
    expected = np.random.random(5), np.random.randn(3)
    np.random.set_state(before)
    saved, _ = save_numpy()
    if cached_gaussian:
        np.random.set_state(saved)  # the cached Gaussian was read by drawing it
    assert np.array_equal(np.random.random(5), expected[0])
    assert np.array_equal(np.random.randn(3), expected[1])


def test_the_raw_state_path_is_in_use_here():
    """Where raw reads and writes do not round-trip, ``get_state`` is used instead (slow
    but right); on CPython with numpy's MT19937 they must, or the saving is lost."""
    assert raw_writes_work()


@pytest.mark.parametrize("cached_gaussian", [False, True])
def test_the_python_fingerprint_is_getstate_and_reading_it_moves_nothing(cached_gaussian):
    """Python's random state is compared by its raw words (``getstate`` builds 625 ints):
    they must rebuild ``getstate()`` exactly, cached Gaussian included, tell a draw apart,
    and leave the stream where it was."""
    random.seed(11)
    if cached_gaussian:
        random.gauss(0.0, 1.0)
    before = random.getstate()
    first = python_fingerprint()
    assert python_state(first) == before
    assert random.getstate() == before
    random.random()
    assert python_fingerprint() != first
    random.setstate(before)
    assert python_fingerprint() == first


def test_the_raw_python_path_is_in_use_here():
    """On CPython the raw words must round-trip, or every check pays for getstate."""
    assert raw_python_reads_work()



@pytest.mark.parametrize("shape", [(3,), (128, 32), (2, 5, 7)])
def test_uniform_signed_draws_exactly_what_uniform_draws(shape):
    """The checker's cheaper uniform draws on [-1, 1] are the same numbers, bit for bit,
    and leave the generator where ``uniform`` leaves it: reports stay the same."""
    ours, theirs = generator(11), generator(11)
    drawn = uniform_signed(ours, shape)
    expected = theirs.uniform(-1.0, 1.0, shape)
    assert drawn.shape == expected.shape
    assert np.array_equal(drawn.view(np.uint64), expected.view(np.uint64))
    assert ours.random() == theirs.random()


def test_uniform_signed_differs_from_a_shifted_stream():
    """The twin: one draw apart, the values differ (the comparison above can fail)."""
    ours, theirs = generator(11), generator(11)
    theirs.random()
    assert not np.array_equal(uniform_signed(ours, (8,)), theirs.uniform(-1.0, 1.0, (8,)))
