"""A loss function returning its gradients in a list: ``return loss, [dW, db]``.

Before: "returned no gradient of a float argument's shape" (failed, on correct code).
Our own functions, written here, each with a twin.
"""

from __future__ import annotations

import textwrap

import pytest

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


@pytest.mark.usefixtures("no_shrinking")
def test_a_list_of_gradients_is_read_in_order(cli_results, tmp_path):
    (tmp_path / "list_losses.py").write_text(FUNCTIONS)
    code, results = cli_results("list_losses.py", "--examples", "4")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "linear_loss": "passed", "linear_loss_bias_summed": "failed"}
    assert "db" in results["linear_loss_bias_summed"]["message"]
