"""Every gradient in a file, through the API with no adapter (issue 25 parts 1, 2, 7).

Loss functions whose gradient is matched by shape (``svm_loss_naive(W, X, y, reg) ->
(loss, dW)`` against ``W``), ``(loss, grads...)`` and ``(loss, dict)``; derivative pairs
through ``check_derivative`` in both readings; derivative objects; templates reported as
``unfinished``. Each acceptance has its twin that rejects the broken version.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import GradientError, check_derivative, check_function

ZOO = Path(__file__).parent / "zoo_functions25"


def load(relative: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ZOO / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


good_svm = load("correct/cs231n/classifiers/linear_svm.py", "z25_good_svm")
bad_svm = load("buggy/cs231n/classifiers/linear_svm.py", "z25_bad_svm")
good_softmax = load("correct/cs231n/classifiers/softmax.py", "z25_good_softmax")
bad_softmax = load("buggy/cs231n/classifiers/softmax.py", "z25_bad_softmax")
template_svm = load("template/cs231n/classifiers/linear_svm.py", "z25_template_svm")
template_softmax = load("template/cs231n/classifiers/softmax.py", "z25_template_softmax")
deriv = load("derivatives.py", "z25_derivatives")
deriv_bad = load("derivatives_buggy.py", "z25_derivatives_buggy")
objects = load("objects.py", "z25_objects")
objects_bad = load("objects_buggy.py", "z25_objects_buggy")


def classifier_args(seed=0, n=5, d=4, c=3, scale=1e-3, reg=2.5e4):
    rng = np.random.default_rng(seed)
    return (scale * rng.standard_normal((d, c)), rng.standard_normal((n, d)),
            rng.integers(0, c, n), reg)


# ----------------------------------------------------------------------------- part 1
@pytest.mark.parametrize("name", ["svm_loss_naive", "svm_loss_vectorized"])
def test_svm_loss_dw_is_checked_against_w_not_x(name):
    report = check_function(getattr(good_svm, name), None, *classifier_args())
    assert report.ok, str(report)
    assert [g.name for g in report.gradients] == ["dW"]
    assert report.shapes == {"W": [4, 3]}


@pytest.mark.parametrize("module, name, says", [
    (bad_svm, "svm_loss_naive", "dW"),
    (bad_svm, "svm_loss_vectorized", "dW"),
    (bad_softmax, "softmax_loss_naive", "dW"),
    (bad_softmax, "softmax_loss_vectorized", "dW"),
])
def test_each_classifier_bug_fails_at_the_course_scales(module, name, says):
    for scale, reg in [(1e-4, 5e4), (1e-1, 0.1)]:
        with pytest.raises(GradientError, match=says):
            check_function(getattr(module, name), None, *classifier_args(scale=scale, reg=reg))
    # twin: the correct function passes at both scales
    good = good_svm if module is bad_svm else good_softmax
    for scale, reg in [(1e-4, 5e4), (1e-1, 0.1)]:
        assert check_function(getattr(good, name), None,
                              *classifier_args(scale=scale, reg=reg)).ok


def test_a_square_tie_is_broken_by_the_returned_name_then_the_first_argument():
    # W (3, 3) and X (3, 3): dW names W
    assert check_function(good_svm.svm_loss_naive, None,
                          *classifier_args(n=3, d=3, c=3)).ok
    a, b = np.arange(1.0, 5.0).reshape(2, 2), np.arange(5.0, 9.0).reshape(2, 2)
    # no names (a lambda): the first argument of the shape
    assert check_function(lambda p, q: (np.sum(p * q), q), None, a, b).ok
    with pytest.raises(GradientError):  # twin: q's gradient returned, read as p's: wrong
        check_function(lambda p, q: (np.sum(p * p * q), p * p), None, a, b)


def test_loss_with_several_gradients_and_a_dict_and_a_hidden_state_set_aside():
    rng = np.random.default_rng(1)
    W, b, X = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))

    def affine_loss(W, b, X):
        h = X.dot(W) + b
        loss = 0.5 * np.sum(h ** 2)
        dW, db = X.T.dot(h), h.sum(axis=0)
        return loss, dW, db, h

    report = check_function(affine_loss, None, W, b, X)
    assert report.ok and [g.name for g in report.gradients] == ["dW", "db"]
    assert any("set aside" in n and "h (returned[3]" in n for n in report.notes)

    def dict_loss(W, b, X):
        h = X.dot(W) + b
        grads = {"W": X.T.dot(h), "b": h.sum(axis=0)}
        return 0.5 * np.sum(h ** 2), grads

    report = check_function(dict_loss, None, W, b, X)
    assert report.ok and [g.name for g in report.gradients] == ["grads['W']", "grads['b']"]

    def dict_loss_wrong(W, b, X):
        h = X.dot(W) + b
        grads = {"W": X.T.dot(h), "b": h.mean(axis=0)}  # the bias gradient averaged
        return 0.5 * np.sum(h ** 2), grads

    report = check_function(dict_loss_wrong, None, W, b, X, raise_on_failure=False)
    assert [g.status for g in report.gradients] == ["passed", "failed"]


# ----------------------------------------------------------------------------- part 7
@pytest.mark.parametrize("module, name", [
    (template_svm, "svm_loss_naive"), (template_svm, "svm_loss_vectorized"),
    (template_softmax, "softmax_loss_naive"), (template_softmax, "softmax_loss_vectorized"),
])
def test_templates_are_unfinished_never_passed_never_an_error(module, name):
    report = check_function(getattr(module, name), None, *classifier_args(),
                            raise_on_failure=False)
    assert report.status == "unfinished", str(report)
    assert "unfinished template" in report.message
    with pytest.raises(GradientError):  # the gate fails on it
        check_function(getattr(module, name), None, *classifier_args())


def test_a_finished_function_that_kept_the_pass_line_is_judged_on_its_values():
    def softmax_loss_naive(W, X, y, reg):
        loss, dW = good_softmax.softmax_loss_naive(W, X, y, reg)
        pass  # the course's line, left in
        return loss, 2 * dW

    report = check_function(softmax_loss_naive, None, *classifier_args(),
                            raise_on_failure=False)
    assert report.status == "failed"


# ----------------------------------------------------------------------------- part 2
X = np.array([[-2.0, 0.0, 0.5, 3.0], [1.2, -1.0, 0.2, 0.9]])


@pytest.mark.parametrize("f, fp, reading", [
    ("sigmoid", "sigmoid_prime", "output"),
    ("tanh", "tanh_derivative", "input"),
    ("relu", "relu_prime", "input"),
    ("leaky_relu", "d_leaky_relu", "input"),
    ("softplus", "dsoftplus", "input"),
])
def test_correct_derivatives_pass_and_say_which_reading_held(f, fp, reading):
    report = check_derivative(getattr(deriv, f), getattr(deriv, fp), X)
    assert report.ok and report.kind == "derivative"
    assert f"derivative written in terms of the {reading}" in report.notes[0]


@pytest.mark.parametrize("fp, says", [
    ("sigmoid_prime", "wrong too"),
    ("tanh_prime", "wrong too"),
    ("relu_prime", "wrote into its argument x"),
])
def test_wrong_derivatives_fail_in_both_readings(fp, says):
    f = {"sigmoid_prime": deriv_bad.sigmoid, "tanh_prime": deriv_bad.tanh,
         "relu_prime": deriv_bad.relu}[fp]
    with pytest.raises(GradientError, match=says):
        check_derivative(f, getattr(deriv_bad, fp), X)


def test_a_derivative_that_writes_into_its_argument_is_flagged_even_when_right():
    def relu_prime(x):
        x[x <= 0] = 0
        x[x > 0] = 1
        return x

    x = X.copy()
    report = check_derivative(deriv.relu, relu_prime, x, raise_on_failure=False)
    assert report.status == "failed" and "wrote into its argument" in report.problems[0]
    assert np.array_equal(x, X)  # the caller's array is untouched
    assert check_derivative(deriv.relu, deriv.relu_prime, x).ok  # twin


def test_relu_prime_at_the_kink_is_accepted_either_side():
    x = np.array([[0.0, 0.0, 1.0, -1.0]])
    for fp in (lambda v: (v > 0).astype(float), lambda v: (v >= 0).astype(float)):
        assert check_derivative(deriv.relu, fp, x).ok


@pytest.mark.parametrize("f, fp", [("mse", "mse_prime"),
                                   ("binary_cross_entropy", "binary_cross_entropy_prime")])
def test_loss_primes_are_gradients_wrt_the_prediction(f, fp):
    y_true = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    y_pred = np.array([[0.2, 0.7, 0.9], [0.6, 0.3, 0.1]])
    report = check_derivative(getattr(deriv, f), getattr(deriv, fp), y_true, y_pred)
    assert report.ok and report.gradients[0].name == f"{fp} (d{f}/dy_pred)"
    with pytest.raises(GradientError, match="dy_pred"):  # twin: the count forgotten
        check_derivative(getattr(deriv_bad, f), getattr(deriv_bad, fp), y_true, y_pred)


def test_check_function_refuses_a_derivative_pair_and_points_to_check_derivative():
    y_true, y_pred = np.array([[0.0, 1.0]]), np.array([[0.3, 0.4]])
    with pytest.raises(ValueError, match=r"check_derivative\(mse, mse_prime"):
        check_function(deriv.mse, deriv.mse_prime, y_true, y_pred)
    # twin: a forward returning (out, cache) with a real backward is still checked
    report = check_function(lambda x: (2 * x, None), lambda dout, cache: 2 * dout, y_pred)
    assert report.ok


def test_an_unfinished_derivative_is_unfinished():
    report = check_derivative(deriv_bad.softplus, deriv_bad.softplus_derivative, X,
                              raise_on_failure=False)
    assert report.status == "unfinished"

    def relu_prime(x):
        return np.zeros_like(x)  # a template's zeros, never filled in

    report = check_derivative(deriv.relu, relu_prime, X, raise_on_failure=False)
    assert report.status == "unfinished"
    assert check_derivative(deriv.relu, deriv.relu_prime, X).ok


def test_a_wrt_argument_can_be_named():
    y_true, y_pred = np.array([[0.0, 1.0]]), np.array([[0.3, 0.4]])
    assert check_derivative(lambda a, b: np.sum((a - b) ** 2),
                            lambda a, b: 2 * (b - a), y_true, y_pred, wrt="b").ok
    with pytest.raises(GradientError):
        check_derivative(lambda a, b: np.sum((a - b) ** 2),
                         lambda a, b: 2 * (b - a), y_true, y_pred, wrt="a")


# ----------------------------------------------------------------------------- objects
def test_activation_objects_fn_grad_objects_loss_and_cost_objects():
    tanh, bad = objects.Tanh(), objects_bad.Tanh()
    assert check_derivative(tanh.activation, tanh.activation_prime, X).ok
    with pytest.raises(GradientError):
        check_derivative(bad.activation, bad.activation_prime, X)
    sig, bad = objects.Sigmoid(), objects_bad.Sigmoid()
    assert check_derivative(sig.activation, sig.activation_prime, X, reading="input").ok
    with pytest.raises(GradientError):  # written on the output, used on the input
        check_derivative(bad.activation, bad.activation_prime, X, reading="input")
    soft, bad = objects.SoftPlusFn(), objects_bad.SoftPlusFn()
    assert check_derivative(soft.grad, soft.grad2, X).ok
    with pytest.raises(GradientError):
        check_derivative(bad.grad, bad.grad2, X)
    y, y_pred = np.array([[0.0, 1.0, 2.0]]), np.array([[0.5, 0.5, 1.0]])
    assert check_derivative(objects.SquaredError.loss, objects.SquaredError.grad, y, y_pred).ok
    with pytest.raises(GradientError, match="sign"):
        check_derivative(objects_bad.SquaredError.loss, objects_bad.SquaredError.grad,
                         y, y_pred)
    z, t = np.array([[0.3], [-1.2], [2.0]]), np.array([[0.0], [1.0], [0.0]])
    for good, wrong in [(objects.QuadraticCost, objects_bad.QuadraticCost),
                        (objects.CrossEntropyCost, objects_bad.CrossEntropyCost)]:
        def cost(z, y, c=good):
            return c.fn(objects.sigmoid(z), y)

        def delta(z, y, c=good):
            return c.delta(z, objects.sigmoid(z), y)

        assert check_derivative(cost, delta, z, t, wrt="z").ok
        with pytest.raises(GradientError):
            check_derivative(cost, lambda z, y, c=wrong: c.delta(z, objects.sigmoid(z), y),
                             z, t, wrt="z")


def test_check_derivative_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="elementwise function"):
        check_derivative(lambda x: x.sum(axis=1), lambda x: np.ones_like(x), X)
    with pytest.raises(ValueError, match="reading"):
        check_derivative(deriv.relu, deriv.relu_prime, X, reading="both")
    with pytest.raises(ValueError, match="wrt"):
        check_derivative(deriv.mse, deriv.mse_prime, X, X, wrt="nope")
    # twins: the same calls with readable arguments are checked
    assert check_derivative(lambda x: x.sum(), lambda x: np.ones_like(x), X).ok
    assert check_derivative(deriv.relu, deriv.relu_prime, X, reading="input").ok
    assert check_derivative(deriv.mse, deriv.mse_prime, X, X + 1, wrt="y_pred").ok
