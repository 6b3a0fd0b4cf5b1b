"""deeplearning.ai's features x samples code, found and judged with no configuration.

The course's layer helpers (``linear_forward(A, W, b)`` with ``b`` of shape ``(C, 1)``,
``linear_activation_forward(A_prev, W, b, activation)``), its whole networks over a
``parameters`` dict under any pair of names (``L_model_forward`` / ``L_model_backward``,
``backward_propagation(parameters, cache, X, Y)``) and a forward returning its own cost.
Each correct file passes through ``gradcheck FILE``; each ``buggy_*`` twin fails naming
its bug.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gradcheck.cli import main

DLAI = Path(__file__).parent / "zoo_networks" / "dlai"


def run(monkeypatch, tmp_path, cwd, target):
    monkeypatch.chdir(cwd)
    out = tmp_path / "report.json"
    code = main([target, "--examples", "5", "--quiet", "--json", str(out)])
    results = json.loads(out.read_text())["results"]
    return code, results


def failed(row):
    return sorted({g["name"] for c in row["checks"] for g in c["gradients"]
                   if g["status"] == "failed"})


def test_the_step_by_step_helpers_and_network_pass(monkeypatch, tmp_path):
    code, results = run(monkeypatch, tmp_path, DLAI, "step_by_step.py")
    rows = {(r["name"], c["variant"]): r["status"] for r in results for c in r["checks"]}
    assert code == 0, rows
    variants = [v for (name, v) in rows if name == "linear_activation_forward"]
    assert [v.rsplit(", ", 1)[1] for v in variants] == ["activation='sigmoid'",
                                                       "activation='relu'"]
    linear = next(v for (name, v) in rows if name == "linear_forward")
    assert "A (D, N) data, W (C, D) weights, b (C, 1) bias, features x samples" in linear
    assert {r["name"]: r["kind"] for r in results}["L_model_forward"] == "model"
    assert set(rows.values()) == {"passed"}


def test_a_dw_not_divided_by_m_fails_in_every_function_that_uses_it(monkeypatch, tmp_path):
    code, results = run(monkeypatch, tmp_path, DLAI, "buggy_step_by_step.py")
    by_name = {r["name"]: r for r in results}
    assert code == 1
    assert failed(by_name["linear_forward"]) == ["dW"]
    assert "a missing `/ m` in dW?" in by_name["linear_forward"]["message"]
    assert failed(by_name["linear_activation_forward"]) == ["dW"]
    assert failed(by_name["L_model_forward"]) == ["dW1", "dW2"]
    assert by_name["relu"]["status"] == by_name["sigmoid"]["status"] == "passed"


@pytest.mark.parametrize("file, name, bad", [
    ("shallow_network.py", "forward_propagation", []),
    ("buggy_shallow_network.py", "forward_propagation", ["dW1", "db1"]),
    ("own_cost_network.py", "forward_propagation_n", []),
    ("buggy_own_cost_network.py", "forward_propagation_n", ["db1"]),
])
def test_networks_whose_backward_takes_other_arguments_or_whose_forward_is_the_cost(
        monkeypatch, tmp_path, file, name, bad):
    code, results = run(monkeypatch, tmp_path, DLAI, file)
    row = {r["name"]: r for r in results}[name]
    assert failed(row) == bad
    assert code == (1 if bad else 0)


LAYER = """
import numpy as np


def linear_forward(A, W, b):
    return W @ A + b, (A, W)


def linear_backward(dZ, cache):
    A, W = cache
    m = A.shape[1]
    dW = {dw}
    db = {db}
    return W.T @ dZ, dW, db
"""


@pytest.mark.parametrize("dw, db, bad", [
    ("dZ @ A.T", "dZ.sum(axis=1, keepdims=True)", []),  # the sum: consistent
    ("dZ @ A.T / m", "dZ.sum(axis=1, keepdims=True) / m", []),  # the course: consistent
    ("dZ @ A.T / m", "dZ.sum(axis=1, keepdims=True)", ["db"]),  # mixed: wrong either way
    ("dZ @ A.T / m", "dZ.sum(axis=1, keepdims=True) / m ** 2", ["db"]),
])
def test_either_consistent_convention_passes_and_a_mixed_one_fails(monkeypatch, tmp_path,
                                                                   dw, db, bad):
    (tmp_path / "layer.py").write_text(textwrap.dedent(LAYER.format(dw=dw, db=db)))
    code, results = run(monkeypatch, tmp_path, tmp_path, "layer.py")
    (row,) = results
    assert failed(row) == bad
    assert code == (1 if bad else 0)
    course = any("deeplearning.ai convention" in n for c in row["checks"] for n in c["notes"])
    assert course == ("/ m" in dw and "/ m" in db or bool(bad))


CHOICE = """
import numpy as np


def act_forward(Z, W, kind):
    H = W @ Z
    if kind == "tanh":
        return np.tanh(H), (Z, W, H)
    elif kind in ("relu", "rectifier"):
        return np.maximum(H, 0), (Z, W, H)
    raise ValueError(kind)


def act_backward(dA, cache, kind):
    Z, W, H = cache
    if kind == "tanh":
        dH = dA * {tanh}
    else:
        dH = dA * (H > 0)
    return W.T @ dH, dH @ Z.T
"""


@pytest.mark.parametrize("tanh, bad", [("(1 - np.tanh(H) ** 2)", "passed"),
                                       ("(1 - np.tanh(H))", "failed")])
def test_a_string_argument_gets_one_check_per_value_and_the_backward_gets_it_too(
        monkeypatch, tmp_path, tanh, bad):
    (tmp_path / "act.py").write_text(textwrap.dedent(CHOICE.format(tanh=tanh)))
    code, results = run(monkeypatch, tmp_path, tmp_path, "act.py")
    (row,) = results
    statuses = {c["variant"].rsplit(", ", 1)[1]: c["status"] for c in row["checks"]}
    assert statuses == {"kind='tanh'": bad, "kind='relu'": "passed",
                        "kind='rectifier'": "passed"}
