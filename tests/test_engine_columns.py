"""Parameters screened by stacking copies side by side along the output's columns.

A dense layer's output column depends on its own parameter column alone, so one forward
call with the parameters tiled ``K`` times evaluates ``K * n_out`` perturbed elements. The
checker must verify that before relying on it, and a layer that breaks it (or fools the
probes) must still get the right verdict, only more slowly.
"""

from __future__ import annotations

import numpy as np
import pytest
import zoo.dense as zd

from gradcheck import check_layer
from nnfs_core import Layer_Dense

RNG = np.random.default_rng(7)
X = RNG.normal(size=(32, 16))


def dense(cls=Layer_Dense, n_in=16, n_out=8, **kwargs):
    layer = cls(n_in, n_out, **kwargs)
    layer.weights = np.random.default_rng(1).normal(size=(n_in, n_out))
    layer.biases = np.random.default_rng(2).normal(size=(1, n_out))
    return layer


def failing(report, name):
    assert not report.ok
    return next(g for g in report.gradients if g.name == name and g.status == "failed")


def test_dense_parameters_take_a_few_stacked_calls_instead_of_one_per_element():
    report = check_layer(dense(), X)
    assert report.ok
    # 16 * 8 + 8 = 136 parameter elements; one call each would be over 136 calls
    assert report.evaluations < 25


@pytest.mark.parametrize("where", [(0, 0), (7, 3), (15, 7)])
def test_one_wrong_dweights_element_is_still_located_when_stacked(where):
    class OneElementOff(Layer_Dense):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dweights[where] *= 1 + 1e-4

    result = failing(check_layer(dense(OneElementOff), X, raise_on_failure=False), "dweights")
    assert result.index == where and result.failed == 1


def test_regularized_dense_is_stacked_and_its_missing_factor_2_caught():
    ok = check_layer(dense(zd.Layer_Dense, weight_regularizer_l2=0.1,
                           bias_regularizer_l1=0.05), X)
    assert ok.ok and ok.evaluations < 25
    bad = check_layer(dense(zd.Dense_L2MissingFactor2, weight_regularizer_l2=0.1), X,
                      raise_on_failure=False)
    assert failing(bad, "dweights").failed == 16 * 8


class CenteredDense(Layer_Dense):
    """Output centred across its columns: every column depends on every parameter column."""

    def forward(self, inputs):
        super().forward(inputs)
        self.output = self.output - self.output.mean(axis=1, keepdims=True)

    def backward(self, dvalues):
        super().backward(dvalues - dvalues.mean(axis=1, keepdims=True))


class CenteredDenseForgetsTheCentring(CenteredDense):
    def backward(self, dvalues):
        Layer_Dense.backward(self, dvalues)


def test_columns_that_interact_are_not_stacked_and_are_judged_right():
    report = check_layer(dense(CenteredDense), X)
    assert report.ok
    assert report.evaluations > 16 * 8  # one call per parameter element
    bad = check_layer(dense(CenteredDenseForgetsTheCentring), X, raise_on_failure=False)
    assert failing(bad, "dweights") and failing(bad, "dinputs")


class SizedDense(Layer_Dense):
    """Allocates its output from a stored size: tiled parameters do not fit."""

    def __init__(self, n_inputs, n_neurons):
        super().__init__(n_inputs, n_neurons)
        self.n_neurons = n_neurons

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.zeros((len(inputs), self.n_neurons))
        self.output += np.dot(inputs, self.weights[:, : self.n_neurons]) + self.biases[
            :, : self.n_neurons
        ]


class SizedDenseTransposedDweights(SizedDense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights = self.dweights[::-1]


def test_a_layer_that_cannot_take_tiled_parameters_falls_back_to_one_call_per_element():
    report = check_layer(dense(SizedDense), X)
    assert report.ok and report.evaluations > 16 * 8
    bad = check_layer(dense(SizedDenseTransposedDweights), X, raise_on_failure=False)
    assert failing(bad, "dweights").failed > 0


class WideDense(Layer_Dense):
    """Passes the probes (two copies side by side) but not wider stacks: scales by 1.5.

    A pathological layer: its backward is right for the output it computes at its own
    width, and stacking must not change that verdict (only cost time).
    """

    def __init__(self, n_inputs, n_neurons):
        super().__init__(n_inputs, n_neurons)
        self.n_out = n_neurons

    def forward(self, inputs):
        super().forward(inputs)
        if self.weights.shape[1] > 2 * self.n_out:
            self.output = self.output * 1.5


class WideDenseSignFlippedDbiases(WideDense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = -self.dbiases


def test_stacking_that_fools_the_probes_costs_time_but_never_a_verdict():
    report = check_layer(dense(WideDense), X)
    assert report.ok
    assert report.evaluations > 16 * 8  # every screened element was judged again alone
    bad = check_layer(dense(WideDenseSignFlippedDbiases), X, raise_on_failure=False)
    assert failing(bad, "dbiases").failed == 8
    assert all(g.status == "passed" for g in bad.gradients if g.name != "dbiases")
