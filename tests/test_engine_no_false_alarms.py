"""No false alarms: kinks, float32, nnfs.init(), dropout, training flags, regularizers,
noise. Each acceptance has a broken twin that the same check rejects."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from zoo import activations, dense

from gradcheck import GradcheckWarning, check_layer, check_loss
from nnfs_core import Layer_Dense

RNG = np.random.default_rng(11)
X = RNG.standard_normal((6, 4))
X[0, 1] = X[2, 3] = X[5, 0] = 0.0  # exact zeros, as Hypothesis draws them


ReLU_LessEqual = activations.Activation_ReLU  # the book's mask: inputs <= 0
ReLU_Less = activations.ReLU_StrictMask  # inputs < 0: subgradient 1 at zero


class ReLU_HalfAtZero(ReLU_LessEqual):
    def backward(self, dvalues):
        self.dinputs = dvalues * np.where(self.inputs > 0, 1.0, np.where(self.inputs < 0, 0, 0.5))


ReLU_WrongMask = activations.ReLU_MaskInverted


class ReLU_DoubledAtZero(ReLU_LessEqual):
    """Outside the subgradient interval [0, dv] at zero: a wrong value at the kink."""

    def backward(self, dvalues):
        self.dinputs = dvalues * np.where(self.inputs > 0, 1.0, np.where(self.inputs < 0, 0, 2.0))


class Abs:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.abs(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * np.sign(self.inputs)


@pytest.mark.parametrize("cls", [ReLU_LessEqual, ReLU_Less])
def test_a_one_sided_derivative_at_a_kink_is_accepted_and_counted(cls):
    report = check_layer(cls(), X)
    assert report.ok
    assert report.gradients[0].kinks == 3
    assert any("kink" in note for note in report.notes)


@pytest.mark.parametrize("cls", [ReLU_HalfAtZero, Abs])
def test_the_central_subgradient_at_a_kink_is_accepted(cls):
    # dv/2 for ReLU and 0 for |x| equal the central difference: no kink to excuse
    assert check_layer(cls(), X).ok


@pytest.mark.parametrize("cls", [ReLU_WrongMask, ReLU_DoubledAtZero])
def test_a_wrong_value_at_or_away_from_the_kink_is_rejected(cls):
    report = check_layer(cls(), X, raise_on_failure=False)
    assert report.status == "failed"
    assert report.gradients[0].status == "failed"


NEAR_KINK = np.array([[-5e-6, 1.0, -2e-6, 4e-6], [3e-6, -1e-6, 0.0, -5.5e-6],
                      [-3e-6, 2e-7, -0.5, 5e-6]])  # within one step (6e-6) of ReLU's kink


@pytest.mark.parametrize("cls", [ReLU_LessEqual, ReLU_Less])
def test_inputs_within_a_step_of_the_kink_are_decided_not_inconclusive(cls):
    # the steps that straddle the kink disagree with those that do not: smaller steps
    # decide (they used to leave these elements inconclusive)
    report = check_layer(cls(), NEAR_KINK)
    assert report.ok and report.gradients[0].inconclusive == 0


class ReLU_WrongJustBelowTheKink(ReLU_LessEqual):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dinputs[0, 0] = 0.3 * dvalues[0, 0]  # at x = -5e-6 the derivative is 0


def test_a_wrong_value_within_a_step_of_the_kink_is_rejected():
    report = check_layer(ReLU_WrongJustBelowTheKink(), NEAR_KINK, raise_on_failure=False)
    assert report.status == "failed"
    assert report.gradients[0].failed == 1 and report.gradients[0].index == (0, 0)


def cancelling_dense(cls=Layer_Dense):
    """One output that is a difference of much larger terms (5 * 0.6 - 3 * 0.99997 = 1e-4).

    Its rounding error (~eps * 6) swamps the effect of a tiny weight (1e-12) times a
    step (6e-6): the numeric derivative of that input is 0, the analytic one -1e-11.
    """
    layer = cls(3, 2)
    layer.weights = np.array([[1e-12, -2.0], [0.6, 1.0], [-(3.0 - 1e-4) / 3.0, 0.5]])
    layer.biases = np.zeros((1, 2))
    x = np.array([[0.0, 5.0, 3.0], [0.5, 1.0, -2.0]])
    dvalues = np.array([[-10.0, 0.0], [1.0, 3.0]])
    return layer, x, dvalues


def test_a_gradient_below_the_rounding_of_a_cancelling_sum_is_not_a_failure():
    layer, x, dvalues = cancelling_dense()
    report = check_layer(layer, x, dvalues=dvalues)
    assert report.ok, str(report)


class DenseDinputsOffByOnePerMille(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dinputs[0, 1] *= 1.001


def test_the_cancelling_sum_still_shows_a_wrong_element_of_a_thousandth():
    layer, x, dvalues = cancelling_dense(DenseDinputsOffByOnePerMille)
    report = check_layer(layer, x, dvalues=dvalues, raise_on_failure=False)
    assert report.status == "failed" and report.gradients[0].index == (0, 1)


class Dense32(Layer_Dense):
    """Parameters and arithmetic in float32, as under nnfs.init()."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs.astype(np.float32), self.weights.astype(np.float32))
        self.output = self.output + self.biases.astype(np.float32)


