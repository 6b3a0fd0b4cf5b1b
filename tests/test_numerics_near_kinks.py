"""Kinks of other rows within the step of a parameter: honest tolerances, no false fails.

A parameter shared by all rows (a bias) moves every row's kink at once. Where one row's
kink lies within the step, the difference quotient at that step mixes two pieces: it
must neither widen the tolerance to that kink's jump (a 5% error would pass) nor make a
correct value look wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
from zoo_numerics import near_kinks as N

from gradcheck import check_layer

# 0.7: only the step straddles the kink. (At 0.4 the half step straddles it too, and
# the element is judged as at a kink: between its one-sided derivatives, which a 5% error
# still is; not covered.)
# Row 0 at its kink, row 1's within the step (0.7, 0.9): the bias's sides are [1, 2] once
# the steps stop reaching row 1; 0.95 lies outside them, inside the first step's mix.
CASES = {
    "a kink within the step": (N.one_row_off_by_part_of_a_step(0.7), N.BiasRelu_ScaledBias),
    "at a kink, another at 0.7 steps": (
        N.one_row_at_its_kink_another_within_the_step(0.7), N.BiasRelu_ShrunkBias),
    "at a kink, another at 0.9 steps": (
        N.one_row_at_its_kink_another_within_the_step(0.9), N.BiasRelu_ShrunkBias),
}


@pytest.mark.parametrize("case", list(CASES))
def test_kinks_within_the_step_do_not_widen_the_tolerance_of_a_bias(case):
    x, broken = CASES[case]
    dvalues = np.ones((x.shape[0], 1))
    ok = check_layer(N.BiasRelu(), x, dvalues=dvalues, raise_on_failure=False)
    assert ok.status == "passed", str(ok)
    (dbiases,) = [g for g in ok.gradients if g.name == "dbiases"]
    assert dbiases.tolerance < 1e-6, str(ok)
    bad = check_layer(broken(), x, dvalues=dvalues, raise_on_failure=False)
    assert bad.status == "failed", str(bad)
    assert [g.name for g in bad.gradients if g.status == "failed"] == ["dbiases"]
