"""check_model on the book's Model (chapters 19-22): a verdict per trainable layer's gradient.

Our own book-style Model (``zoo_models.book_model``): a classifier through the fused
softmax + cross-entropy shortcut with L1/L2 regularizers and dropout, a regression
network, a sigmoid + binary cross-entropy one, and softmax with mean squared error. Each
passes as written; each wiring bug is failed naming the parameter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from zoo_models import book_model as bm

from gradcheck import check_model

rng = np.random.default_rng(0)
X4 = rng.standard_normal((10, 4))
LABELS = rng.integers(0, 3, 10)
X1 = rng.standard_normal((10, 1))
X2 = rng.standard_normal((10, 2))
BINARY = (rng.random((10, 1)) < 0.5).astype(float)

NETWORKS = {
    "classifier": (bm.classifier, X4, LABELS),
    "regressor": (bm.regressor, X1, np.sin(X1)),
    "binary": (bm.binary, X2, BINARY),
    "softmax_mse": (bm.softmax_mse, X4, np.eye(3)[LABELS]),
}


def failed(report):
    return {g.name for g in report.gradients if g.status == "failed"}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_correct_book_model_passes(name):
    make, X, y = NETWORKS[name]
    report = check_model(make(), X, y)
    assert report.ok
    trainable = [i for i, layer in enumerate(make().layers) if hasattr(layer, "weights")]
    assert [g.name for g in report.gradients] == [
        f"layers[{i}].{d}" for i in trainable for d in ("dweights", "dbiases")
    ]


def test_classifier_includes_regularization_and_pins_dropout():
    report = check_model(bm.classifier(), X4, LABELS)
    assert any("pinned" in n for n in report.notes)
    # L1 on biases that start at exactly 0: |b| has its kink there, accepted
    first_bias = next(g for g in report.gradients if g.name == "layers[0].dbiases")
    assert first_bias.kinks > 0


@pytest.mark.parametrize("name", ["classifier", "regressor", "binary", "softmax_mse"])
def test_a_skipped_layer_in_backward_fails_the_layers_below_it(name):
    make, X, y = NETWORKS[name]
    report = check_model(make(bug="skip_relu"), X, y, raise_on_failure=False)
    assert "layers[0].dweights" in failed(report)
    assert not any(n.startswith(f"layers[{len(make().layers) - 2}]") for n in failed(report))


@pytest.mark.parametrize("name, layer", [("classifier", 3), ("regressor", 2), ("binary", 2)])
def test_a_layer_missing_its_regularization_term_is_named(name, layer):
    make, X, y = NETWORKS[name]
    report = check_model(make(bug="reg_missing"), X, y, raise_on_failure=False)
    assert failed(report) == {f"layers[{layer}].dweights"}
    bad = next(g for g in report.gradients if g.status == "failed")
    assert "L2 regularization term" in bad.diagnosis


def test_fused_shortcut_with_the_wrong_loss_fails_every_layer():
    make, X, y = NETWORKS["softmax_mse"]
    report = check_model(make(bug="fused_any_loss"), X, y, raise_on_failure=False)
    assert failed(report) == {f"layers[{i}].{d}" for i in (0, 2) for d in ("dweights", "dbiases")}


def test_a_dropout_mask_left_out_of_backward_fails():
    model = bm.classifier()
    dropout = model.layers[2]
    dropout.backward = lambda dvalues: setattr(dropout, "dinputs", dvalues.copy())
    report = check_model(model, X4, LABELS, raise_on_failure=False)
    assert {"layers[0].dweights", "layers[0].dbiases"} <= failed(report)


def test_an_unfinalized_model_is_finalized_for_the_check_and_left_unfinalized():
    model = bm.Model()
    model.add(bm.Layer_Dense(4, 3))
    model.add(bm.Activation_Softmax())
    model.set(loss=bm.Loss_CategoricalCrossentropy())
    report = check_model(model, X4, LABELS)
    assert report.ok and any("finalize() called" in n for n in report.notes)
    assert not hasattr(model, "input_layer")


@pytest.mark.parametrize("broken", [False, True])
def test_the_books_own_trained_model_is_checked(broken, nnfs_init_contained, isolated_imports,
                                                monkeypatch, capsys):
    # the book's full code: nnfs.init() (undone after the test), then trains its Model
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "cli_targets"))
    import book_full as book

    capsys.readouterr()  # what its training printed
    model = book.model
    X = np.random.default_rng(0).standard_normal((6, 2))
    y = np.array([0, 1, 2, 0, 1, 2])
    if broken:
        dense = model.layers[0]
        original = dense.backward

        def backward(dvalues):
            original(dvalues)
            dense.dweights -= 2 * dense.weight_regularizer_l2 * dense.weights

        dense.backward = backward
    weights = [(layer, layer.weights, layer.weights.copy()) for layer in model.trainable_layers]
    report = check_model(model, X, y, raise_on_failure=False)
    assert all(lay.weights is w and np.array_equal(w, c) for lay, w, c in weights)
    lines = [f"{g.name} {g.status} {g.diagnosis}" for g in report.gradients] + [report.status]
    if broken:
        assert lines[-1] == "failed"
        assert any(line.startswith("layers[0].dweights failed") and "L2" in line
                   for line in lines)
    else:
        assert lines[-1] == "passed"
        assert sum(" passed" in line for line in lines[:-1]) == 4


def test_the_model_its_layers_and_the_random_state_are_left_as_they_were():
    model = bm.classifier()
    model.forward(X4, True)  # layers hold inputs and outputs of an earlier pass
    layers = [(layer, dict(vars(layer))) for layer in [*model.layers, model.loss]]
    copies = {id(v): v.copy() for _, attrs in layers for v in attrs.values()
              if isinstance(v, np.ndarray)}
    state = np.random.get_state()[1].copy()
    check_model(model, X4, LABELS)
    for layer, attrs in layers:
        assert vars(layer).keys() == attrs.keys()
        for key, value in attrs.items():
            assert vars(layer)[key] is value
            if isinstance(value, np.ndarray):
                assert np.array_equal(value, copies[id(value)])
    assert np.array_equal(np.random.get_state()[1], state)
