"""Layers set up with ``initialize(optimizer)``; activations looked up by name in a dict.

Zoo ``tests/zoo_observed/held_optimizer.py`` (our own code). Before: the dense layers
were errors (weights None until initialize), ``Activation(name)`` was built with
``name='layer'`` (KeyError), and a branch variant of a layer taking a training flag was
reported "passed" without being checked.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from zoo_observed import held_optimizer as zoo

from gradcheck.protocol.roles import HELD_RATE, HeldOptimizer
from gradcheck.protocol.source import binds_method_results
from gradcheck.targets.building import initializer
from gradcheck.targets.searching import looked_up_keys


@pytest.mark.usefixtures("no_shrinking")
def test_each_passes_and_its_twin_fails_through_the_command(cli_results):
    code, results = cli_results(Path(zoo.__file__), "--examples", "4")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "Dense": "passed", "Dense_GradientAfterUpdate": "failed",
        "Scale": "passed", "Scale_BatchMean": "failed",
        "Activation": "passed", "Activation_TwinTable": "failed",
        "Sigmoid.gradient": "passed", "Softsign.gradient": "passed",
        "Softsign_SquareMissing.gradient": "failed"}
    assert "already updated" in results["Dense_GradientAfterUpdate"]["message"]
    variants = [c["variant"] for c in results["Activation_TwinTable"]["checks"]]
    assert any(v.startswith("name='softsign'") for v in variants)


def test_the_held_optimizer_reads_the_rate_set_on_the_layer():
    layer = zoo.Dense(2, input_shape=(3,))
    layer.__dict__[HELD_RATE] = 0.5
    optimizer = copy.copy(HeldOptimizer(layer, returns_new=True))
    w = np.ones(2)
    assert np.array_equal(optimizer.update(w, np.ones(2)), np.full(2, 0.5))
    assert np.array_equal(w, np.ones(2))  # a new array: the old one stays
    in_place = HeldOptimizer(layer)
    in_place.step(w, np.ones(2))
    assert np.array_equal(w, np.full(2, 0.5)) and in_place.lr == 0.5


def test_what_is_read_from_the_source():
    assert initializer(zoo.Dense) == "initialize"
    assert initializer(zoo.Activation) is None
    assert binds_method_results(zoo.Dense.backward_pass)
    assert not binds_method_results(zoo.Scale.backward_pass)
    assert looked_up_keys(zoo.Activation) == {"name": ["sigmoid", "softsign"]}
    assert looked_up_keys(zoo.Dense) == {}


KERAS_LIKE = '''
import numpy as np


class Dense:
    """Keras' way: build(input_shape) makes the weights once the input is known."""

    def __init__(self, units):
        self.units = units

    def build(self, input_shape):
        rng = np.random.default_rng(0)
        self.kernel = rng.normal(0, 0.5, (input_shape[-1], self.units))
        self.bias = np.zeros(self.units)

    def forward(self, inputs):
        self.inputs = inputs
        return inputs @ self.kernel + self.bias

    def backward(self, grad):
        self.kernel_grad = self.inputs.T @ grad
        self.bias_grad = grad.sum(axis=0)
        return grad @ self.kernel.T


class Dense_KernelGradTransposed(Dense):
    def backward(self, grad):
        self.kernel_grad = (grad.T @ self.inputs).T * 0.5
        self.bias_grad = grad.sum(axis=0)
        return grad @ self.kernel.T
'''


@pytest.mark.usefixtures("no_shrinking")
def test_a_layer_built_for_its_input_shape(cli_results, tmp_path):
    """Before: "Dense.forward raised AttributeError: no attribute 'kernel'" (an error)."""
    (tmp_path / "keras_like.py").write_text(KERAS_LIKE)
    code, results = cli_results("keras_like.py", "--examples", "4")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "Dense": "passed", "Dense_KernelGradTransposed": "failed"}


BRANCHED = '''
import numpy as np


class Dense:
    def __init__(self, units, activation=None):
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        rng = np.random.default_rng(0)
        self.kernel = rng.normal(0, 0.5, (input_shape[-1], self.units))
        self.bias = np.zeros(self.units)

    def forward(self, inputs):
        self.inputs = inputs
        z = inputs @ self.kernel + self.bias
        if self.activation == "tanh":
            self.out = np.tanh(z)
        else:
            self.out = z
        return self.out

    def backward(self, grad):
        if self.activation == "tanh":
            grad = grad * (1 - self.out ** 2)
        self.kernel_grad = self.inputs.T @ grad
        self.bias_grad = grad.sum(axis=0)
        return grad @ self.kernel.T
'''

BRANCHED_BAD = BRANCHED.replace("(1 - self.out ** 2)", "(1 - self.out)")


@pytest.mark.usefixtures("no_shrinking")
@pytest.mark.parametrize(("text", "status"), [(BRANCHED, "passed"), (BRANCHED_BAD, "failed")])
def test_a_branch_of_a_layer_built_for_its_input_shape(cli_results, tmp_path, text, status):
    """Its activation='tanh' variant is built for its input too (before: an error row)."""
    (tmp_path / "branched.py").write_text(text)
    _, results = cli_results("branched.py", "--examples", "3")
    result = results["Dense"]
    assert result["status"] == status
    assert len(result["checks"]) == (1 if status == "passed" else 2)


@pytest.mark.usefixtures("no_shrinking")
def test_more_examples_find_no_false_alarm(cli_results):
    """At 20 and more examples two correct layers failed before: a gain read from an
    in-place update on tiny inputs (1.2e-14 > 3.1e-17: the update's own rounding was not
    in the tolerance), and a dense layer whose optimizer binds ``w - 0.0 * g`` anew at
    rate 0 ("backward modified self.w0": -0.0 had become 0.0)."""
    _, found = cli_results(Path(zoo.__file__), "--examples", "30")
    results = {n: r["status"] for n, r in found.items()}
    assert results["Dense"] == results["Scale"] == "passed"
    assert results["Dense_GradientAfterUpdate"] == results["Scale_BatchMean"] == "failed"
