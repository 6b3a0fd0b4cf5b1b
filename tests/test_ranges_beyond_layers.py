"""Range findings beyond layers (brief report24, point 1; issue 24 part 6).

A loss or a derivative pair whose value stops being finite only at large magnitudes,
though it is bounded or grows no faster than its inputs (an intermediate ``np.exp``
overflows), is reported with its threshold apart from the gradient verdict, and fails the
run only under ``--strict``. Its stable twin gets no finding, nor does a value that is
huge there by right (``exp``). Target: ``tests/cli_targets/ranges24.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from gradcheck import GradientError, check_layer, check_loss
from gradcheck.cli import main

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

TARGET = Path(__file__).parent / "cli_targets" / "ranges24.py"
OVERFLOWING = ["SoftmaxCCE_Naive", "SigmoidBCE_Naive", "LogCosh_Naive", "sigmoid_prime",
               "softplus_prime"]
STABLE = ["SoftmaxCCE", "SigmoidBCE", "LogCosh", "logistic_prime", "softplus_stable_prime",
          "ExpLoss", "expo_prime"]


def _run(tmp_path: Path, capsys, *extra: str, exclude: str = "") -> tuple[int, str, dict]:
    (tmp_path / "pyproject.toml").write_text(f"[tool.gradcheck]\nexclude = [{exclude}]\n")
    code = main([str(TARGET), "--examples", "3", "-q", "--json", str(tmp_path / "o.json"),
                 *extra])
    seen = capsys.readouterr()
    return code, seen.out + seen.err, json.loads((tmp_path / "o.json").read_text())


@pytest.fixture
def document(tmp_path, capsys, monkeypatch) -> tuple[str, dict]:
    monkeypatch.chdir(tmp_path)
    code, out, document = _run(tmp_path, capsys)
    assert code == 1  # the _Bug twin
    return out, {r["name"]: r for r in document["results"]}


def _findings(result: dict) -> set[str | None]:
    return {c["range_finding"] for c in result["checks"]}


def test_overflowing_losses_and_derivatives_get_a_range_finding_apart_from_the_verdict(
        document):
    out, results = document
    for name in OVERFLOWING:
        assert results[name]["status"] == "passed", (name, results[name]["message"])
        (finding,) = _findings(results[name])
        assert finding is not None, name
        threshold = float(re.search(r"of magnitude ([\d.]+) and above", finding).group(1))
        assert 700 < threshold < 1000, (name, finding)
        assert "Gradients were checked below that" in finding
    assert "logits of magnitude 710 and above" in _findings(results["SoftmaxCCE_Naive"]).pop()
    assert _findings(results["sigmoid_prime"]).pop().startswith("sigmoid_prime is not finite")
    assert _findings(results["softplus_prime"]).pop().startswith("softplus is not finite")
    assert out.count("range: ") == len(OVERFLOWING) + 1 + 1  # LogCosh: 2 checks; the _Bug
    # the twins: stable code, and values huge by right, get none
    for name in STABLE:
        assert results[name]["status"] == "passed", (name, results[name]["message"])
        assert _findings(results[name]) == {None}, name
    # a wrong gradient keeps its verdict beside the finding
    bug = results["SoftmaxCCE_Naive_Bug"]
    assert bug["status"] == "failed" and _findings(bug) != {None}


def test_a_range_finding_fails_the_run_only_under_strict(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    without_bug = "'*_Bug'"
    code, out, _ = _run(tmp_path, capsys, exclude=without_bug)
    assert code == 0, out
    code, out, _ = _run(tmp_path, capsys, "--strict", exclude=without_bug)
    assert code == 1 and "range finding(s): failing the run (--strict)" in out
    # the twin: stable code alone passes --strict (a file of its own: `exclude` names
    # classes, not functions)
    stable = tmp_path / "stable.py"
    stable.write_text(STABLE_FILE)
    code = main([str(stable), "--examples", "3", "-q", "--strict"])
    out = capsys.readouterr().out
    assert code == 0 and "range finding" not in out and "2 passed" in out


STABLE_FILE = """
import numpy as np


def logistic(x):
    return 0.5 * (1 + np.tanh(x / 2))


def logistic_prime(x):
    s = logistic(x)
    return s * (1 - s)


class SoftmaxCCE:
    def forward(self, inputs, y_true):
        exp = np.exp(inputs - inputs.max(axis=1, keepdims=True))
        self.output = exp / exp.sum(axis=1, keepdims=True)
        picked = self.output[np.arange(len(inputs)), y_true]
        return float(np.mean(-np.log(np.clip(picked, 1e-7, 1 - 1e-7))))

    def backward(self, dvalues, y_true):
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(len(dvalues)), y_true] -= 1
        self.dinputs /= len(dvalues)
"""


# ------------------------------------------------------------------ through the API
def _api_classes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ranges24_api", TARGET)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TanhExp:
    def forward(self, x):
        self.out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
        return self.out

    def backward(self, grad):
        return grad * (1 - self.out ** 2)


class TanhStable(TanhExp):
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out


class LogAbsBroken(TanhExp):
    def forward(self, x):
        self.out = np.log(x)  # nan for any negative input: not a range finding
        return self.out


LARGE = np.random.default_rng(0).normal(size=(3, 4)) * 300
LARGE[0, 0] = 800.0


def test_the_api_explains_a_forward_that_overflows_on_the_callers_data_as_a_range():
    layer = TanhExp()
    report = check_layer(layer, LARGE, raise_on_failure=False)
    assert report.status == "failed"
    (problem,) = report.problems
    assert problem.startswith("forward output is not finite for finite inputs (yours reach "
                              "magnitude 800): a range finding, not a gradient bug")
    assert "inputs of magnitude 710.1 and above" in problem
    assert "Check the gradients on inputs below that" in problem
    assert layer.__dict__ == {}  # probed, then put back
    with pytest.raises(GradientError, match="a range finding"):
        check_layer(TanhExp(), LARGE)
    # the twins: a stable tanh passes there; a forward not finite at any magnitude, or a
    # loss huge there by right, keeps the plain problem
    assert check_layer(TanhStable(), LARGE).ok
    broken = check_layer(LogAbsBroken(), LARGE, raise_on_failure=False)
    assert broken.problems == ["forward output is not finite for finite inputs"]
    zoo = _api_classes()
    labels = (LARGE > 0).astype(float)
    naive = check_loss(zoo.LogCosh_Naive(), LARGE, labels, raise_on_failure=False)
    assert "y_pred of magnitude 711" in naive.problems[0], naive.problems
    assert check_loss(zoo.LogCosh(), LARGE, labels).ok
    huge = check_loss(zoo.ExpLoss(), LARGE, labels, raise_on_failure=False)
    assert huge.problems == ["forward returned a non-finite loss for finite y_pred"]
