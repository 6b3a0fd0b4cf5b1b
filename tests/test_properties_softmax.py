"""Softmax: forward against SciPy, per-sample Jacobians against SciPy's numeric Jacobian,
and the document's Jacobian loop against the vectorized backward.

Each property is written once, as a factory taking the implementation, and run twice:
on ``nnfs_core`` (must hold) and on a deliberately broken class defined here (must be
rejected by the very same assertions), so no property can pass vacuously.
"""

import numpy as np
import pytest
import scipy.special
from hypothesis import given, note
from hypothesis import strategies as st
from scipy.differentiate import jacobian
from twin_settings import NO_SHRINK

import gradcheck.strategies as gs
from nnfs_core import Activation_Softmax

# Negative controls stop at the first counterexample: shrinking it would only cost time.


class SoftmaxWithoutMaxShift(Activation_Softmax):
    """Broken forward: exp of the raw logits overflows to inf/inf = nan beyond ~709."""

    def forward(self, inputs):
        self.inputs = np.asarray(inputs)
        with np.errstate(over="ignore", invalid="ignore"):
            exp_values = np.exp(self.inputs)
            self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)


class SoftmaxLoopWithoutOuterProduct(Activation_Softmax):
    """Broken Jacobian loop: ``diagflat(p)`` alone, the ``- p p^T`` term forgotten."""

    def backward_jacobian(self, dvalues):
        self.dinputs = np.empty_like(dvalues, dtype=float)
        for index, single_output in enumerate(self.output):
            self.dinputs[index] = np.dot(np.diagflat(single_output), dvalues[index])


class SoftmaxSummingOverTheBatch(Activation_Softmax):
    """Broken vectorized backward: ``sum(dvalues * probs)`` over axis 0 (the batch)."""

    def backward(self, dvalues):
        probs = self.output
        self.dinputs = probs * (dvalues - np.sum(dvalues * probs, axis=0, keepdims=True))


def _softmax_columns(x):
    """Softmax over axis 0, the layout scipy.differentiate.jacobian wants: x is (C, ...)."""
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def layer_jacobians(softmax, logits, method):
    """Per-sample Jacobians ``J[i] = d softmax(x_i) / d x_i`` read off a backward method.

    ``backward(dvalues)`` computes ``J_i^T dvalues_i`` per sample, so feeding the unit
    vector ``e_k`` to every sample gives column ``k`` of each ``J_i^T``.
    """
    softmax.forward(logits)
    n, c = logits.shape
    rows = []
    for k in range(c):
        dvalues = np.zeros((n, c))
        dvalues[:, k] = 1.0
        getattr(softmax, method)(dvalues)
        rows.append(np.array(softmax.dinputs, dtype=float))
    # rows[k][i, j] = (J_i^T e_k)_j = J_i[k, j]
    return np.stack(rows, axis=1)


# ----------------------------------------------------------------------------- forward
def softmax_forward_matches_scipy(softmax_class):
    @given(gs.logit_batches(max_magnitude=800.0))
    def prop(logits):
        softmax = softmax_class()
        softmax.forward(logits)
        expected = scipy.special.softmax(logits, axis=1)
        # A dict, not an f-string: note() formats it only for the reported example.
        note({"output": softmax.output, "scipy": expected})
        np.testing.assert_allclose(softmax.output, expected, rtol=1e-12, atol=1e-300)

    return prop


def test_softmax_forward_equals_scipy_softmax_even_beyond_exp_overflow():
    """Oracle: ``scipy.special.softmax``, an independent implementation of the forward.

    Proves the values ``backward`` differentiates are right, on logits up to 800 in
    magnitude (rows spanning 1600, far past ``exp`` overflow at ~709), ties and zeros.
    """
    softmax_forward_matches_scipy(Activation_Softmax)()


def test_softmax_forward_check_rejects_a_softmax_without_the_max_shift():
    with pytest.raises(AssertionError):
        NO_SHRINK(softmax_forward_matches_scipy(SoftmaxWithoutMaxShift))()


