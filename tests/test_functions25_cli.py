"""Every gradient in a file, through the CLI run from the directory a student runs from.

In process (``main([...])`` with ``monkeypatch.chdir``), five examples per check. Each
zoo directory of ``tests/zoo_functions25`` is judged: correct files pass, each bug is
failed under its own name, templates are ``unfinished`` (exit 1), and a target's
``train()`` / ``main()`` / ``plot()`` / ``download()`` never run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest

from gradcheck.cli import main
from gradcheck.cli.formats import schema

ZOO = Path(__file__).parent / "zoo_functions25"
CLASSIFIERS = "cs231n/classifiers"


@pytest.fixture(autouse=True)
def _own_cs231n():
    """Our ``cs231n`` package must not stay imported: other tests import theirs."""
    before = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "cs231n"}
    for name in before:
        del sys.modules[name]
    yield
    for name in [k for k in sys.modules if k.split(".")[0] == "cs231n"]:
        del sys.modules[name]
    sys.modules.update(before)


def run(monkeypatch, tmp_path, capsys, where, *targets, examples=5):
    monkeypatch.chdir(where)
    out = tmp_path / "report.json"
    code = main([*targets, "--examples", str(examples), "-q", "--json", str(out)])
    document = json.loads(out.read_text())
    jsonschema.validate(document, schema())
    text = capsys.readouterr().out
    return code, {r["name"]: r for r in document["results"]}, text


def test_correct_classifiers_pass_and_train_is_never_called(monkeypatch, tmp_path, capsys):
    code, results, _ = run(monkeypatch, tmp_path, capsys, ZOO / "correct", CLASSIFIERS)
    assert code == 0
    assert {n: r["status"] for n, r in results.items()} == dict.fromkeys(
        ["svm_loss_naive", "svm_loss_vectorized", "softmax_loss_naive",
         "softmax_loss_vectorized"], "passed")
    check = results["svm_loss_naive"]["checks"][0]
    assert check["variant"].startswith("argument names: W (D, C) weights")
    assert not (ZOO / "correct" / "train_was_called.txt").exists()


def test_the_train_twin_would_have_written_and_raised(monkeypatch, tmp_path):
    import importlib

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ZOO / "correct"))
    module = importlib.import_module("cs231n.classifiers.linear_classifier")
    with pytest.raises(RuntimeError):
        module.train(None, None)
    assert (tmp_path / "train_was_called.txt").exists()


def test_each_classifier_bug_is_failed(monkeypatch, tmp_path, capsys):
    code, results, text = run(monkeypatch, tmp_path, capsys, ZOO / "buggy", CLASSIFIERS)
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == dict.fromkeys(
        ["svm_loss_naive", "svm_loss_vectorized", "softmax_loss_naive",
         "softmax_loss_vectorized"], "failed")
    assert all(r["gradients"][0]["name"] == "dW" for r in results.values())
    reg = [c["example"]["sizes"] for r in results.values() for c in r["checks"]]
    assert reg and all("reg" in s for s in reg)


def test_templates_are_unfinished_and_fail_the_gate(monkeypatch, tmp_path, capsys):
    code, results, text = run(monkeypatch, tmp_path, capsys, ZOO / "template", CLASSIFIERS)
    assert code == 1
    assert {r["status"] for r in results.values()} == {"unfinished"}
    assert len(results) == 4
    assert "4 unfinished" in text and "error" not in {r["status"] for r in results.values()}


def test_derivative_pairs_pass_and_their_bugs_fail(monkeypatch, tmp_path, capsys):
    code, results, _ = run(monkeypatch, tmp_path, capsys, ZOO, "derivatives.py")
    assert code == 0 and len(results) == 10
    assert {r["kind"] for r in results.values()} == {"derivative"}
    # softmax's Jacobian is no elementwise derivative: skipped with the reason, not failed
    assert results.pop("softmax_prime")["status"] == "skipped"
    assert {r["status"] for r in results.values()} == {"passed"}
    # domains probed: log on positive inputs, arcsin inside (-1, 1)
    assert results["log_prime"]["checks"][0]["variant"].endswith("positive inputs")
    assert results["arcsin_derivative"]["checks"][0]["variant"].endswith("inputs in (-1, 1)")
    code, results, _ = run(monkeypatch, tmp_path, capsys, ZOO, "derivatives_buggy.py")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "sigmoid_prime": "failed", "tanh_prime": "failed", "relu_prime": "failed",
        "mse_prime": "failed", "binary_cross_entropy_prime": "failed",
        "softplus_derivative": "unfinished"}
    assert "relu_prime wrote into its argument" in results["relu_prime"]["message"]


def test_derivative_objects_pass_and_their_bugs_fail(monkeypatch, tmp_path, capsys):
    code, results, _ = run(monkeypatch, tmp_path, capsys, ZOO, "objects.py")
    derivatives = {n: r["status"] for n, r in results.items() if r["kind"] == "derivative"}
    assert derivatives == dict.fromkeys(
        ["tanh_prime", "sigmoid_prime", "Sigmoid.activation_prime",
         "SigmoidOnOutput.f_prime", "SoftPlusFn.grad", "SoftPlusFn.grad2", "TanhFn.grad",
         "TanhFn.grad2", "SquaredError.grad", "QuadraticCost.delta",
         "CrossEntropyCost.delta", "SquaredErrorThrough.grad"], "passed")
    assert "as Tanh uses it (on its input)" in results["tanh_prime"]["checks"][0]["variant"]
    code, results, _ = run(monkeypatch, tmp_path, capsys, ZOO, "objects_buggy.py")
    assert code == 1
    derivatives = {n: r["status"] for n, r in results.items() if r["kind"] == "derivative"}
    assert derivatives == {
        "tanh_prime": "failed", "sigmoid_prime": "passed",
        "Sigmoid.activation_prime": "failed", "SoftPlusFn.grad": "passed",
        "SoftPlusFn.grad2": "failed", "SquaredError.grad": "failed",
        "QuadraticCost.delta": "failed", "CrossEntropyCost.delta": "failed",
        "SquaredErrorThrough.grad": "failed"}
    assert "derivative in terms of the output" in results["Sigmoid.activation_prime"][
        "message"]


def test_dropout_draws_more_than_two_dimensions(monkeypatch, tmp_path, capsys):
    code, results, _ = run(monkeypatch, tmp_path, capsys, ZOO, "dropout_layers.py")
    assert code == 0 and results["dropout_forward"]["status"] == "passed"
    # 20 examples: which shapes 5 examples draw may depend on the constants Hypothesis
    # collects from the modules the process has loaded (test order); 20 include, in practice, a
    # third dimension the one-row mask does not broadcast against (5 did not, in one run)
    code, results, _ = run(monkeypatch, tmp_path, capsys, ZOO, "dropout_layers_buggy.py",
                           examples=20)
    assert code == 1 and results["dropout_forward"]["status"] == "error"
    assert "could not be broadcast" in results["dropout_forward"]["message"]


def test_a_programs_lossfun_is_left_to_the_program_checks_a_function_of_its_args_is_not(
        tmp_path, monkeypatch):
    import importlib
    import inspect

    from gradcheck.targets.returning import gradient_functions

    (tmp_path / "charnn.py").write_text(
        "import numpy as np\n"
        "Wxh = np.zeros((3, 2))\n"
        "def lossFun(inputs, targets, hprev):\n"
        "    dWxh = np.zeros_like(Wxh)\n"
        "    h = hprev\n"
        "    return 0.0, dWxh, h\n"
        "def l2_loss(W, reg):\n"
        "    dW = 2 * reg * W\n"
        "    return reg * (W ** 2).sum(), dW\n"
        "def train(W, X):\n"
        "    dW = W\n"
        "    return 0.0, dW\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("charnn")
    monkeypatch.delitem(sys.modules, "charnn")
    functions = {k: v for k, v in vars(module).items() if inspect.isfunction(v)}
    assert gradient_functions(module, functions, set()) == ["l2_loss"]
