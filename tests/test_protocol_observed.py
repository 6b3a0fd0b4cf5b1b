"""The pieces of observation: roles, name tie-breaks, packing of several inputs."""

from __future__ import annotations

import numpy as np
import pytest
from zoo_observed import spellings, tutorials

from gradcheck.protocol import names
from gradcheck.protocol.packing import Packing
from gradcheck.protocol.roles import roles_of


@pytest.mark.parametrize(("found", "expected", "slip"), [
    ("dinput", "dinputs", True), ("dweight", "dweights", True), ("dbias", "dbiases", True),
    ("dinputs", "dinputs", False), ("dW", "dx", False), ("dgamma", "dbeta", False),
])
def test_a_name_in_the_other_number_is_a_slip_and_nothing_else_is(found, expected, slip):
    assert names.number_slip(found, expected) is slip


@pytest.mark.parametrize(("name", "stem", "says"), [
    ("dLdGamma", "gamma", True), ("grad_weight", "weight", True), ("dLdW", "W", True),
    ("dinputs", "t", False), ("dLdBeta", "gamma", False), ("weight", "weights", False),
])
def test_a_name_says_whose_gradient_it_is_only_when_it_does(name, stem, says):
    assert names.names_gradient_of(name, stem) is says


def test_roles_follow_the_book_first_then_other_spellings():
    assert roles_of(spellings.DenseSingular()).book
    fc = roles_of(tutorials.FCLayer())
    assert (fc.forward, fc.backward, fc.learning_rate) == (
        "forward_propagation", "backward_propagation", True)
    linear = roles_of(tutorials.Linear())
    assert (linear.forward, linear.backward) == ("forward", "backprop")
    assert roles_of(spellings.DenseAccumulates()).reset == "flush_gradients"
    assert roles_of(spellings.DenseSingular()).reset is None


def test_packing_puts_inputs_side_by_side_and_back():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 4))
    packing = Packing.of([a, b], names=["a", "b"])
    x = packing.pack([a, b])
    assert x.shape == (5, 10)
    back = packing.unpack(x)
    assert np.array_equal(back[0], a) and np.array_equal(back[1], b)
    assert packing.fits((a, b)) and not packing.fits((b, a))
