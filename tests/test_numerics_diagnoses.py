"""Diagnoses speak only on unambiguous evidence; reports print the tolerance they used.

Each case of issue 17 where a diagnosis misled is checked not to recur, next to a twin
where the same diagnosis is earned by the evidence (so no test passes vacuously).
"""

from __future__ import annotations

import numpy as np
import zoo_numerics.smooth as zs

from gradcheck import check_layer
from gradcheck.engine.diagnose import diagnose

RNG = np.random.default_rng(7)


def message(layer, x):
    return check_layer(layer, x, raise_on_failure=False).message


def test_a_factor_is_not_claimed_from_inputs_all_at_zero():
    assert "factor 2" not in message(zs.Sigmoid_NoOutput(), np.zeros((3, 2)))
    assert "factor 2 too many" in message(zs.Tanh_Doubled(), RNG.normal(size=(5, 3)))


def test_the_batch_size_is_not_claimed_for_a_batch_of_two():
    text = message(zs.Tanh_Doubled(), RNG.normal(size=(2, 3)))
    assert "batch size" not in text and "factor 2 too many" in text
    numeric = RNG.normal(size=(4, 3))
    assert "batch size (4)" in diagnose(4 * numeric, numeric, np.ones((4, 3), bool), batch=4,
                                        at=RNG.normal(size=(4, 3)))


def test_rows_of_dweights_are_input_features_not_samples():
    numeric = RNG.normal(size=(3, 4))
    analytic = numeric.copy()
    analytic[-1] = 0.0
    wrong = np.zeros((3, 4), bool)
    wrong[-1] = True
    as_weights = diagnose(analytic, numeric, wrong, batch=5, name="dweights")
    assert "samples" not in as_weights and "input feature 2" in as_weights
    assert "over samples" in diagnose(analytic, numeric, wrong, batch=3, name="dinputs")


def test_a_column_that_merely_held_the_negative_inputs_is_named_by_the_sign():
    x = np.abs(RNG.normal(size=(4, 3)))
    x[:, 0] *= -1
    numeric = RNG.normal(size=(4, 3)) * (x > 0)
    analytic = numeric.copy()
    analytic[:, 0] = 1.0
    wrong = np.zeros((4, 3), bool)
    wrong[:, 0] = True
    text = diagnose(analytic, numeric, wrong, batch=4, at=x)
    assert "column" not in text and "negative" in text
    mixed = x.copy()
    mixed[1, 0] *= -1  # column 0 now holds both signs: the column is the evidence
    assert "column 0" in diagnose(analytic, numeric, wrong, batch=4, at=mixed)


def test_a_wrong_value_at_a_kink_is_never_called_an_indexing_slip():
    numeric = RNG.normal(size=(3, 4))
    analytic = numeric.copy()
    analytic[0, 2] *= 2
    wrong = np.zeros((3, 4), bool)
    wrong[0, 2] = True
    at_kink = diagnose(analytic, numeric, wrong, batch=3, kinks=wrong.copy())
    assert "indexing slip" not in at_kink and "non-differentiable" in at_kink
    assert "indexing slip" in diagnose(analytic, numeric, wrong, batch=3)


class _ReLU(zs.ReLU_WrongSide):
    def backward(self, dvalues):
        self.dinputs = dvalues * (self.inputs > 0)


class ReLUHalfAgainAtZero(zs.ReLU_WrongSide):
    def backward(self, dvalues):
        self.dinputs = dvalues * (self.inputs > 0) + 1.5 * dvalues * (self.inputs == 0)


def test_the_printed_tolerance_is_the_one_the_kink_verdict_used():
    x = RNG.normal(size=(3, 4))
    x[1, 1] = 0.0
    report = check_layer(ReLUHalfAgainAtZero(), x, raise_on_failure=False)
    (g,) = report.gradients
    assert g.status == "failed" and g.error > g.tolerance
    correct = check_layer(_ReLU(), x,
                          raise_on_failure=False)
    (ok,) = correct.gradients
    assert ok.status == "passed" and ok.kinks == 1 and ok.error <= ok.tolerance


class DenseBiasShape:
    def __init__(self):
        self.weights = RNG.normal(size=(3, 2))
        self.biases = np.zeros((1, 2))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0)
        self.dinputs = dvalues @ self.weights.T


def test_a_wrong_shape_is_described_without_nan_numbers():
    text = message(DenseBiasShape(), RNG.normal(size=(3, 3)))
    assert "keepdims" in text and "nan" not in text


class BackwardRaises(zs.Sigmoid):
    def backward(self, dvalues):
        raise RuntimeError("not written yet")


def test_an_error_reads_as_a_sentence():
    text = message(BackwardRaises(), RNG.normal(size=(2, 2)))
    assert "raised an error in the gradient check" in text
    assert "failed the gradient check" in message(zs.Sigmoid_NoOutput(), RNG.normal(size=(2, 2)))


def test_one_zero_element_is_not_called_a_gradient_never_computed():
    # a wrong ReLU mask or derivative shrunk to a single input gives one 0: no evidence
    one = diagnose(np.zeros((1, 1)), np.array([[-0.46]]), np.ones((1, 1), bool), batch=1)
    assert one is None or "never computed" not in one
    # twin: a whole gradient of zeros against a nonzero numeric one is named
    many = diagnose(np.zeros((4, 3)), np.arange(1.0, 13.0).reshape(4, 3),
                    np.ones((4, 3), bool), batch=4)
    assert "never computed from dvalues" in many


def test_one_wrong_element_where_the_input_alone_has_a_sign_names_the_sign():
    """A leaky ReLU's negative slope dropped, with one negative input: not just a slip."""
    x = np.array([[0.5, 1.0], [0.2, 2.0], [-0.7, 0.4], [1.5, 0.3]])
    numeric = np.where(x > 0, 1.0, 0.01)
    analytic = np.where(x > 0, 1.0, 0.0)
    text = diagnose(analytic, numeric, analytic != numeric, batch=4, at=x)
    assert text.startswith("only element (2, 0) is wrong, the only one where the input is "
                           "negative (< 0)")
    # its twin: the one wrong element is not where the input changes sign
    analytic = numeric.copy()
    analytic[1, 1] = 0.0
    text = diagnose(analytic, numeric, analytic != numeric, batch=4, at=x)
    assert text == "only element (1, 1) is wrong: an indexing slip?"
