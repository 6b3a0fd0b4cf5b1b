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
@pytest.mark.parametrize("part", [0.7])
def test_a_kink_within_the_step_does_not_widen_the_tolerance_of_a_bias(part):
    x, dvalues = N.one_row_off_by_part_of_a_step(part), np.ones((2, 1))
    ok = check_layer(N.BiasRelu(), x, dvalues=dvalues, raise_on_failure=False)
    assert ok.status == "passed", str(ok)
    (dbiases,) = [g for g in ok.gradients if g.name == "dbiases"]
    assert dbiases.tolerance < 1e-6, str(ok)
    bad = check_layer(N.BiasRelu_ScaledBias(), x, dvalues=dvalues, raise_on_failure=False)
    assert bad.status == "failed", str(bad)
    assert [g.name for g in bad.gradients if g.status == "failed"] == ["dbiases"]


@pytest.mark.parametrize("part", [0.7, 0.9])
def test_a_kink_at_the_point_with_another_within_the_step_is_judged_as_a_kink(part):
    # correct: the bias's left derivative (row 0's unit counted off at zero), 1.0
    x, dvalues = N.one_row_at_its_kink_another_within_the_step(part), np.ones((3, 1))
    ok = check_layer(N.BiasRelu(), x, dvalues=dvalues, raise_on_failure=False)
    assert ok.status == "passed", str(ok)
    (dbiases,) = [g for g in ok.gradients if g.name == "dbiases"]
    assert dbiases.tolerance < 1e-6, str(ok)
    # 0.95: outside [left, right] = [1, 2] by 5%, inside the first step's mixed slopes
    bad = check_layer(N.BiasRelu_ShrunkBias(), x, dvalues=dvalues, raise_on_failure=False)
    assert bad.status == "failed", str(bad)
    assert [g.name for g in bad.gradients if g.status == "failed"] == ["dbiases"]
