"""Losses returning their mean, with ``backward()`` reading what forward stored.

Through ``check_loss`` and through the command with no configuration: each correct
class passes as a loss of its predictions and its ``_Bug`` twin fails. A scalar
cross-entropy of probabilities is fed probability rows (it was fed logits as a fused
loss and failed with "forward returned a non-finite loss").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import check_loss
from gradcheck.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from zoo_observed_b import stored  # noqa: E402

RNG = np.random.default_rng(11)
PROBS = RNG.dirichlet(np.ones(4), size=5) * 0.9 + 0.025
SPARSE = np.array([0, 3, 1, 2, 3])
TARGETS = RNG.normal(size=(5, 4))


@pytest.mark.parametrize(("cls", "y_true"), [
    (stored.MSE_Stored, TARGETS),
    (stored.CE_Stored, SPARSE),
    (stored.CE_ScalarProbs, SPARSE),
])
def test_the_class_passes_and_its_twin_fails_through_check_loss(cls, y_true):
    assert check_loss(cls(), PROBS, y_true, raise_on_failure=False).status == "passed"
    twin = getattr(stored, cls.__name__ + "_Bug")
    assert check_loss(twin(), PROBS, y_true, raise_on_failure=False).status == "failed"


def test_through_the_command_every_class_is_judged_right(tmp_path, capsys, monkeypatch,
                                                         no_shrinking):
    monkeypatch.chdir(Path(stored.__file__).parent)
    out = tmp_path / "report.json"
    code = main(["stored.py", "--examples", "5", "-q", "--json", str(out)])
    capsys.readouterr()
    results = json.loads(out.read_text())["results"]
    seen = {r["name"]: r["status"] for r in results}
    assert seen == {name: "failed" if name.endswith("_Bug") else "passed"
                    for name in ("MSE_Stored", "MSE_Stored_Bug", "CE_Stored",
                                 "CE_Stored_Bug", "CE_ScalarProbs", "CE_ScalarProbs_Bug")}
    assert code == 1
    kinds = {r["name"]: r["kind"] for r in results}
    assert kinds["CE_Stored"] == kinds["CE_ScalarProbs"] == "loss"
    variants = {r["name"]: r["checks"][0]["variant"] for r in results}
    assert "probability rows" in variants["CE_ScalarProbs"]


CALLED = """
import numpy as np


class CrossEntropyLoss:
    def __call__(self, logits, target):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        self.p = e / e.sum(axis=1, keepdims=True)
        self.target = target
        return -np.log(self.p[np.arange(len(logits)), target]).mean()

    def backward(self):
        g = self.p.copy()
        g[np.arange(len(g)), self.target] -= 1
        return g{scale}
"""


@pytest.mark.parametrize(("scale", "status", "code"), [(" / len(g)", "passed", 0),
                                                        ("", "failed", 1)])
def test_a_loss_called_as_a_function_with_backward_is_checked(tmp_path, capsys, monkeypatch,
                                                              scale, status, code,
                                                              no_shrinking):
    # criterion(logits, y) then criterion.backward(), PyTorch-like: __call__ is its forward
    # (reading its backward() once asked for a forward's signature and crashed the run)
    (tmp_path / "called.py").write_text(CALLED.format(scale=scale))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    assert main(["called.py", "--examples", "5", "-q", "--json", str(out)]) == code
    capsys.readouterr()
    (row,) = json.loads(out.read_text())["results"]
    assert row["status"] == status


def test_a_class_gradcheck_cannot_read_is_a_skipped_row_not_a_crash(tmp_path, capsys,
                                                                    monkeypatch):
    from gradcheck.targets import classes

    def broken(cls, name, module):
        raise AssertionError("a checker bug")

    monkeypatch.setattr(classes, "classify", broken)
    (tmp_path / "one.py").write_text("class A:\n    def forward(self, x):\n        return x\n"
                                     "\n    def backward(self, d):\n        return d\n")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    code = main(["one.py", "--examples", "3", "-q", "--json", str(out)])
    capsys.readouterr()
    assert code == 2
    assert "a bug in gradcheck, not in your code" in json.loads(out.read_text())["error"]
