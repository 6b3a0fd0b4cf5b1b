"""A loss function returning its gradients in a list: ``return loss, [dW, db]``.

Before: "returned no gradient of a float argument's shape" (failed, on correct code).
Our own functions, written here, each with a twin.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from gradcheck.cli import main

FUNCTIONS = textwrap.dedent('''
    import numpy as np


    def linear_loss(W, b, X, y):
        err = X @ W + b - y[:, None]
        n = len(X)
        return float(np.sum(err ** 2)) / n, [2 * X.T @ err / n, 2 * err.sum(axis=0) / n]


    def linear_loss_bias_summed(W, b, X, y):
        err = X @ W + b - y[:, None]
        n = len(X)
        return float(np.sum(err ** 2)) / n, [2 * X.T @ err / n, 2 * err.sum(axis=0)]
''')


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_a_list_of_gradients_is_read_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "list_losses.py").write_text(FUNCTIONS)
    assert main(["list_losses.py", "--examples", "4", "--json", "r.json", "-q"]) == 1
    results = json.loads((tmp_path / "r.json").read_text())["results"]
    assert {r["name"]: r["status"] for r in results} == {
        "linear_loss": "passed", "linear_loss_bias_summed": "failed"}
    failed = next(r for r in results if r["status"] == "failed")
    assert "db" in failed["message"]
