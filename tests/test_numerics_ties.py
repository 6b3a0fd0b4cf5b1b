"""Properties over ties: max, sort, top-k, max pooling and a ReLU network as one object.

At a tie several coordinates sit at one kink together; a backward that picks one
winner (the gradient of an adjacent piece) is correct and must pass, its twin that
routes the gradient to every tied coordinate (the sum doubles) must fail. Data are
drawn with ties forced: values on a coarse grid, tied coordinates set equal on purpose.
The example count follows the profile (``thorough`` runs 20x the ``ci`` count).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zoo_numerics import ties as T

from gradcheck import check_layer
from gradcheck.engine import kinks
from gradcheck.engine.kinks import PIECES_MAX

EXAMPLES = settings(max_examples=max(6, settings.default.max_examples // 20), deadline=None)


@st.composite
def tied_batches(draw, *, min_tied=2, max_tied=3, where="max", min_features=2):
    """(n, f) values on a grid of halves; in every row ``tied`` features share the row's
    maximum (``where="max"``) or its median value (``"middle"``)."""
    n = draw(st.integers(1, 3))
    f = draw(st.integers(max(min_features, min_tied), 6))
    rows = []
    for _ in range(n):
        row = np.array(draw(st.lists(st.integers(-6, 6), min_size=f, max_size=f)), float) / 2
        t = draw(st.integers(min_tied, min(max_tied, f)))
        cols = draw(st.permutations(range(f)))[:t]
        row[list(cols)] = row.max() + 0.5 if where == "max" else float(np.median(row))
        rows.append(row)
    return np.array(rows)


@st.composite
def pooled_batches(draw):
    """(n, 2k) values on a grid of halves, at least one tied window per row."""
    n, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = np.array(draw(st.lists(st.integers(-6, 6), min_size=2 * n * k, max_size=2 * n * k)),
                 float).reshape(n, 2 * k) / 2
    for row in x:
        w = draw(st.integers(0, k - 1))
        row[2 * w + 1] = row[2 * w]
    return x


@st.composite
def networks_at_zero(draw, broken=False):
    """Dense -> ReLU -> Dense with no more hidden units than inputs, at zero inputs."""
    f = draw(st.integers(2, 4))
    h = draw(st.integers(1, f))
    layer = (T.DenseReluDense_SignSlip if broken else T.DenseReluDense)(f, h, 2)
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    layer.weights1 = rng.standard_normal(layer.weights1.shape)
    layer.weights2 = rng.standard_normal(layer.weights2.shape)
    return layer, np.zeros((draw(st.integers(1, 3)), f))


def orderings_past_the_budget(x: np.ndarray) -> bool:
    """A sort at a tie of t values has t! pieces: past the stated piece budget (t >= 5,
    e.g. a row of six zeros) the joint test gives up and says so."""
    ties = max(int(np.unique(row, return_counts=True)[1].max()) for row in x)
    return math.factorial(ties) > PIECES_MAX


CASES = [
    pytest.param(T.Max_OneWinner, T.Max_EveryTiedMax, tied_batches(), None, id="max"),
    pytest.param(T.Sort_Stable, T.Sort_EveryTiedPosition,
                 tied_batches(min_tied=2, max_tied=3, where="middle"),
                 orderings_past_the_budget, id="sort"),
    pytest.param(T.TopK_Stable, T.TopK_EveryTiedValue,
                 tied_batches(min_tied=3, max_tied=3, min_features=3), None, id="top-k"),
    pytest.param(T.MaxPool2_OneWinner, T.MaxPool2_EveryTiedMax, pooled_batches(), None,
                 id="max-pool"),
]


@pytest.mark.parametrize(("correct", "broken", "batches", "past_budget"), CASES)
def test_one_winner_at_a_tie_passes_and_every_tied_winner_fails(
    correct, broken, batches, past_budget
):
    @EXAMPLES
    @given(x=batches, seed=st.integers(0, 2**16))
    def prop(x, seed):
        ok = check_layer(correct(), x, seed=seed, raise_on_failure=False)
        assert ok.status == "passed", str(ok)
        bad = check_layer(broken(), x, seed=seed, raise_on_failure=False)
        if past_budget is not None and past_budget(x) and bad.status == "inconclusive":
            assert "ran out" in str(bad), str(bad)  # gave up, and says so; never passed
            return
        assert bad.status == "failed", str(bad)

    prop()


def test_when_the_evaluation_budget_runs_out_the_rest_is_inconclusive_never_passed(
        monkeypatch):
    """Past the joint judge's evaluation budget the remaining tied points are not judged:
    a correct layer is inconclusive, saying the budget ran out; its broken twin is still
    failed on the groups judged before; with the usual budget the correct one passes."""
    x = np.zeros((3, 6))  # every window tied: one group per row
    assert check_layer(T.MaxPool2_OneWinner(), x, seed=0, raise_on_failure=False).ok
    monkeypatch.setattr(kinks, "BUDGET", 1)  # spent after the first group
    report = check_layer(T.MaxPool2_OneWinner(), x, seed=0, raise_on_failure=False)
    assert report.status == "inconclusive", str(report)
    assert "evaluation budget (48 pieces per point, 1 evaluations) ran out" in str(report)
    broken = check_layer(T.MaxPool2_EveryTiedMax(), x, seed=0, raise_on_failure=False)
    assert broken.status == "failed", str(broken)


# A ReLU network at zero input: the all-off piece can be too thin a cone to be met by
# the joint test's directions; then the verdict is inconclusive (0 lies in the hull of
# the pieces found and 0: units sharing the kink, none taken), never failed. On 135
# drawn networks (2-4 inputs, 1..inputs hidden units) 131 passed and 4 were
# inconclusive (all-off cones of 0.01% to 0.7% of the directions; before the second look
# 116 / 19); of their sign-slipped twins 121 failed and 14 were inconclusive (new pieces
# still turning up when the piece budget ran out).


@EXAMPLES
@given(pair=networks_at_zero(), seed=st.integers(0, 2**16))
def test_relu_network_at_zero_input_is_never_failed(pair, seed):
    layer, x = pair
    report = check_layer(layer, x, seed=seed, raise_on_failure=False)
    assert report.status in ("passed", "inconclusive"), str(report)


@EXAMPLES
@given(pair=networks_at_zero(broken=True), seed=st.integers(0, 2**16))
def test_relu_network_at_zero_input_with_a_sign_slip_is_never_passed(pair, seed):
    layer, x = pair
    report = check_layer(layer, x, seed=seed, raise_on_failure=False)
    assert report.status in ("failed", "inconclusive"), str(report)
    assert report.status == "failed" or "kink" in report.message


@st.composite
def networks_partly_at_kinks(draw, cls=T.DenseReluDense):
    """Dense -> ReLU -> Dense on rows of four kinds: zero rows (every hidden unit at its
    kink, biases at zero), maybe a row within 1e-7 .. 1e-12 of zero (units just on or
    off, closer to their kinks than the step), random rows (units on and off), and a
    row that switches hidden unit 0 well off (pre-activation -2).
    Returns the layer, the batch and its ``dvalues``.
    """
    f, h, o = draw(st.integers(2, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    layer = cls(f, h, o)
    layer.weights1 = rng.standard_normal((f, h))
    layer.weights2 = rng.standard_normal((h, o))
    w = layer.weights1[:, 0]
    near = 10.0 ** -draw(st.integers(7, 12)) * rng.standard_normal((draw(st.integers(0, 1)), f))
    rows = [np.zeros(f)] * draw(st.integers(1, 2)) + list(near) + list(
        rng.standard_normal((draw(st.integers(1, 2)), f))) + [-2 * w / (w @ w)]
    x = np.array(rows)[rng.permutation(len(rows))]
    return layer, x, rng.standard_normal((len(rows), o))


@EXAMPLES
@given(case=networks_partly_at_kinks(), seed=st.integers(0, 2**16))
def test_relu_network_partly_at_kinks_has_every_parameter_gradient_passed(case, seed):
    # a bias or weight moves every row's unit: rows at the kink and rows just off it add
    # up to kinks finer than the step, judged row by row (never a false fail)
    layer, x, dvalues = case
    report = check_layer(layer, x, dvalues=dvalues, seed=seed, raise_on_failure=False)
    assert report.status in ("passed", "inconclusive"), str(report)
    assert all(g.status == "passed" for g in report.gradients if g.name != "dinputs"), (
        str(report))


@EXAMPLES
@given(case=networks_partly_at_kinks(T.DenseReluDense_UnmaskedBias), seed=st.integers(0, 2**16))
def test_relu_network_partly_at_kinks_with_an_unmasked_bias_fails_where_it_can_be_seen(
    case, seed
):
    layer, x, dvalues = case
    hidden = x @ layer.weights1
    g = dvalues @ layer.weights2.T
    # the bug adds every switched-off row's share; rows at the kink may take theirs or
    # not (any subgradient), so it is visible where the added share exceeds their sum
    added = np.where(hidden < -1e-4, g, 0).sum(axis=0)
    slack = np.where(np.abs(hidden) < 1e-4, np.abs(g), 0).sum(axis=0)
    report = check_layer(layer, x, dvalues=dvalues, seed=seed, raise_on_failure=False)
    (dbiases1,) = [r for r in report.gradients if r.name == "dbiases1"]
    if np.any(np.abs(added) > slack + 1e-3):
        assert dbiases1.status == "failed", str(report)
    assert report.status != "passed" or not np.any(np.abs(added) > slack + 1e-3)
