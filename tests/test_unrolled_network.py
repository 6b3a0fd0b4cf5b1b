"""Weights unrolled into one vector, the Coursera exercises' ``nnCostFunction``.

Zoo ``tests/zoo_observed/unrolled_network.py`` (our own code): the cost passes and its
twin (the bias column regularized in the gradient) fails; ``sigmoidGradient`` is found
as the derivative of ``sigmoid`` (case and underscores set aside around the base), and
its twin fails. Before: "no value is known for its argument 'nn_params'", and the
camel-case derivative was not found.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from zoo_observed import unrolled_network as zoo

from gradcheck.protocol.derivative import derivative_of
from gradcheck.targets.returning import gradient_functions, roles, unrolled_length


@pytest.mark.usefixtures("no_shrinking")
def test_each_passes_and_its_twin_fails_through_the_command(cli_results):
    code, results = cli_results(Path(zoo.__file__), "--examples", "4")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "nnCostFunction": "passed", "nnCostFunction_BiasRegularized": "failed",
        "sigmoidGradient": "passed", "logisticGradient": "failed",
        "softmaxCost": "passed", "softmaxCost_Summed": "failed"}
    variant = results["nnCostFunction"]["checks"][0]["variant"]
    assert "nn_params (L,) every weight unrolled" in variant
    assert "hidden_layer_size = H" in variant
    assert results["softmaxCost"]["checks"][0]["variant"].endswith("num_labels = C")


def test_the_roles_and_the_length_are_observed():
    named, why = roles(zoo.nnCostFunction)
    assert why == "" and named == {
        "nn_params": "unrolled", "input_layer_size": "size D", "hidden_layer_size": "size H",
        "num_labels": "size C", "X": "data", "y": "labels", "lambda_": "reg"}
    X, y = np.ones((3, 4)), np.array([0, 1, 2])
    # D=4, H=2, C=3: 2 * (4 + 1) + 3 * (2 + 1) weights
    assert unrolled_length(zoo.nnCostFunction, [None, 4, 2, 3, X, y], 0) == 19
    assert unrolled_length(lambda p, x: (0.0, p * 0), [None, X], 0) == 1
    assert unrolled_length(lambda p, x: 0.0, [None, X], 0) is None


def test_an_expression_returned_beside_the_loss_of_a_cost_is_a_gradient():
    functions = {"nnCostFunction": zoo.nnCostFunction, "sigmoid": zoo.sigmoid}
    assert gradient_functions(zoo, functions, set()) == ["nnCostFunction"]

    def helper_returning_pair(p, x):  # not named as a loss: not a candidate
        return float(np.sum(p)), np.concatenate([p, x])

    assert gradient_functions(zoo, {"helper_returning_pair": helper_returning_pair},
                              set()) == []


def test_camel_case_derivatives():
    assert derivative_of("sigmoidGradient", {"sigmoid"}) == "sigmoid"
    assert derivative_of("reluDerivative", {"relu"}) == "relu"
    assert derivative_of("sigmoidGradient", {"relu"}) is None
    assert derivative_of("Dense", {"ense"}) is None  # (no one-letter prefix read loosely)
