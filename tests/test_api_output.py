"""What the checked code prints or logs is kept on the report, not in the notebook.

Brief report24, point 2: through ``check_layer``, ``check_loss``, ``check_function``,
``check_model`` (and ``check_params``, ``check_derivative``) a layer printing on every
call would flood a notebook. The output is kept in ``report.output``, counted in the
``repr``, and shown with ``verbose=True``. Each chatty object has a quiet twin.
"""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from gradcheck import (
    GradientError,
    check_derivative,
    check_function,
    check_layer,
    check_loss,
    check_model,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3))
LOG = logging.getLogger("tests.chatty_api")


class Chatty:
    """Prints on stdout and stderr and logs on every call."""

    def forward(self, inputs):
        print(f"forward on {inputs.shape}")
        LOG.warning("logged forward")
        self.output = 3 * inputs

    def backward(self, dvalues):
        print("backward", file=sys.stderr)
        self.dinputs = 3 * dvalues


class Quiet:
    def forward(self, inputs):
        self.output = 3 * inputs

    def backward(self, dvalues):
        self.dinputs = 3 * dvalues


class ChattyWrong(Chatty):
    def backward(self, dvalues):
        print("backward")
        self.dinputs = 2 * dvalues  # BUG: the factor


@pytest.fixture
def terminal_log():
    """A logging handler writing to the terminal, as a notebook's logging setup has."""
    handler = logging.StreamHandler(sys.stderr)
    LOG.addHandler(handler)
    LOG.propagate = False
    yield
    LOG.removeHandler(handler)
    LOG.propagate = True


def test_a_chatty_layer_is_quiet_in_the_notebook_and_its_output_kept(capsys, terminal_log):
    report = check_layer(Chatty(), X)
    seen = capsys.readouterr()
    assert seen.out == "" and seen.err == ""
    assert report.ok
    assert "forward on (4, 3)" in report.output and "backward" in report.output
    assert "logged forward" in report.output
    lines = report.output_lines
    assert lines == len(report.output.splitlines()) > 10
    assert f"{lines} lines of output captured" in repr(report)
    assert f"output: {lines} lines of output" in str(report)
    assert f"{lines} lines printed or logged" in report._repr_html_()
    # the twin: a quiet layer's report says nothing of output
    quiet = check_layer(Quiet(), X)
    assert quiet.output == "" and "captured" not in repr(quiet)
    assert "output" not in str(quiet)


def test_verbose_shows_the_output_after_the_check(capsys):
    report = check_layer(Chatty(), X, verbose=True)
    out = capsys.readouterr().out
    assert out.startswith(f"--- printed or logged by Chatty while probed and checked "
                          f"({report.output_lines} lines) ---\nforward on (4, 3)")
    check_layer(Quiet(), X, verbose=True)
    assert capsys.readouterr().out == ""  # nothing printed, nothing shown


def test_a_failing_check_keeps_the_output_and_verbose_shows_it_before_raising(capsys):
    with pytest.raises(GradientError) as failure:
        check_layer(ChattyWrong(), X)
    assert capsys.readouterr().out == ""
    assert "backward" in failure.value.report.output
    with pytest.raises(GradientError):
        check_layer(ChattyWrong(), X, verbose=True)
    assert "--- printed or logged by ChattyWrong" in capsys.readouterr().out


def test_what_the_caller_prints_is_not_captured(capsys):
    report = check_layer(Quiet(), X)
    print("the caller's own line", report.status)
    assert capsys.readouterr().out == "the caller's own line passed\n"


class ChattyLoss:
    def forward(self, y_pred, y_true):
        print("loss forward")
        return np.sum((y_pred - y_true) ** 2, axis=1)

    def backward(self, dvalues, y_true):
        print("loss backward")
        self.dinputs = 2 * (dvalues - y_true) / len(dvalues)


def _scale_forward(x, w):
    print("scale forward")
    return x * w, (x, w)


def _scale_backward(dout, cache):
    x, w = cache
    return dout * w, (dout * x).sum(axis=0)


class ChattyNet:
    """A CS231n-style network: loss(X, y) -> (loss, grads), printing its loss."""

    def __init__(self):
        self.params = {"W": RNG.normal(size=(3, 2))}

    def loss(self, X, y=None):
        scores = X @ self.params["W"]
        if y is None:
            return scores
        loss = 0.5 * np.sum((scores - y) ** 2)
        print(f"loss {loss:.3f}")
        return loss, {"W": X.T @ (scores - y)}


def _relu(x):
    print("relu")
    return np.maximum(x, 0)


def _relu_backward(dout, x):  # a pair without a cache (main's cacheless reading)
    return dout * (x > 0)


def _sigmoid(x):
    print("sigmoid")
    return 1 / (1 + np.exp(-x))


def _sigmoid_prime(x):
    s = _sigmoid(x)
    return s * (1 - s)


@pytest.mark.parametrize("check", [
    lambda: check_loss(ChattyLoss(), X, RNG.normal(size=(4, 3))),
    lambda: check_function(_scale_forward, _scale_backward, X, np.arange(3.0)),
    lambda: check_model(ChattyNet(), X, RNG.normal(size=(4, 2))),
    lambda: check_derivative(_sigmoid, _sigmoid_prime, X),
    lambda: check_function(_relu, _relu_backward, X + 0.1 * np.sign(X)),
], ids=["check_loss", "check_function", "check_model", "check_derivative", "cacheless"])
def test_every_entry_point_keeps_the_output(check, capsys):
    report = check()
    seen = capsys.readouterr()
    assert report.ok, report
    assert seen.out == "" and seen.err == ""
    assert report.output_lines > 0 and "captured" in repr(report)


def test_an_inconclusive_warning_points_at_the_callers_line():
    import inspect
    import warnings

    from gradcheck import GradcheckWarning

    class Log:
        def forward(self, inputs):
            self.inputs = inputs
            self.output = np.log(inputs)

        def backward(self, dvalues):
            self.dinputs = dvalues / self.inputs

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        report = check_layer(Log(), np.full((2, 3), 1e-12))
    assert report.status == "inconclusive"
    (warning,) = [w for w in caught if issubclass(w.category, GradcheckWarning)]
    assert (warning.filename, warning.lineno) == (__file__, line)