# ----------------------------------------------------------------------------- Jacobian
def jacobian_matches_scipy(softmax_class, method):
    @given(gs.logit_batches(max_samples=6))
    def prop(logits):
        analytic = layer_jacobians(softmax_class(), logits, method)
        # Richardson-extrapolated central differences with an error estimate per entry;
        # an absolute target well below any real mistake, since entries are in [-1/4, 1/4].
        res = jacobian(_softmax_columns, logits.T, tolerances={"atol": 1e-12, "rtol": 1e-9})
        numeric = np.moveaxis(res.df, -1, 0)
        estimate = np.moveaxis(res.error, -1, 0)
        note({"analytic Jacobians": analytic, "scipy": numeric, "scipy error": estimate})
        assert res.success.all(), "scipy.differentiate.jacobian did not converge"
        excess = np.abs(analytic - numeric) - (4 * estimate + 1e-12)
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(excess), excess.shape))
        assert excess[worst] <= 0, (
            f"Jacobian of sample {worst[0]}, entry {worst[1:]}: analytic "
            f"{float(analytic[worst])!r}, numeric {float(numeric[worst])!r} "
            f"+- {float(estimate[worst]):.1e}"
        )

    return prop


def test_softmax_jacobian_loop_equals_scipy_numeric_jacobian():
    """Oracle: ``scipy.differentiate.jacobian`` (Richardson extrapolation, own error bound).

    Proves that every per-sample Jacobian the document's loop builds,
    ``diagflat(p) - p p^T``, is the derivative of softmax, entry by entry, within SciPy's
    own error estimate; independent of gradcheck's finite differences.
    """
    jacobian_matches_scipy(Activation_Softmax, "backward_jacobian")()


def test_softmax_vectorized_backward_equals_scipy_numeric_jacobian():
    """Oracle: as above, for the vectorized ``backward``: its Jacobian is softmax's."""
    jacobian_matches_scipy(Activation_Softmax, "backward")()


def test_jacobian_check_rejects_a_loop_without_the_outer_product():
    with pytest.raises(AssertionError, match="Jacobian of sample"):
        NO_SHRINK(jacobian_matches_scipy(SoftmaxLoopWithoutOuterProduct,
                                         "backward_jacobian"))()


# ----------------------------------------------------------------------------- loop == vectorized
def loop_equals_vectorized(softmax_class):
    @given(gs.logit_batches(), st.data())
    def prop(logits, data):
        n, c = logits.shape
        dvalues = data.draw(gs.input_batches(n_samples=n, n_features=c), label="dvalues")
        softmax = softmax_class()
        softmax.forward(logits)
        softmax.backward_jacobian(dvalues)
        loop = softmax.dinputs.copy()
        softmax.backward(dvalues)
        note({"loop": loop, "vectorized": softmax.dinputs})
        # Same sums in a different order: equal to rounding of the largest term.
        scale = np.abs(dvalues).max(axis=1, keepdims=True)
        gap = np.abs(softmax.dinputs - loop)
        assert (gap <= 1e-14 * scale).all(), f"largest gap {gap.max():.3e}"

    return prop


def test_softmax_loop_backward_equals_vectorized_backward():
    """Oracle: the document's per-sample Jacobian loop (``backward_jacobian``).

    Proves that ``p * (d - sum(d * p))`` is the same Jacobian-vector product as the
    book's ``diagflat(p) - p p^T`` times ``d``, for every drawn batch and ``dvalues``
    (exact zeros, ties, saturated rows, one class, one sample included).
    """
    loop_equals_vectorized(Activation_Softmax)()


def test_loop_equals_vectorized_check_rejects_a_backward_summing_over_the_batch():
    with pytest.raises(AssertionError):
        NO_SHRINK(loop_equals_vectorized(SoftmaxSummingOverTheBatch))()
