"""The protocol observed: gradients found where the code puts them, each class with a twin.

``tests/zoo_observed`` holds correct classes that deliver their gradients in other ways
than the book (singular names, returned tuples, dicts under other keys, accumulation until
the class's own reset, an update inside ``backward(grad, learning_rate)``, other method
names) and a buggy twin of each. Through ``check_layer`` and through ``gradcheck FILE``
with no configuration, every correct class passes and every twin fails, naming the bug.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import zoo_observed
from zoo_observed import percall, rounding, several, spellings, state, tutorials

from gradcheck import check_layer
from gradcheck.cli import main


def _run(entry):
    return check_layer(entry.factory(), *entry.data(), raise_on_failure=False, **entry.options)


def _names(report, expect: str) -> bool:
    bad = [g for g in report.gradients if g.status in ("failed", "missing")]
    if any(g.name.lower() == expect.lower() for g in bad):
        return True
    text = " ".join([*report.problems, *(g.describe() for g in bad)]).lower()
    return re.search(r"(?<![a-z_])" + re.escape(expect.lower()), text) is not None


@pytest.mark.parametrize("entry", [e for e in zoo_observed.ENTRIES if not e.buggy],
                         ids=lambda e: e.name)
def test_a_correct_class_passes(entry):
    report = _run(entry)
    assert report.ok, str(report)


@pytest.mark.parametrize("entry", [e for e in zoo_observed.ENTRIES if e.buggy],
                         ids=lambda e: e.name)
def test_its_buggy_twin_fails_naming_the_bug(entry):
    report = _run(entry)
    assert not report.ok, str(report)
    assert _names(report, entry.expect), str(report)


@pytest.mark.parametrize(("entry", "found"), [
    ("returns_tuple", "returned[0] for inputs, returned[1] for W, returned[2] for b"),
    ("grad_dict", "gradients['dLdX'] for inputs, gradients['dLdGamma'] for gamma, "
                  "gradients['dLdBeta'] for beta"),
    ("other_names", "delta_in for inputs, g['weight'] for weights, g['bias'] for biases"),
])
def test_the_report_says_where_each_gradient_was_found(entry, found):
    report = _run(zoo_observed.BY_NAME[f"observed/{entry}"])
    assert f"where the gradients were found: {found}" in report.notes


def test_the_report_names_the_methods_the_update_and_the_reset():
    text = str(_run(zoo_observed.BY_NAME["observed/propagation"]))
    assert "forward is forward_propagation(), backward is backward_propagation()" in text
    assert "update of weights at learning_rate 0.001" in text
    assert "verified linear in the rate" in text
    text = str(_run(zoo_observed.BY_NAME["observed/accumulates"]))
    assert "flush_gradients(), the class's own gradient reset" in text


class _DecayNotScaledByTheRate(tutorials.Dense):
    def backward(self, output_gradient, learning_rate):
        input_gradient = output_gradient @ self.weights.T
        self.weights -= learning_rate * (self.input.T @ output_gradient) + 1e-4 * self.weights
        self.bias -= learning_rate * output_gradient.sum(axis=0, keepdims=True)
        return input_gradient


def test_an_update_that_is_not_linear_in_the_rate_is_said_so_and_not_read():
    x = np.random.default_rng(0).standard_normal((5, 3))
    report = check_layer(_DecayNotScaledByTheRate(), x, raise_on_failure=False)
    assert not report.ok
    assert any("not linear in the learning rate" in p for p in report.problems)
    # its twin, plain gradient descent, is read from the update and passes
    assert check_layer(tutorials.Dense(), x, raise_on_failure=False).ok


class _NoInputGradient:
    def __init__(self):
        self.weights = np.random.default_rng(3).standard_normal((3, 4))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues


class _WithInputGradient(_NoInputGradient):
    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dinputs = dvalues @ self.weights.T


def test_a_backward_giving_no_input_gradient_is_said_in_those_words():
    x = np.random.default_rng(0).standard_normal((5, 3))
    report = check_layer(_NoInputGradient(), x, raise_on_failure=False)
    missing = [g for g in report.gradients if g.status == "missing"]
    assert [g.name for g in missing] == ["dinputs"]
    assert "gives no input gradient at all" in missing[0].diagnosis
    assert "always the first of its network" in missing[0].diagnosis
    assert check_layer(_WithInputGradient(), x, raise_on_failure=False).ok


def test_a_singular_dinput_beside_plural_inputs_is_still_a_typo():
    class Relu:
        def forward(self, inputs):
            self.inputs = inputs
            self.output = np.maximum(0, inputs)

        def backward(self, dvalues):
            self.dinput = dvalues * (self.inputs > 0)

    x = np.random.default_rng(0).standard_normal((5, 3))
    report = check_layer(Relu(), x, raise_on_failure=False)
    assert "a typo for `dinputs`?" in report.gradients[0].diagnosis
    # the same line in a codebase that keeps self.input (singular) is its own spelling
    assert check_layer(spellings.ReLUSingular(), x, raise_on_failure=False).ok


def test_rounded_constants_are_diagnosed_as_such_never_as_an_indexing_slip():
    for seed in range(3):
        x = 2.0 * np.random.default_rng(seed).standard_normal((5, 3))
        report = check_layer(rounding.GELU_RoundedConstant(), x, raise_on_failure=False)
        diagnosis = report.gradients[0].diagnosis or ""
        assert "small relative error" in diagnosis and "indexing slip" not in diagnosis
        assert check_layer(rounding.GELU(), x, raise_on_failure=False).ok


def test_a_rounded_constant_whose_error_grows_with_x_is_never_an_indexing_slip():
    # 0.044715 as 0.0447: a relative error up to about 2e-4 where |x| is large, right to
    # rounding near 0, so that few elements fail (one, after shrinking)
    for seed in range(4):
        x = np.random.default_rng(seed).standard_normal((5, 2))
        report = check_layer(rounding.GELU_RoundedCubic(), x, raise_on_failure=False)
        diagnosis = report.gradients[0].diagnosis or ""
        assert not report.ok and "small relative error" in diagnosis, diagnosis
        assert "indexing slip" not in diagnosis
        assert check_layer(rounding.GELU(), x, raise_on_failure=False).ok
    one = np.array([[2.5]])
    diagnosis = check_layer(rounding.GELU_RoundedCubic(), one,
                            raise_on_failure=False).gradients[0].diagnosis or ""
    assert "indexing slip" not in diagnosis


@pytest.mark.parametrize("module", [spellings, tutorials, rounding, state, several, percall],
                         ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_the_cli_with_no_configuration_gives_the_same_verdicts(module, tmp_path, capsys,
                                                               monkeypatch, no_shrinking):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "out.json"
    main([module.__file__, "--examples", "5", "-q", "--json", str(path)])
    capsys.readouterr()
    results = {r["name"]: r["status"] for r in json.loads(path.read_text())["results"]}
    expected = {type(e.factory()).__name__: e.buggy for e in zoo_observed.ENTRIES
                if type(e.factory()).__module__ == module.__name__}
    if module is several:
        expected = {c.__name__: False for c, _, _ in SEVERAL}
        expected.update({b.__name__: True for _, b, _ in SEVERAL})
    wrong = {name: results.get(name) for name, buggy in expected.items()
             if results.get(name) != ("failed" if buggy else "passed")}
    assert not wrong, wrong


def _normal(*shapes):
    rng = np.random.default_rng(0)
    return tuple(rng.standard_normal(s) for s in shapes)


SEVERAL = [  # (correct class, buggy twin, inputs given as a tuple)
    (several.Multiply, several.Multiply_SwappedGradients, ((5, 3), (5, 3))),
    (several.AddList, several.AddList_Halved, ((5, 3), (5, 3), (5, 3))),
    (several.Attention, several.Attention_NoScaleInBackward, ((2, 3, 4), (2, 5, 4), (2, 5, 6))),
    (several.GatedCell, several.GatedCell_SecondGradientIgnored, ((5, 3), (5, 4))),
]


@pytest.mark.parametrize(("correct", "buggy", "shapes"), SEVERAL,
                         ids=[c.__name__ for c, _, _ in SEVERAL])
def test_several_inputs_and_outputs_each_class_with_its_twin(correct, buggy, shapes):
    report = check_layer(correct(), _normal(*shapes), raise_on_failure=False)
    assert report.ok, str(report)
    assert any(n.startswith(f"{len(shapes)} inputs") for n in report.notes)
    report = check_layer(buggy(), _normal(*shapes), raise_on_failure=False)
    assert not report.ok
    assert any(g.status == "failed" and g.name.startswith("d(") for g in report.gradients)


def test_a_tuple_output_gets_one_upstream_gradient_each():
    report = check_layer(several.GatedCell(), _normal((5, 3), (5, 4)))
    assert "forward returns 2 outputs: backward given one upstream gradient each" in report.notes


def test_a_carried_hidden_state_is_said_and_each_evaluation_starts_from_it():
    report = _run(zoo_observed.BY_NAME["observed/stateful_rnn"])
    assert report.ok
    assert any(n.startswith("forward carries state from call to call") for n in report.notes)
    # its twin, the same class with the tanh derivative missing, fails on numbers
    report = _run(zoo_observed.BY_NAME["observed/stateful_rnn_no_tanh"])
    assert not report.ok and any(n.startswith("forward carries state") for n in report.notes)