class Dense32Bug(Dense32):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = self.dbiases * 1.01


def test_float32_forced_inside_forward_is_checked_with_float32_tolerances():
    layer = Dense32(4, 3, rng=np.random.default_rng(0))
    layer.weights = layer.weights.astype(np.float32)
    report = check_layer(layer, X)
    assert report.ok and report.dtype == "float32"
    assert any("float32" in n for n in report.notes)
    assert layer.weights.dtype == np.float32  # restored
    bad = Dense32Bug(4, 3, rng=np.random.default_rng(0))
    assert check_layer(bad, X, raise_on_failure=False).gradients[2].status == "failed"


class CastsInput32:
    """Casts only its input to float32: float64 arithmetic on a float32-rounded input."""

    def __init__(self, weights):
        self.W, self.b = weights, np.zeros(weights.shape[1], dtype=np.float32)

    def forward(self, x):
        self.x = x.astype(np.float32)
        return self.x @ self.W + self.b

    def backward(self, grad):
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0)
        return grad @ self.W.T


class CastsInput32Bug(CastsInput32):
    def backward(self, grad):
        return super().backward(grad) * 1.01


# a big element beside small ones (only the small ones' tiny steps survive float32's
# rounding), all zeros (float32 holds any step there, to 6e-8 of it), and mixed sizes
CAST_INPUTS = [(np.array([[-4.35425879e-04], [-2.95472807e-01], [-1.02560458e+00]]),
                np.array([[-0.02465728]], dtype=np.float32)),
               (np.zeros((1, 3)), np.array([[0.3], [-1.2], [0.5]], dtype=np.float32)),
               (np.array([[1e-3, -2.0, 0.7], [0.0, 3.5, -1e-5]]),
                np.array([[0.3, 1.1], [-1.2, 0.2], [0.5, -0.4]], dtype=np.float32))]


@pytest.mark.parametrize("x, weights", CAST_INPUTS, ids=["big-beside-small", "zeros", "mixed"])
def test_a_forward_casting_its_input_to_float32_is_judged_in_float32(x, weights):
    report = check_layer(CastsInput32(weights), x, raise_on_failure=False)
    assert report.ok and report.dtype == "float32", str(report)
    bad = check_layer(CastsInput32Bug(weights), x, raise_on_failure=False)
    assert [g.status for g in bad.gradients][0] == "failed", str(bad)


