"""The tolerance of an element, kept by its parts and summed in one place.

``compare`` keeps each element's tolerance as a :class:`~gradcheck.engine.judged.Tolerance`
(rounding, argument, noise, analytic side, truncation, kink, joint test); the report's
tolerance is their sum, and ``gradcheck -v`` shows them for the worst element.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import numpy as np
import pytest
import zoo
import zoo_numerics

from gradcheck import check_layer, check_loss
from gradcheck.cli import main
from gradcheck.engine.judged import PARTS, Tolerance
from gradcheck.engine.numerics import Evaluators, Precision, Steps, compare
from gradcheck.report import GradientResult, Verdict


def _run(entry, **options):
    kwargs = {**entry.options, **options, "raise_on_failure": False}
    check = check_layer if entry.kind == "layer" else check_loss
    return check(entry.factory(), *entry.data(), **kwargs)


ENTRIES = ["dense/book", "relu/all_zeros", "numerics/max_every_tied",
           "numerics/gelu_tanh_saturated", "numerics/dense_relu_dense_at_zero",
           "cce/book[sparse]"]
BY_NAME = {**zoo.BY_NAME, **zoo_numerics.BY_NAME}


@pytest.mark.parametrize("name", ENTRIES)
@pytest.mark.parametrize("mode", ["exhaustive", "fast"])
def test_the_reported_tolerance_is_the_sum_of_its_parts(name, mode):
    report = _run(BY_NAME[name], mode=mode)
    compared = [g for g in report.gradients if g.tolerance == g.tolerance]
    assert compared, str(report)
    for g in compared:
        assert g.tolerance_parts is not None, g.name
        assert set(g.tolerance_parts) == set(PARTS)
        # summed in the one place, in the same order: bit for bit the tolerance
        assert Tolerance(**g.tolerance_parts).total() == g.tolerance, g.name
        assert g.explain_tolerance().startswith(f"tolerance {g.tolerance:.1e} = ")


def _relu_cubic(x):
    """Objective sum(relu(x) + x**3 / 3), with evaluators in compare's form."""

    def f(points):
        return (np.maximum(points, 0) + points**3 / 3).sum(axis=-1)

    def at(index, deltas):
        moved = np.repeat(x[None], len(index), axis=0)
        moved[np.arange(len(index)), index] += deltas
        return f(moved)

    def base(index):
        return np.full(len(index), f(x)), np.full(len(index), abs(f(x)))

    return at, base


def _compare(x, analytic, step):
    at, base = _relu_cubic(x)
    return compare(x, analytic, Evaluators(at, base), Steps(step, 1.0),
                   Precision(2.2e-16, 2.2e-16))


def test_each_level_keeps_the_parts_of_its_own_tolerance():
    x = np.array([0.0, 0.7, -0.4, 1.3])
    right = (x > 0) + x**2  # the derivative of relu(x) + x^3/3 (away from the kink)
    book = np.where(x == 0, 0.0, right)  # 0 at the kink: the book's subgradient
    # the kink's midpoint passes at the first level (the central difference is 1/2), the
    # book's 0 is judged a kink at the second level; at a large step, 1.6 at 0.7 is wrong
    first = _compare(x, np.where(x == 0, 0.5, right), 6e-6)
    kinked = _compare(x, book, 6e-6)
    wrong = _compare(x, np.where(x == 0.7, 1.6, book), 1e-3)
    assert list(first.verdict) == [Verdict.PASS] * 4
    assert list(kinked.verdict) == [Verdict.KINK] + [Verdict.PASS] * 3
    assert list(wrong.verdict) == [Verdict.KINK, Verdict.WRONG, Verdict.PASS, Verdict.PASS]
    for cmp in (first, kinked, wrong):
        for i in range(x.size):  # summed in the one place: bit for bit the tolerance
            assert Tolerance(**cmp.tolerance_parts(i)).total() == cmp.tolerance[i]
    passed, kink = first.tolerance_parts(0), kinked.tolerance_parts(0)
    # first level: the objective's rounding at s, the argument's, the analytic side's
    assert passed["rounding"] > 0 and passed["argument"] > 0 and passed["analytic"] > 0
    assert passed["truncation"] == passed["kink"] == 0
    # a kink: four one-sided quotients' rounding (4 times s's), no truncation estimate
    assert kink["rounding"] == 4 * passed["rounding"] and kink["truncation"] == 0
    # at a large step: the one-sided sides bend (the cubic) at the kink, and the
    # refined element's tolerance holds the truncation estimate |D(s) - D(s/2)|
    assert wrong.tolerance_parts(0)["kink"] > 0 and wrong.tolerance_parts(0)["truncation"] == 0
    assert wrong.tolerance_parts(1)["truncation"] > 0 and wrong.tolerance_parts(1)["kink"] == 0


