"""Torch7's spelling of the protocol: ``backward(input, gradOutput)``, ``gradWeight``,
``gradBias``, ``gradInput``, ``zeroGradParameters()``; names compared with their
underscores and case set aside. Before: "none of its classes has forward and backward
methods" for both classes, then ``gradInput`` taken for the weights' gradient."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from zoo_observed import torch7

from gradcheck import check_layer
from gradcheck.cli import main

X = np.random.default_rng(0).standard_normal((5, 3))


def test_torch7_layers_pass_and_say_where_their_gradients_are():
    report = check_layer(torch7.Linear(3, 4), X)
    notes = " ".join(report.notes)
    assert "gradInput for inputs, gradWeight for weight, gradBias for bias" in notes
    assert "zeroGradParameters()" in notes
    assert check_layer(torch7.Tanh(), X).ok


@pytest.mark.parametrize(("cls", "gradient"), [(torch7.Linear_MeanBias, "gradBias"),
                                               (torch7.Tanh_NoSquare, "gradInput")])
def test_their_twins_fail_on_the_gradient_with_the_bug(cls, gradient):
    made = cls(3, 4) if cls is torch7.Linear_MeanBias else cls()
    report = check_layer(made, X, raise_on_failure=False)
    assert [g.name for g in report.gradients if g.status == "failed"] == [gradient]


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_through_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(torch7.__file__)), "--examples", "4", "--json", "r.json",
                 "-q"]) == 1
    results = {r["name"]: r["status"]
               for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert results == {"Linear": "passed", "Linear_MeanBias": "failed", "Tanh": "passed",
                       "Tanh_NoSquare": "failed"}


@pytest.mark.usefixtures("isolated_imports")
def test_a_backward_of_unknown_argument_names_is_not_called_missing(tmp_path, monkeypatch,
                                                                     capsys):
    (tmp_path / "odd.py").write_text(textwrap.dedent(
        """
        import numpy as np

        class Tanh:
            def forward(self, input):
                self.output = np.tanh(input)
                return self.output

            def backward(self, inp_, g_):
                return g_ * (1 - self.output ** 2)
        """))
    monkeypatch.chdir(tmp_path)
    assert main(["odd.py", "-q"]) == 2
    err = capsys.readouterr().err
    assert "has forward and backward methods" not in err
    assert "Tanh: forward(input) and backward(inp_, g_) belong to different protocols" in err
    assert "(input, grad_output)" in err
