"""A loss in Keras' order (``forward(y_true, y_pred)``) keeps the label-branch diagnosis.

``tests/zoo_weak24d/labels_first_branches.py``: a typo inside the one-hot branch of a
labels-first cross-entropy is reported, as in the book's order, as a bug of that branch
at its line (targets/branches.py reads the user's method behind the reordering wrapper).
"""

from __future__ import annotations

import numpy as np
import pytest
from weak24d_helpers import cli_document, expected, verdicts
from zoo_weak24d import labels_first_branches as zoo

from gradcheck import check_loss
from gradcheck.targets.branches import raised_in_label_branch

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

PROBS = np.random.default_rng(2).dirichlet(np.ones(3), size=4)
SPARSE = np.array([0, 2, 1, 1])
ONE_HOT = np.eye(3)[SPARSE]


def test_the_api_judges_both_label_kinds():
    for labels in (SPARSE, ONE_HOT):
        assert check_loss(zoo.CategoricalCrossentropyKeras(), PROBS, labels,
                          raise_on_failure=False).status.value == "passed"
    assert check_loss(zoo.CategoricalCrossentropyKeras_Bug(), PROBS, SPARSE,
                      raise_on_failure=False).status.value == "passed"
    assert check_loss(zoo.CategoricalCrossentropyKeras_Bug(), PROBS, ONE_HOT,
                      raise_on_failure=False).status.value == "error"


def test_the_command_names_the_line_in_the_one_hot_branch(tmp_path, capsys, monkeypatch):
    document = cli_document(zoo.__file__, tmp_path, capsys, monkeypatch)
    assert verdicts(document) == expected(zoo)
    checks = {(r["name"], c["labels"]): c for r in document["results"] for c in r["checks"]}
    bug = checks[("CategoricalCrossentropyKeras_Bug", "one_hot")]
    assert bug["status"] == "failed"
    assert "labels_first_branches.py:33" in bug["message"]
    assert bug["message"].endswith("on one-hot labels, inside its own branch for them (an "
                                   "`if` on the labels' shape): that branch has a bug")
    assert checks[("CategoricalCrossentropyKeras", "one_hot")]["status"] == "passed"


def test_the_branch_is_read_in_the_users_method_at_the_labels_position():
    class Reordered:  # as targets/loss_probe.py's wrapper: labels first in the method
        labels_at = 0

        def __init__(self, method):
            self.__wrapped__ = method

        def __call__(self, y_pred, y_true):
            return self.__wrapped__(y_true, y_pred)

    method = zoo.CategoricalCrossentropyKeras_Bug().forward
    wrapper = Reordered(method)
    with pytest.raises(TypeError) as raised:
        wrapper(PROBS, ONE_HOT)
    assert raised_in_label_branch(wrapper, raised.value) == 33
    # the twin: read at the second argument (y_pred), the line is in no branch on it
    assert raised_in_label_branch(method, raised.value) is None
