"""The functional zoo through check_function: every bug rejected, every twin accepted.

The zoo (``tests/zoo_functional``) holds CS231n-style layers written by us, in the
course's layout; each realistic bug is checked on the configuration it hides outside of
(padding 0, stride 2, overlapping pooling windows, repeated word ids, a mask with zeros,
T > 1) and has a correct twin checked on the same arguments.
"""

from __future__ import annotations

import numpy as np
import pytest
import zoo_functional  # noqa: F401 - puts the CS231n-like assignment on sys.path
from zoo_functional.entries import BUGS, CORRECT, ENTRIES

from gradcheck import GradientError, check_function


def run(entry, seed=0, **options):
    args, kwargs = entry.args(seed)
    return check_function(entry.forward, entry.backward, *args, raise_on_failure=False,
                          **entry.options, **options, **kwargs)


@pytest.mark.parametrize("entry", CORRECT, ids=lambda e: e.name)
def test_correct_functional_layers_pass(entry):
    report = run(entry)
    assert report.status == "passed", report.message
    assert report.kind == "function"
    assert report.name == entry.forward.__name__


@pytest.mark.parametrize("entry", BUGS, ids=lambda e: e.name)
def test_functional_bugs_are_rejected_and_named(entry):
    report = run(entry)
    assert report.status == "failed", str(report)
    text = report.message
    assert entry.says in text, text
    if entry.expect == "wrote":
        # the values are right: only the write into the caller's array is reported
        assert all(g.status == "passed" for g in report.gradients), str(report)
        assert report.problems
    else:
        assert any(g.status == "failed" for g in report.gradients), str(report)


@pytest.mark.parametrize("entry", BUGS, ids=lambda e: e.name)
def test_every_bug_has_a_correct_twin_on_the_same_arguments(entry):
    twin = ENTRIES[entry.twin]
    args, kwargs = entry.args(0)
    report = check_function(twin.forward, twin.backward, *args, raise_on_failure=False,
                            **kwargs)
    assert report.status == "passed", report.message


def test_check_function_raises_gradient_error_on_a_bug():
    entry = ENTRIES["max_pool_overwrite"]
    args, kwargs = entry.args(0)
    with pytest.raises(GradientError, match="dx"):
        check_function(entry.forward, entry.backward, *args, **kwargs)


def test_the_callers_arguments_and_settings_are_left_as_they_were():
    entry = ENTRIES["softmax_shift_in_place"]
    (x, y), _ = entry.args(0)
    x_before = x.copy()
    run_args = (x, y)
    report = check_function(entry.forward, None, *run_args, raise_on_failure=False)
    assert np.array_equal(x, x_before)
    # the numeric gradient is right although forward shifts its input in place
    assert report.gradients[0].status == "passed"
    bn = ENTRIES["batchnorm_running_stats"]
    (x, gamma, beta, param), _ = bn.args(0)
    kept = {k: np.copy(v) for k, v in param.items()}
    assert check_function(bn.forward, bn.backward, x, gamma, beta, param).ok
    assert param.keys() == kept.keys()
    assert all(np.array_equal(param[k], v) for k, v in kept.items())


def test_gradients_are_named_after_forwards_arguments():
    report = run(ENTRIES["lstm_step"])
    assert [g.name for g in report.gradients] == ["dx", "dprev_h", "dprev_c", "dWx", "dWh",
                                                   "db"]
