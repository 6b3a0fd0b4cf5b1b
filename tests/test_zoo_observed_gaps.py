"""Issue 24, the remaining recognition gaps: each correct class with a buggy twin.

``tests/zoo_observed_b`` modules written here: a backward taking the learning rate first
(``rate_first.py``). Each is judged through ``check_layer`` and through ``gradcheck FILE``
with no configuration: a class whose name ends in ``_Bug`` fails, the others pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zoo_observed_b import rate_first

from gradcheck import check_layer
from gradcheck.cli import main
from gradcheck.protocol.roles import backward_layout, roles_of

ZOO = Path(rate_first.__file__).parent
RNG = np.random.default_rng(0)


def classes(module) -> list[type]:
    return [c for c in vars(module).values()
            if isinstance(c, type) and c.__module__ == module.__name__]


def cli_statuses(module, tmp_path, capsys, monkeypatch) -> dict[str, str]:
    """``gradcheck <module>.py --examples 5``: each class's status (unshrunk)."""
    from gradcheck.targets import runner

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "SHRINK_CALLS", 0)
    path = tmp_path / "out.json"
    main([module.__file__, "--examples", "5", "-q", "--json", str(path)])
    capsys.readouterr()
    return {r["name"]: r["status"] for r in json.loads(path.read_text())["results"]}


def wrong_verdicts(module, seen: dict[str, str]) -> dict[str, str | None]:
    expected = {c.__name__: "failed" if c.__name__.endswith("_Bug") else "passed"
                for c in classes(module)}
    return {name: seen.get(name) for name, status in expected.items()
            if seen.get(name) != status}


# ------------------------------------------------------- the learning rate first
@pytest.mark.parametrize(("correct", "buggy", "says"), [
    (rate_first.Layer, rate_first.Layer_BiasMean_Bug, "update of b at learning_rate"),
    (rate_first.Layer, rate_first.Layer_UpdatedWeights_Bug, "already updated"),
    (rate_first.Sigmoid, rate_first.Sigmoid_Bug, "dinputs"),
    (rate_first.Dense, rate_first.Dense_Bug, "update of weights at learning_rate"),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_a_backward_taking_the_learning_rate_anywhere_is_read(correct, buggy, says):
    x = RNG.standard_normal((5, 3))
    report = check_layer(correct(), x, raise_on_failure=False)
    assert report.ok, str(report)
    report = check_layer(buggy(), x, raise_on_failure=False)
    assert not report.ok
    assert says in str(report), str(report)


def test_the_report_says_how_backward_was_called():
    x = RNG.standard_normal((5, 3))
    notes = " ".join(check_layer(rate_first.Layer(), x).notes)
    assert "backwardpass(lr, X, delta) (X: forward's input, given again): the input " \
           "gradient read at learning rate 0; it updates W, b itself" in notes
    notes = " ".join(check_layer(rate_first.Dense(), x).notes)
    assert "backward(x, grad, eta) (x: forward's input, given again)" in notes


def test_the_roles_of_backward_arguments_come_from_their_names():
    def lr_first(self, lr, X, delta): ...
    def input_last(self, delta, eta, a_prev): ...
    def rate_only(self, alpha, grad): ...
    def usual(self, output_gradient, learning_rate): ...
    def labels(self, dz, y): ...
    def unsettled(self, lr, p, q): ...

    assert backward_layout(lr_first) == (("rate", "input", "grad"), "lr, X, delta")
    assert backward_layout(input_last) == (("grad", "rate", "input"), "delta, eta, a_prev")
    assert backward_layout(rate_only) == (("rate", "grad"), "alpha, grad")
    # the usual order, labels and what names do not settle keep the old reading
    assert backward_layout(usual) == backward_layout(labels) == ((), "")
    assert backward_layout(unsettled) == ((), "")
    assert roles_of(rate_first.Layer).learning_rate


def test_the_learning_rate_first_through_the_cli(tmp_path, capsys, monkeypatch):
    seen = cli_statuses(rate_first, tmp_path, capsys, monkeypatch)
    assert not wrong_verdicts(rate_first, seen), seen
