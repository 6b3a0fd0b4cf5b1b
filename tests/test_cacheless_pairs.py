"""Pairs without a cache: ``relu(x)`` with ``relu_backward(dout, x)``.

The backward takes the forward's inputs (or its output) where a CS231n backward takes a
cache. ``check_function`` reads such a pair instead of failing it ("a forward function
returns (out, cache)"), and the command pairs ``relu_backward`` with ``relu``, and
``tanh_backward(dout, x)`` with ``np.tanh`` when the file defines no ``tanh``.
"""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from gradcheck import check_function
from gradcheck.cli import main
from gradcheck.errors import GradientError

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 3))
W = RNG.normal(size=(3, 2))
B = RNG.normal(size=(2,))


def relu(x):
    return np.maximum(0, x)


def relu_backward(dout, x):
    return dout * (x > 0)


def relu_backward_flipped(dout, x):
    return dout * (x < 0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_backward(dout, s):
    return dout * s * (1 - s)


def sigmoid_backward_no_one_minus(dout, s):
    return dout * s


def linear(x, w, b):
    return x @ w + b


def linear_backward(dout, x, w, b):
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def linear_backward_mean_bias(dout, x, w, b):
    return dout @ w.T, x.T @ dout, dout.mean(axis=0)


def test_a_backward_taking_the_inputs_is_read_and_passes():
    report = check_function(relu, relu_backward, X)
    assert report.ok
    assert "takes relu's inputs" in report.notes[0]


def test_its_twin_with_a_flipped_mask_fails():
    with pytest.raises(GradientError) as caught:
        check_function(relu, relu_backward_flipped, X)
    assert caught.value.report.status == "failed"


def test_a_backward_reading_the_output_passes_and_says_so():
    report = check_function(sigmoid, sigmoid_backward, X)
    assert report.ok
    assert "reads sigmoid's output" in report.notes[0]


def test_its_twin_wrong_in_both_readings_fails_and_says_both():
    report = check_function(sigmoid, sigmoid_backward_no_one_minus, X,
                            raise_on_failure=False)
    assert report.status == "failed"
    assert "takes sigmoid's inputs" in report.notes[0]
    assert "wrong too" in report.notes[1]


def test_several_inputs_are_given_back_in_order():
    report = check_function(linear, linear_backward, X, W, B)
    assert report.ok
    assert [g.name for g in report.gradients] == ["dx", "dw", "db"]


def test_a_mean_bias_twin_fails_on_db_only():
    report = check_function(linear, linear_backward_mean_bias, X, W, B,
                            raise_on_failure=False)
    assert {g.name: g.status for g in report.gradients} == {
        "dx": "passed", "dw": "passed", "db": "failed"}


def test_a_cs231n_pair_with_a_cache_is_not_read_as_cacheless():
    def scale_forward(x, w):
        return x * w, (x, w)

    def scale_backward(dout, cache):
        x, w = cache
        return dout * w, (dout * x).sum(axis=0)

    report = check_function(scale_forward, scale_backward, X, W[:, 0])
    assert report.ok
    assert not any("takes" in n and "inputs" in n for n in report.notes)


FILE = """
import numpy as np


def relu(x):
    return np.maximum(0, x)


def relu_backward(dout, x):
    return dout * {relu}


def tanh_backward(dout, x):
    return dout * {tanh}


def linear_forward(X, W, b):
    return X @ W + b, (X, W)


def linear_backward(dout, cache):
    X, W = cache
    return dout @ W.T, X.T @ dout, {db}
"""
RIGHT = dict(relu="(x > 0)", tanh="(1 - np.tanh(x) ** 2)", db="dout.sum(axis=0)")
WRONG = dict(relu="(x < 0)", tanh="(1 - np.tanh(x))", db="dout.mean(axis=0)")


def _run(tmp_path, monkeypatch, capsys, values):
    (tmp_path / "pairs.py").write_text(textwrap.dedent(FILE.format(**values)))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    code = main(["pairs.py", "--examples", "5", "-q", "--json", str(out)])
    capsys.readouterr()
    return code, {r["name"]: r["status"] for r in json.loads(out.read_text())["results"]}


def test_the_command_pairs_backwards_with_their_forwards(tmp_path, monkeypatch, capsys):
    code, statuses = _run(tmp_path, monkeypatch, capsys, RIGHT)
    assert statuses == {"relu": "passed", "tanh_backward": "passed",
                        "linear_forward": "passed"}
    assert code == 0


def test_the_command_fails_each_buggy_twin(tmp_path, monkeypatch, capsys, no_shrinking):
    code, statuses = _run(tmp_path, monkeypatch, capsys, WRONG)
    assert statuses == {"relu": "failed", "tanh_backward": "failed",
                        "linear_forward": "failed"}
    assert code == 1
