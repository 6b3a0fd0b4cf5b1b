"""Samples on the last axis (deeplearning.ai's ``Z = W @ X + b``) are found by probing.

The CLI probes inputs with the batch first; a layer that only takes ``(features, m)``
is recognised by forward accepting any ``m`` while a batch-first input fails, and is then
fed ``(features, n)`` batches. Its correct twin passes, its bug fails.
"""

from __future__ import annotations

import json

from gradcheck.cli import main

LAYERS = '''
import numpy as np

class DenseT:
    def __init__(self):
        rng = np.random.default_rng(0)
        self.W = rng.standard_normal((2, 5))
        self.b = rng.standard_normal((2, 1))

    def forward(self, X):
        self.X = X
        self.output = self.W @ X + self.b

    def backward(self, dZ):
        self.dW = dZ @ self.X.T
        self.db = dZ.sum(axis=1, keepdims=True)
        self.dinputs = self.W.T @ dZ

class DenseT_DbMean(DenseT):
    def backward(self, dZ):
        super().backward(dZ)
        self.db = dZ.mean(axis=1, keepdims=True)  # 1/m belongs to the cost, not to db
'''


def test_a_batch_last_layer_is_fed_features_by_samples(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gc_batch_last.py").write_text(LAYERS)
    code = main(["gc_batch_last.py", "--examples", "8", "-q", "--json", "out.json"])
    capsys.readouterr()
    results = {r["name"]: r for r in json.loads((tmp_path / "out.json").read_text())["results"]}
    assert results["DenseT"]["status"] == "passed", results["DenseT"]["message"]
    bug = results["DenseT_DbMean"]
    assert bug["status"] == "failed" and bug["message"].startswith("db ")
    assert "inputs (5, " in bug["message"]  # (features, samples)
    assert code == 1