def test_scaling_the_rounding_parts_by_a_power_of_two_keeps_the_sum_exact():
    rng = np.random.default_rng(3)
    parts = Tolerance(rounding=rng.random(1000) * 1e-9, argument=rng.random(1000) * 1e-12,
                      noise=rng.random(1000) * 1e-10)
    direct = (parts.rounding + parts.argument) + parts.noise

    def eager(factor):  # each part scaled, then summed (what the parts say)
        return (parts.rounding * factor + parts.argument * factor) + parts.noise * factor

    grow = 2.0 ** rng.integers(1, 12, 1000)  # (a level's per-element factors)
    for factor in (2.0, 64.0, 2.0 ** 9, grow):
        scaled = parts.scaled(factor)  # (the factor kept, applied when read)
        assert np.array_equal(scaled.total(), direct * factor)
        assert np.array_equal(scaled.total(), eager(factor))
        assert scaled.at(7) == {**dict.fromkeys(PARTS, 0.0),
                                "rounding": float(parts.rounding[7] * np.broadcast_to(
                                    factor, (1000,))[7]),
                                "argument": float(parts.argument[7] * np.broadcast_to(
                                    factor, (1000,))[7]),
                                "noise": float(parts.noise[7] * np.broadcast_to(
                                    factor, (1000,))[7])}
    # a factor that is not a power of two would not be exact: the property is real
    assert not np.array_equal(eager(3.0), direct * 3.0)


def test_put_writes_into_its_own_arrays_only():
    shared = np.ones(4)
    tol = Tolerance(rounding=shared, analytic=np.zeros(4)).copy()
    tol.put(np.array([1, 2]), Tolerance(truncation=np.array([5.0, 6.0]), rounding=7.0))
    assert np.array_equal(shared, np.ones(4))  # the array it was built from is untouched
    assert np.array_equal(tol.truncation, [0, 5, 6, 0])
    assert np.array_equal(tol.rounding, [1, 7, 7, 1])
    assert np.array_equal(tol.total(), [1, 12, 13, 1])


def test_explain_tolerance_lists_the_nonzero_parts_largest_first():
    g = GradientResult("dweights", "passed", error=1e-12, tolerance=3.1e-8,
                       tolerance_parts={**dict.fromkeys(PARTS, 0.0), "rounding": 2.0e-8,
                                        "truncation": 1.1e-8})
    assert g.explain_tolerance() == "tolerance 3.1e-08 = rounding 2.0e-08 + truncation 1.1e-08"
    assert GradientResult("dx", "passed", tolerance=1e-9).explain_tolerance() is None
    assert GradientResult("dx", "missing", diagnosis="no dx").explain_tolerance() is None


LAYERS = '''
import numpy as np

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
        self.dinputs = np.dot(dvalues, self.weights.T){bug}
'''


@pytest.mark.usefixtures("isolated_imports")  # the command loads layer.py in this process
@pytest.mark.parametrize("bug", ["", " * 1.01"])
def test_verbose_table_says_why_the_tolerance_has_its_size(tmp_path, monkeypatch, capsys, bug):
    (tmp_path / "layer.py").write_text(LAYERS.format(bug=bug))
    monkeypatch.chdir(tmp_path)
    main(["layer.py", "--examples", "5", "-v"])
    verbose = capsys.readouterr().out
    main(["layer.py", "--examples", "5"])
    plain = capsys.readouterr().out
    line = next(t for t in verbose.splitlines() if "tolerance" in t and " = " in t)
    assert line.strip().startswith("dinputs: tolerance ") and "rounding" in line
    assert " = " not in plain  # only under -v
    status = "failed" if bug else "passed"
    assert re.search(rf"^Layer_Dense\s+layer\s+{status}", verbose, re.M), verbose


def test_the_tolerance_page_runs_as_written():
    page = Path(__file__).resolve().parent.parent / "docs" / "tolerance.md"
    result = doctest.testfile(str(page), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0
