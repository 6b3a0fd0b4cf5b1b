"""``backward(self, input, grad_output)`` with the update inside, at ``self.learning_rate``.

Judged through ``check_layer`` and through the command with no configuration (it said
"none of its classes has forward and backward methods"): the correct layers pass, each
twin fails, and the object's own learning rate is left as it was.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import check_layer
from gradcheck.cli import main
from gradcheck.protocol.roles import rate_attribute, roles_of, takes_inputs_first

sys.path.insert(0, str(Path(__file__).parent))
from zoo_observed import inputs_first as zoo  # noqa: E402

X = np.random.default_rng(2).normal(size=(5, 3))


def test_the_roles_say_input_first_and_where_the_rate_is():
    roles = roles_of(zoo.Dense)
    assert roles.inputs_first and roles.learning_rate
    assert roles.rate_attribute == "learning_rate"
    assert roles_of(zoo.ReLU).rate_attribute is None


def test_names_alone_do_not_make_an_input_first_backward():
    def backward(self, dvalues, y_true):
        return dvalues

    def assigns(self, dvalues):
        self.lr = 0.1  # assigned, not read: no setting
        return dvalues * self.lr

    class LeakyReLU:  # self.alpha scales the gradient: a slope, not a learning rate
        def __init__(self):
            self.alpha = 0.1

        def backward(self, dvalues):
            self.dinputs = dvalues.copy()
            self.dinputs[self.inputs <= 0] *= self.alpha

    assert not takes_inputs_first(backward)
    assert rate_attribute(assigns) is None
    assert rate_attribute(LeakyReLU.backward) is None
    assert rate_attribute(zoo.Dense.backward) == "learning_rate"


@pytest.mark.parametrize(("layer", "twins"), [
    (lambda: zoo.ReLU(), [lambda: zoo.ReLU_Bug()]),
    (lambda: zoo.Dense(3, 4), [lambda: zoo.Dense_Bug(3, 4), lambda: zoo.DenseMeanBias_Bug(3, 4)]),
])
def test_correct_layers_pass_and_their_twins_fail_through_check_layer(layer, twins):
    assert check_layer(layer(), X).status == "passed"
    for twin in twins:
        assert check_layer(twin(), X, raise_on_failure=False).status == "failed"


def test_the_learning_rate_and_weights_are_left_as_they_were():
    dense = zoo.Dense(3, 4, learning_rate=0.25)
    weights = dense.weights.copy()
    check_layer(dense, X)
    assert dense.learning_rate == 0.25
    assert np.array_equal(dense.weights, weights)


def test_through_the_command(tmp_path, capsys, monkeypatch, no_shrinking):
    monkeypatch.chdir(Path(zoo.__file__).parent)
    out = tmp_path / "report.json"
    code = main(["inputs_first.py", "--examples", "5", "-q", "--json", str(out)])
    capsys.readouterr()
    seen = {r["name"]: r["status"] for r in json.loads(out.read_text())["results"]}
    assert seen == {"ReLU": "passed", "ReLU_Bug": "failed", "Dense": "passed",
                    "Dense_Bug": "failed", "DenseMeanBias_Bug": "failed"}
    assert code == 1
