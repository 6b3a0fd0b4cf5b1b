"""Loss objects whose one call returns ``(loss, grad)``: ``loss, dscores = criterion(scores, y)``.

``tests/zoo_weak24d/returning_objects.py``: classes with ``__call__(pred, y)`` and a plain
object with ``loss(x, y)``, no forward and backward. Each correct one passes and its twin
fails, through ``check_function`` and through ``gradcheck FILE``.
"""

from __future__ import annotations

import numpy as np
import pytest
from weak24d_helpers import cli_document, expected, own, verdicts
from zoo_weak24d import returning_objects as zoo

from gradcheck import check_function, check_loss
from gradcheck.targets.loss_objects import loss_methods

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

RNG = np.random.default_rng(5)
SCORES, TARGET = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
LABELS = np.array([0, 2, 1, 1])


@pytest.mark.parametrize("name", sorted(expected(zoo)))
def test_the_api_judges_each_object(name):
    obj = own(zoo)[name]()
    function = getattr(obj, "loss", obj)
    second = TARGET if name.startswith("MSE") else LABELS
    report = check_function(function, None, SCORES, second, raise_on_failure=False)
    assert report.status.value == expected(zoo)[name]
    if function is obj:  # a callable object names its report by its class
        assert report.name == name


def test_the_command_checks_each_object_as_a_loss_function(tmp_path, capsys, monkeypatch):
    document = cli_document(zoo.__file__, tmp_path, capsys, monkeypatch)
    assert verdicts(document) == expected(zoo)
    rows = {r["name"]: r for r in document["results"]}
    assert rows["SoftmaxCriterion"]["kind"] == "function"
    assert "dscores" in rows["SoftmaxCriterion_Bug"]["checks"][0]["message"]
    assert rows["MSECriterion"]["checks"][0]["variant"].endswith("(N, C) continuous targets")


def test_only_objects_without_weights_or_layer_methods_are_read_so():
    found = {cls.__name__: method.__name__ for cls, method in loss_methods(zoo)}
    assert found == {"SoftmaxCriterion": "__call__", "SoftmaxCriterion_Bug": "__call__",
                     "MSECriterion": "__call__", "MSECriterion_Bug": "__call__",
                     "SVM": "loss", "SVM_Bug": "loss"}

    class Layer:  # forward and backward: a class of the protocol, not read so
        def forward(self, x):
            return x

        def backward(self, dvalues):
            return dvalues

        def __call__(self, pred, y):
            loss, dpred = 0.0, pred
            return loss, dpred

    class Model:  # weights held: a model's loss(X, y) (targets/models.py)
        def __init__(self):
            self.W = np.ones((3, 2))

        def loss(self, x, y):
            loss, dW = 0.0, self.W
            return loss, dW

    class Needs:  # a constructor argument: not built here
        def __init__(self, margin):
            self.margin = margin

        def __call__(self, pred, y):
            loss, dpred = 0.0, pred
            return loss, dpred

    module = type(zoo)("scratch")
    for cls in (Layer, Model, Needs):
        cls.__module__ = "scratch"
        setattr(module, cls.__name__, cls)
    assert list(loss_methods(module)) == []


def test_check_loss_points_such_an_object_to_check_function():
    with pytest.raises(TypeError, match=r"its __call__ returns the loss and the gradient "
                       r"together: check it as a loss function, check_function\(obj, None, "
                       r"y_pred, y_true\)"):
        check_loss(zoo.SoftmaxCriterion(), SCORES, LABELS)
    with pytest.raises(TypeError, match=r"check_function\(obj.loss, None, y_pred, y_true\)"):
        check_loss(zoo.SVM(), SCORES, LABELS)

    class Nothing:  # the twin: no such method, no pointer
        def __call__(self, x):
            return x

    with pytest.raises(TypeError) as raised:
        check_loss(Nothing(), SCORES, LABELS)
    assert "check_function" not in str(raised.value)
