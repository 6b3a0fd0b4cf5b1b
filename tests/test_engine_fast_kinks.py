"""Fast mode sets exact zeros of the inputs apart: compared one by one, not projected.

One exact zero of a ReLU's input in a random projection makes the whole projection a kink
and used to send the entire batch to element-wise checks.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_layer
from nnfs_core import Activation_ReLU

RNG = np.random.default_rng(7)
R = RNG.standard_normal((128, 32))
R.reshape(-1)[RNG.choice(R.size, 40, replace=False)] = 0.0
WHERE = tuple(int(i) for i in np.argwhere(R > 0.5)[7])


class DoubledAtZero(Activation_ReLU):
    """Wrong only at the kink: 2 * dvalues at exactly 0 (no subgradient is 2)."""

    def backward(self, dvalues):
        super().backward(dvalues)
        at_zero = self.inputs == 0
        self.dinputs[at_zero] = 2.0 * dvalues[at_zero]


class OneElementOffAwayFromZero(Activation_ReLU):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dinputs[WHERE] *= 1.5


def test_relu_with_exact_zeros_is_projected_and_its_zeros_compared_alone():
    report = check_layer(Activation_ReLU(), R, mode="fast")
    (dinputs,) = report.gradients
    assert dinputs.method == "projection + 40 zero element(s) compared one by one"
    assert dinputs.kinks == 40 and dinputs.checked == 2 + 40
    assert report.evaluations < 20  # not 4096 elements, stacked or not


@pytest.mark.parametrize("cls", [DoubledAtZero, OneElementOffAwayFromZero])
def test_fast_mode_with_zeros_set_apart_still_rejects_a_wrong_relu(cls):
    assert R[WHERE] > 0
    report = check_layer(cls(), R, mode="fast", raise_on_failure=False)
    assert not report.ok
    assert report.gradients[0].status == "failed"


def test_many_zeros_are_not_set_apart():
    x = np.where(RNG.random(R.shape) < 0.5, 0.0, R)
    report = check_layer(Activation_ReLU(), x, mode="fast")
    assert report.ok and "zero element" not in report.gradients[0].method
    assert not check_layer(DoubledAtZero(), x, mode="fast", raise_on_failure=False).ok
