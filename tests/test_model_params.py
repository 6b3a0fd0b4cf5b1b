"""check_params over a parameter dict (deeplearning.ai layout) and check_model's CS231n side.

The dict network of ``zoo_models.dict_network`` (features x samples, gradients in one
dict with ``dA*``/``dZ*`` beside ``dW*``/``db*``) passes; with the two classic bugs it fails
naming ``dW2`` and ``db1`` and nothing else. The CS231n dropout network passes with its
``dropout_param`` seed and without one (the random state pinned), and fails when backward
forgets the mask. Everything is left as it was.
"""

from __future__ import annotations

import numpy as np
import pytest
from zoo_models import dict_network as dn
from zoo_models.dropout_net import DropoutNet

from gradcheck import GradientError, check_model, check_params

X, Y = dn.data()


def loss(params):
    return dn.forward_propagation(X, Y, params)[0]


def grads(bugs):
    return lambda p: dn.backward_propagation(X, Y, p, dn.forward_propagation(X, Y, p)[1], bugs)


def test_dict_network_passes_with_a_verdict_per_parameter():
    report = check_params(loss, grads(False), dn.initial_parameters())
    assert report.ok
    assert [g.name for g in report.gradients] == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]


def test_the_classic_bugs_are_named_dW2_and_db1():
    with pytest.raises(GradientError) as caught:
        check_params(loss, grads(True), dn.initial_parameters(), batch=X.shape[1])
    report = caught.value.report
    bad = {g.name: g.diagnosis for g in report.gradients if g.status == "failed"}
    assert set(bad) == {"dW2", "db1"}
    assert "twice" in bad["dW2"] and "4" in bad["db1"]
    assert "dW2" in str(caught.value) and "db1" in str(caught.value)


def test_gradients_keyed_by_the_parameter_names_are_found():
    def same_names(p):
        g = grads(False)(p)
        return {k[1:]: v for k, v in g.items() if k[:2] in ("dW", "db")}

    report = check_params(loss, same_names, dn.initial_parameters())
    assert report.ok and report.gradients[0].name == "W1"


def test_a_parameter_without_gradient_is_missing():
    def no_db3(p):
        g = grads(False)(p)
        del g["db3"]
        return g

    report = check_params(loss, no_db3, dn.initial_parameters(), raise_on_failure=False)
    assert [g.name for g in report.gradients if g.status == "missing"] == ["db3"]


def test_params_and_random_state_are_left_exactly_as_they_were():
    params = dn.initial_parameters()
    before = {k: (v, v.copy()) for k, v in params.items()}
    order = list(params)
    state = np.random.get_state()[1].copy()
    check_params(loss, grads(True), params, raise_on_failure=False)
    assert list(params) == order
    assert all(params[k] is a and np.array_equal(a, c) for k, (a, c) in before.items())
    assert np.array_equal(np.random.get_state()[1], state)


def test_unusable_arguments_are_refused_with_the_fix():
    with pytest.raises(TypeError, match="params must be a dict"):
        check_params(loss, grads(False), [np.ones(3)])
    with pytest.raises(TypeError, match="grads must be callable"):
        check_params(loss, {"dW1": 1}, dn.initial_parameters())
    with pytest.raises(TypeError, match="check_params"):
        check_model(object(), X, Y)


@pytest.mark.parametrize("seed", [3, None])
def test_cs231n_dropout_network_passes_with_or_without_its_seed(seed):
    rng = np.random.default_rng(5)
    Xc, yc = rng.standard_normal((7, 6)), rng.integers(0, 4, 7)
    model = DropoutNet(seed=seed)
    params = model.params
    values = {k: v.copy() for k, v in params.items()}
    report = check_model(model, Xc, yc)
    assert report.ok and [g.name for g in report.gradients] == ["W1", "b1", "W2", "b2"]
    assert model.params is params and list(params) == ["W1", "b1", "W2", "b2"]
    assert all(np.array_equal(params[k], v) for k, v in values.items())


def test_cs231n_dropout_backward_without_the_mask_fails():
    rng = np.random.default_rng(5)
    Xc, yc = rng.standard_normal((7, 6)), rng.integers(0, 4, 7)
    report = check_model(DropoutNet(bug="mask_missing"), Xc, yc, raise_on_failure=False)
    assert {g.name for g in report.gradients if g.status == "failed"} == {"W1", "b1"}


class Accumulating(DropoutNet):
    """Gradients added into a dict kept across calls: right once, wrong the second time."""

    def loss(self, X, y=None):
        loss, grads = super().loss(X, y)
        kept = self.__dict__.setdefault("kept", {k: np.zeros_like(v) for k, v in grads.items()})
        for k, g in grads.items():
            kept[k] += g
        return loss, kept


class Raising(DropoutNet):
    def loss(self, X, y=None):
        raise ValueError("shapes do not align")


def test_gradients_accumulated_across_calls_are_stale_state():
    rng = np.random.default_rng(5)
    Xc, yc = rng.standard_normal((7, 6)), rng.integers(0, 4, 7)
    assert check_model(DropoutNet(keep=1.0), Xc, yc).ok
    report = check_model(Accumulating(keep=1.0), Xc, yc, raise_on_failure=False)
    assert any("stale state" in p for p in report.problems)
    assert report.status == "failed"


def test_a_model_that_raises_is_an_error_verdict_not_a_crash():
    report = check_model(Raising(), np.ones((3, 6)), np.zeros(3, int), raise_on_failure=False)
    assert report.status == "error" and "shapes do not align" in report.problems[0]


class Float32Net:
    """Computes in float32 inside and returns a Python float: its dtype does not tell."""

    def __init__(self, scale_bug=1.0):
        rng = np.random.default_rng(0)
        self.params = {"W1": rng.standard_normal((4, 6)), "W2": rng.standard_normal((6, 3))}
        self.scale_bug = scale_bug

    def loss(self, X, y=None):
        X = X.astype(np.float32)
        W1, W2 = (p.astype(np.float32) for p in self.params.values())
        h = np.maximum(X @ W1, 0)
        s = h @ W2
        N = len(X)
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        loss = float(-np.log(p[np.arange(N), y]).mean())
        d = p.copy()
        d[np.arange(N), y] -= 1
        d *= self.scale_bug / N
        return loss, {"W1": X.T @ (d @ W2.T * (h > 0)), "W2": h.T @ d}


def test_float32_arithmetic_inside_is_judged_with_float32_tolerances():
    rng = np.random.default_rng(1)
    Xf, yf = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    report = check_model(Float32Net(), Xf, yf)
    assert report.ok and report.dtype == "float32"
    broken = check_model(Float32Net(scale_bug=1.01), Xf, yf, raise_on_failure=False)
    assert {g.name for g in broken.gradients if g.status == "failed"} == {"W1", "W2"}
