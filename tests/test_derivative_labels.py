"""A loss of logits and class labels with its gradient function, in a file of functions.

``softmax_crossentropy_with_logits(logits, labels)`` returning per-sample losses and
``grad_softmax_crossentropy_with_logits(logits, labels)`` returning the gradient of their
mean: the command draws integer labels (it said "gives no finite value on real, positive,
(-1, 1) or (0, 1) arguments" and skipped it), reads the per-sample losses as their mean
(or their sum, and says which), and fails a wrong gradient.
"""

from __future__ import annotations

import json
import textwrap

from gradcheck.cli import main

FILE = """
import numpy as np


def softmax_crossentropy_with_logits(logits, reference_answers):
    picked = logits[np.arange(len(logits)), reference_answers]
    return -picked + np.log(np.sum(np.exp(logits), axis=-1))


def grad_softmax_crossentropy_with_logits(logits, reference_answers):
    ones = np.zeros_like(logits)
    ones[np.arange(len(logits)), reference_answers] = 1
    softmax = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return {grad}
"""


def _run(tmp_path, monkeypatch, capsys, grad):
    (tmp_path / "losses.py").write_text(textwrap.dedent(FILE.format(grad=grad)))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    code = main(["losses.py", "--examples", "5", "-q", "--json", str(out)])
    capsys.readouterr()
    (row,) = json.loads(out.read_text())["results"]
    return code, row


def test_the_gradient_of_the_mean_passes(tmp_path, monkeypatch, capsys):
    code, row = _run(tmp_path, monkeypatch, capsys, "(softmax - ones) / logits.shape[0]")
    assert (code, row["status"]) == (0, "passed")
    assert "class labels" in row["checks"][0]["variant"]


def test_the_gradient_of_the_sum_passes_and_says_so(tmp_path, monkeypatch, capsys):
    code, row = _run(tmp_path, monkeypatch, capsys, "softmax - ones")
    assert (code, row["status"]) == (0, "passed")
    assert any("gradient of their sum" in n for c in row["checks"] for n in c["notes"])


def test_a_wrong_sign_fails(tmp_path, monkeypatch, capsys):
    code, row = _run(tmp_path, monkeypatch, capsys, "(ones - softmax) / logits.shape[0]")
    assert (code, row["status"]) == (1, "failed")