NNFS_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import nnfs
    nnfs.init()                      # float32 np.dot, np.zeros, np.random.randn
    from gradcheck import check_layer

    class Layer_Dense:
        def __init__(self, n_inputs, n_neurons):
            self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
            self.biases = np.zeros((1, n_neurons))
        def forward(self, inputs):
            self.inputs = inputs
            self.output = np.dot(inputs, self.weights) + self.biases
        def backward(self, dvalues):
            self.dweights = np.dot(self.inputs.T, dvalues)
            self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
            self.dinputs = np.dot(dvalues, self.weights.T)

    class Layer_Dense_Bug(Layer_Dense):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dweights = self.dweights * (1 + 1e-4)   # a 0.01% error

    x = np.random.randn(8, 5)
    good = check_layer(Layer_Dense(5, 3), x, raise_on_failure=False)
    bad = check_layer(Layer_Dense_Bug(5, 3), x, raise_on_failure=False)
    patched = np.dot(np.ones((1, 1)), np.ones((1, 1))).dtype
    print(good.status, bad.status, good.dtype, patched, len(good.notes))
    """
)


def test_code_that_ran_nnfs_init_is_checked_in_float64_and_small_bugs_still_show():
    run = subprocess.run(
        [sys.executable, "-c", NNFS_SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    good, bad, dtype, patched, notes = run.stdout.split()
    assert (good, bad, dtype) == ("passed", "failed", "float64")
    assert patched == "float32"  # nnfs.init()'s patch is back in place after the check
    assert int(notes) >= 1


Layer_Dropout = activations.Layer_Dropout  # the book's: np.random mask in every forward
Dropout_FreshMask = activations.Dropout_FreshMask  # a second, fresh mask in backward


def test_dropout_is_checked_with_the_random_state_pinned():
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    report = check_layer(Layer_Dropout(0.4), X)
    assert report.ok and any("pinned" in n for n in report.notes)
    assert any("forward(inputs, True)" in n for n in report.notes)
    assert np.array_equal(np.random.get_state()[1], state)
    assert not check_layer(Dropout_FreshMask(0.4), X, raise_on_failure=False).ok


def regularized(cls=dense.Layer_Dense, l1=0.0, l2=0.0, b_l1=0.0, b_l2=0.0):
    """The book's ch. 14 dense layer, with a weight and a bias at exactly 0 (L1 kinks)."""
    layer = cls(4, 3, l1, l2, b_l1, b_l2)
    layer.weights = 0.5 * np.random.default_rng(5).standard_normal((4, 3))
    layer.weights[0, 0] = 0.0
    layer.biases = np.array([[0.5, -0.25, 0.0]])
    return layer


def test_book_regularizers_are_part_of_the_objective():
    report = check_layer(regularized(l1=0.01, l2=0.05, b_l1=0.02, b_l2=0.03), X)
    assert report.ok
    assert any("regularization" in n for n in report.notes)
    assert sum(g.kinks for g in report.gradients) >= 1  # w = 0 and b = 0 under L1
    bad = check_layer(regularized(dense.Dense_L2MissingFactor2, l2=0.05), X, raise_on_failure=False)
    assert bad.gradients[1].status == "failed"
    assert "regularization" in bad.gradients[1].diagnosis


class Log:
    """log(x) on inputs a hair above 0: every finite-difference step leaves the domain."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.log(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues / self.inputs


class Log_WrongPower(Log):
    def backward(self, dvalues):
        self.dinputs = dvalues / self.inputs**2


def test_points_where_differences_cannot_be_formed_are_inconclusive_not_pass_or_fail():
    tiny = np.full((2, 3), 1e-12)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check_layer(Log(), tiny)  # no GradientError: not a failure
    assert report.status == "inconclusive" and not report.ok
    assert report.gradients[0].inconclusive == 6
    assert any(issubclass(w.category, GradcheckWarning) for w in caught)
    # the same check decides where it can: a correct log passes, a wrong one fails
    assert check_layer(Log(), np.abs(X) + 0.5).ok
    assert check_layer(Log_WrongPower(), np.abs(X) + 0.5, raise_on_failure=False).status == "failed"


class ForwardReturns:
    def forward(self, inputs):
        self.inputs = inputs
        return np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - np.tanh(self.inputs) ** 2)


def test_a_forward_that_returns_its_output_is_understood():
    report = check_layer(ForwardReturns(), X)
    assert report.ok and any("returns its output" in n for n in report.notes)


class SaturatedSigmoid:
    def forward(self, inputs):
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


def test_saturated_and_large_values_do_not_cry_wolf():
    big = np.array([[-40.0, -5.0, 0.0, 5.0, 40.0], [700.0, -700.0, 1e-9, -1e-9, 3.0]])
    assert check_layer(SaturatedSigmoid(), big).ok
    logits = np.array([[300.0, -300.0, 299.999], [0.0, 0.0, 0.0], [17.0, 0.0, -17.0]])
    from nnfs_core import Activation_Softmax_Loss_CategoricalCrossentropy as Fused

    assert check_loss(Fused(), logits, np.array([0, 2, 0])).ok
