"""Functions whose gradient is returned as an expression (``return loss, grad / n``).

A loss function found by what it returns must be found when its gradient is returned
computed (``grad / n``, ``2 * dW``, ``dW.T``), and its ``logits`` argument read as data.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import textwrap

import pytest

from gradcheck.cli import main
from gradcheck.protocol.source import returned_names

SOFTMAX = """
import numpy as np


def softmax_cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    n = logits.shape[0]
    loss = -np.log(probs[np.arange(n), labels]).{reduce}()
    grad = probs.copy()
    grad[np.arange(n), labels] -= 1
    return loss, grad / n
"""


def _function(tmp_path, source: str):
    path = tmp_path / "returning_case.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location("returning_case", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


@pytest.mark.parametrize(("body", "names"), [
    ("return loss, grad / n", ["loss", "grad"]),
    ("return loss, 2 * dW", ["loss", "dW"]),
    ("return loss, dW.T, h", ["loss", "dW", "h"]),
    ("return loss, np.asarray(dW), reg * W + dW", ["loss", "dW", "dW"]),
    ("return loss / n, h.copy()", [None, None]),
])
def test_returned_expressions_name_the_gradient_they_are_computed_from(tmp_path, body,
                                                                   names):
    ast.parse(body)  # the case itself is valid Python
    header = "import numpy as np\ndef f(W, n, h, reg, loss, grad, dW):\n"
    f = _function(tmp_path, f"{header}    {body}\n")
    assert returned_names(f) == names


def _run(tmp_path, monkeypatch, capsys, source):
    (tmp_path / "losses.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    code = main(["losses.py", "--examples", "5", "-q", "--json", str(out)])
    capsys.readouterr()
    return code, {r["name"]: r for r in json.loads(out.read_text())["results"]}


def test_a_loss_returning_grad_over_n_is_found_and_passes(tmp_path, monkeypatch, capsys):
    code, results = _run(tmp_path, monkeypatch, capsys, SOFTMAX.format(reduce="mean"))
    assert code == 0
    assert results["softmax_cross_entropy"]["status"] == "passed"
    assert "logits" in results["softmax_cross_entropy"]["checks"][0]["variant"]


def test_its_twin_with_a_summed_loss_fails(tmp_path, monkeypatch, capsys):
    # the loss is summed but the gradient divided by n: every element 1/n of the truth
    code, results = _run(tmp_path, monkeypatch, capsys, SOFTMAX.format(reduce="sum"))
    assert code == 1
    assert results["softmax_cross_entropy"]["status"] == "failed"
