"""Randomness nothing can hold, in both modes: inconclusive with the reason, never failed.

Exhaustive mode sees it in its repeated pass; fast mode, which has none, repeats one
forward call. What can be decided still is: a deterministic layer with a wrong backward
and a dropout whose generator is reachable (pinned) with a wrong backward are failed in
both modes.
"""

from __future__ import annotations

import numpy as np
import pytest
from zoo_numerics import randomness as R

from gradcheck import check_layer

MODES = ["exhaustive", "fast"]
REASON = "random source the checker cannot hold"


def _x(seed=0):
    return np.random.default_rng(seed).normal(size=(6, 5))


class _Square:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs**2

    def backward(self, dvalues):
        self.dinputs = 2 * self.inputs * dvalues


class _SquareOffByOne(_Square):
    def backward(self, dvalues):
        self.dinputs = 3 * self.inputs * dvalues  # BUG: 3 for 2


@pytest.mark.parametrize("mode", MODES)
def test_a_fresh_generator_per_call_is_inconclusive_with_the_reason(mode):
    report = check_layer(R.Dropout_FreshGenerator(), _x(), mode=mode, raise_on_failure=False)
    assert report.mode == mode
    assert report.status == "inconclusive", str(report)
    assert REASON in report.message and not report.problems


@pytest.mark.parametrize("mode", MODES)
def test_what_can_be_decided_is_still_failed(mode):
    wrong = check_layer(_SquareOffByOne(), _x(), mode=mode, raise_on_failure=False)
    assert wrong.status == "failed" and REASON not in wrong.message, str(wrong)
    assert check_layer(_Square(), _x(), mode=mode, raise_on_failure=False).ok
    held = check_layer(R.Dropout_ClassGenerator_NoScale(), _x(), mode=mode,
                       raise_on_failure=False)
    assert held.status == "failed" and REASON not in held.message, str(held)
    assert check_layer(R.Dropout_ClassGenerator(), _x(), mode=mode,
                       raise_on_failure=False).ok
