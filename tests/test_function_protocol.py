"""check_function's contract: what it flags and what it must not, each with a twin."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck import GradientError, check_function


def scale_forward(x, w):
    return x * w, (x, w)


def scale_backward(dout, cache):
    x, w = cache
    return dout * w, (dout * x).sum(axis=0)


X = np.arange(1.0, 7.0).reshape(2, 3) / 7
W = np.array([0.5, -1.0, 2.0])


def test_a_correct_pair_passes_and_its_report_is_a_function_report():
    report = check_function(scale_forward, scale_backward, X, W)
    assert report.ok and report.kind == "function" and report.name == "scale_forward"
    assert [g.name for g in report.gradients] == ["dx", "dw"]
    assert report.to_dict()["kind"] == "function"


def test_a_wrong_gradient_is_named_by_the_argument():
    def backward(dout, cache):
        dx, dw = scale_backward(dout, cache)
        return dx, 2 * dw

    with pytest.raises(GradientError, match="dw"):
        check_function(scale_forward, backward, X, W)


@pytest.mark.parametrize("template", ["pass", "none", "zeros"])
def test_an_unfinished_template_never_passes(template):
    def forward(x, w):
        if template == "pass":
            return None
        out = None if template == "none" else np.zeros_like(x)
        return out, (x, w)

    def backward(dout, cache):
        if template == "zeros":
            return np.zeros_like(cache[0]), np.zeros_like(cache[1])
        return None, None

    report = check_function(forward, backward, X, W, raise_on_failure=False)
    assert not report.ok
    assert report.status in ("failed", "unfinished", "inconclusive"), str(report)
    assert "unfinished template" in report.message
    # twin: the finished pair passes
    assert check_function(scale_forward, scale_backward, X, W).ok


def test_a_backward_template_returning_nones_reports_every_gradient_missing():
    report = check_function(scale_forward, lambda dout, cache: (None, None), X, W,
                            raise_on_failure=False)
    assert [g.status for g in report.gradients] == ["missing", "missing"]


def test_backward_writing_into_the_cached_input_is_flagged():
    def backward(dout, cache):
        x, w = cache
        dw = (dout * x).sum(axis=0)
        x *= 0  # edits the array forward was given, through the cache
        return dout * w, dw

    report = check_function(scale_forward, backward, X, W, raise_on_failure=False)
    assert report.status == "failed"
    assert any("modified the x that was passed to scale_forward" in p for p in report.problems)
    assert check_function(scale_forward, scale_backward, X, W).ok


def test_the_number_of_gradients_must_match_the_float_arguments():
    report = check_function(scale_forward, lambda dout, cache: scale_backward(dout, cache)[:1],
                            X, W, raise_on_failure=False)
    assert report.status == "failed"
    assert any("returned 1 value(s); expected 2" in p for p in report.problems)


def test_an_exception_is_a_verdict_naming_the_function():
    def backward(dout, cache):
        raise IndexError("oops")

    report = check_function(scale_forward, backward, X, W, raise_on_failure=False)
    assert report.status == "error"
    assert "backward raised IndexError: oops" in report.problems[0]


def test_non_finite_outputs_and_gradients_are_flagged():
    def forward(x, w):
        return np.log(x - 1), (x, w)  # NaN for x < 1

    report = check_function(forward, scale_backward, X, W, raise_on_failure=False)
    assert report.status == "failed" and "non-finite" in report.problems[0]

    def backward(dout, cache):
        dx, dw = scale_backward(dout, cache)
        dx[0, 0] = np.inf
        return dx, dw

    report = check_function(scale_forward, backward, X, W, raise_on_failure=False)
    assert report.gradients[0].status == "failed" and "not finite" in report.gradients[0].diagnosis


def test_settings_are_fresh_copies_on_every_call():
    calls = []

    def forward(x, param):
        calls.append(param.get("seen", 0))
        param["seen"] = param.get("seen", 0) + 1  # a forward that counts in its dict
        return x * param["k"], (param["k"],)

    def backward(dout, cache):
        return dout * cache[0]

    param = {"k": 2.0}
    assert check_function(forward, backward, X, param).ok
    assert set(calls) == {0} and param == {"k": 2.0}


def test_integer_and_boolean_arguments_are_settings():
    def forward(x, ids, mask):
        return x[ids] * mask[:, None], (x, ids, mask)

    def backward(dout, cache):
        x, ids, mask = cache
        dx = np.zeros_like(x)
        np.add.at(dx, ids, dout * mask[:, None])
        return dx

    ids, mask = np.array([0, 1, 0]), np.array([True, False, True])
    report = check_function(forward, backward, X, ids, mask)
    assert [g.name for g in report.gradients] == ["dx"]

    def wrong(dout, cache):
        x, ids, mask = cache
        dx = np.zeros_like(x)
        dx[ids] += dout  # mask ignored, repeated ids lost
        return dx

    assert not check_function(forward, wrong, X, ids, mask, raise_on_failure=False).ok


def test_float32_functions_are_checked_with_float32_tolerances():
    def forward(x, w):
        return (x * w).astype(np.float32), (x, w)

    report = check_function(forward, scale_backward, X, W)
    assert report.dtype == "float32"

    def wrong(dout, cache):
        dx, dw = scale_backward(dout, cache)
        return dx * 1.01, dw

    assert not check_function(forward, wrong, X, W, raise_on_failure=False).ok


def test_fast_mode_passes_a_correct_pair_and_rejects_a_wrong_one():
    assert check_function(scale_forward, scale_backward, X, W, mode="fast").mode == "fast"

    def wrong(dout, cache):
        dx, dw = scale_backward(dout, cache)
        return dx, -dw

    assert not check_function(scale_forward, wrong, X, W, mode="fast",
                              raise_on_failure=False).ok


def test_given_upstream_gradients_are_used_and_validated():
    dout = np.ones((2, 3))
    assert check_function(scale_forward, scale_backward, X, W, dvalues=dout).ok
    with pytest.raises(ValueError, match="dvalues has shapes"):
        check_function(scale_forward, scale_backward, X, W, dvalues=np.ones((3, 3)))


def test_douts_is_the_deprecated_spelling_of_dvalues():
    dout = np.ones((2, 3))
    with pytest.warns(DeprecationWarning, match="douts= is deprecated: call it dvalues="):
        assert check_function(scale_forward, scale_backward, X, W, douts=dout).ok
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="dvalues has"):
        check_function(scale_forward, scale_backward, X, W, douts=np.ones((3, 3)))
    with pytest.raises(TypeError, match="give only dvalues"):
        check_function(scale_forward, scale_backward, X, W, dvalues=dout, douts=dout)


def test_unusable_arguments_are_rejected_with_the_fix():
    with pytest.raises(TypeError, match="forward must be a function"):
        check_function(None, scale_backward, X, W)
    with pytest.raises(ValueError, match="no float array"):
        check_function(scale_forward, scale_backward, np.array([1, 2]))
    with pytest.raises(ValueError, match="NaN"):
        check_function(scale_forward, scale_backward, X * np.nan, W)


def test_a_loss_with_a_non_scalar_loss_is_flagged():
    def loss(x, y):
        return np.ones(x.shape[0]), np.zeros_like(x)

    report = check_function(loss, None, X, np.array([0, 1]), raise_on_failure=False)
    assert report.status == "failed" and "scalar loss" in report.problems[0]


def test_the_random_state_is_restored_after_dropout_without_a_seed():
    def forward(x):
        mask = (np.random.rand(*x.shape) < 0.5) / 0.5
        return x * mask, mask

    def backward(dout, mask):
        return dout * mask

    np.random.seed(5)
    expected = np.random.rand()
    np.random.seed(5)
    report = check_function(forward, backward, X)
    assert report.ok and any("pinned" in n for n in report.notes)
    assert np.random.rand() == expected


def test_diagnoses_never_blame_a_regularization_term_functions_do_not_have():
    def backward(dout, cache):
        dx, dw = scale_backward(dout, cache)
        return dx, dw + 0.5 * np.sign(cache[1])  # looks like an L1 term, is just wrong

    report = check_function(scale_forward, backward, X, W, raise_on_failure=False)
    dw = report.gradients[1]
    assert dw.status == "failed"
    assert "regulari" not in (dw.diagnosis or "")


def test_a_loss_template_returning_nones_fails_as_unfinished():
    report = check_function(lambda x, y: (None, None), None, X, np.array([0, 1]),
                            raise_on_failure=False)
    assert report.status == "unfinished" and "unfinished template" in report.message


def test_a_loss_template_returning_zeros_is_never_passed():
    def template(x, y):
        return 0.0, np.zeros_like(x)

    report = check_function(template, None, X, np.array([0, 1]), raise_on_failure=False)
    assert report.status == "unfinished" and not report.ok

    def softmax(x, y):  # its finished twin
        shifted = x - x.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y]).mean()
        p[np.arange(len(y)), y] -= 1
        return loss, p / len(y)

    assert check_function(softmax, None, X, np.array([0, 1])).ok
