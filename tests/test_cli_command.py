"""The ``gradcheck`` command, run for real: verdicts, exit codes, messages, JSON, plots.

Everything runs in process through ``gradcheck.cli.main`` (the ``gradcheck_cli``
fixture): usage errors, the checks of nnfs_core and of a copy of it (loaded under another
module name than the nnfs_core this process holds), and book code that calls
``nnfs.init()`` at import, whose numpy patches the ``nnfs_init_contained`` fixture undoes
after each test (and fails the test if anything kept them).
"""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

import nnfs_core
from gradcheck.cli import main

TARGETS = Path(__file__).parent / "cli_targets"
EXAMPLES = ["--examples", "5"]


def report_of(run, tmp_path):
    path = tmp_path / "report.json"
    assert path.exists(), f"no JSON report; exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    return json.loads(path.read_text())


def results_by_class(document):
    return {r["name"]: r for r in document["results"]}


pytestmark = pytest.mark.usefixtures("isolated_imports")


# ----------------------------------------------------------------------------- verdicts
def test_gradcheck_without_target_passes_on_nnfs_core(tmp_path, gradcheck_cli):
    # in process: the embedded nnfs_core is imported by name, as this file already has it
    run = gradcheck_cli(*EXAMPLES, "--json", "report.json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1].endswith("0 failed, 0 error, 0 skipped")
    document = report_of(run, tmp_path)
    statuses = {r["name"]: r["status"] for r in document["results"]}
    assert statuses == dict.fromkeys(
        ["Activation_ReLU", "Activation_Softmax", "Layer_Dense",
         "Loss_CategoricalCrossentropy", "Activation_Softmax_Loss_CategoricalCrossentropy"],
        "passed",
    )
    assert document["target"] == ["nnfs_core"]
    # the loss was checked with both label kinds
    cce = results_by_class(document)["Loss_CategoricalCrossentropy"]
    assert [c["labels"] for c in cce["checks"]] == ["sparse", "one_hot"]


def inject(path, pattern, replacement):
    text = path.read_text()
    changed, count = re.subn(pattern, replacement, text)
    assert count >= 1, f"{pattern!r} not found in {path.name}: update the injection"
    path.write_text(changed)


def test_a_copy_of_nnfs_core_with_injected_bugs_fails_naming_the_classes(
        tmp_path, gradcheck_cli, no_shrinking):
    copy = tmp_path / "nnfs_core"
    shutil.copytree(Path(nnfs_core.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    inject(copy / "layers.py", r"self\.dbiases\s*=", "self.bias =")
    inject(copy / "softmax_loss.py", r"self\.dinputs\s*/=\s*samples", "self.dinputs /= 1")
    # (verdicts and gradient names only: the failing examples are not shrunk)
    # (in process: the copy is loaded under another name than the nnfs_core loaded here)
    run = gradcheck_cli(str(copy), *EXAMPLES, "--json", "report.json", cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    document = report_of(run, tmp_path)
    results = results_by_class(document)
    dense = results["Layer_Dense"]
    assert dense["status"] == "failed" and "dbiases" in dense["message"]
    fused = results["Activation_Softmax_Loss_CategoricalCrossentropy"]
    assert fused["status"] == "failed" and "dinputs" in fused["message"]
    # the untouched classes of the copy still pass: no collateral false alarms
    assert {n for n, r in results.items() if r["status"] == "passed"} == {
        "Activation_ReLU", "Activation_Softmax", "Loss_CategoricalCrossentropy"}
    assert "Layer_Dense" in run.stdout and "failed" in run.stdout
    assert run.stdout.splitlines()[-1] == "3 passed, 2 failed, 0 error, 0 skipped"


def test_the_full_book_code_with_nnfs_init_passes(tmp_path, nnfs_init_contained, gradcheck_cli):
    run = gradcheck_cli(str(TARGETS / "book_full.py"), *EXAMPLES, "--json", "report.json",
                        cwd=tmp_path)
    document = report_of(run, tmp_path)
    statuses = {r["name"]: r["status"] for r in document["results"]}
    assert run.returncode == 0, run.stdout + run.stderr
    assert statuses == {
        "Layer_Dense": "passed", "Layer_Dropout": "passed", "Layer_Input": "skipped",
        "Activation_ReLU": "passed", "Activation_Softmax": "passed",
        "Activation_Sigmoid": "passed", "Activation_Linear": "passed",
        "Loss_CategoricalCrossentropy": "passed",
        "Activation_Softmax_Loss_CategoricalCrossentropy": "passed",
        "Loss_BinaryCrossentropy": "passed", "Loss_MeanSquaredError": "passed",
        "Loss_MeanAbsoluteError": "passed",
        # a whole network, found; Model() has no layers until the code adds them
        "Model": "skipped",
    }
    ignored = {i["name"] for i in document["ignored"]}
    assert ignored == {"Optimizer_SGD", "Optimizer_Adam", "Loss", "Accuracy",
                       "Accuracy_Categorical", "Accuracy_Regression"}
    dense = results_by_class(document)["Layer_Dense"]
    assert [c["variant"] for c in dense["checks"]] == [
        "training=True", "regularizers=0.1; training=True"]
    assert any("nnfs.init()" in n for n in dense["checks"][0]["notes"])
    # what the module printed while training at import stays out of the table
    assert "epoch:" not in run.stdout


def test_nnfs_init_in_a_test_is_undone_after_it_and_a_kept_wrapper_fails_it():
    # what nnfs_init_contained guarantees the book-code tests run in process here
    import types

    import nnfs
    import numpy as np
    from numpy_patches import contained

    ones = np.ones((2, 2))
    draw = np.random.get_state()[1].copy()
    with contained():
        nnfs.init()
        assert np.dot(ones, ones).dtype == np.float32 and np.zeros(2).dtype == np.float32
    assert np.dot(ones, ones).dtype == np.float64 and np.zeros(2).dtype == np.float64
    assert np.array_equal(np.random.get_state()[1], draw)
    kept = types.ModuleType("gc_kept_dot")
    try:
        with pytest.raises(AssertionError, match=r"wrappers kept by \['gc_kept_dot.dot'\]"):
            with contained():
                nnfs.init()
                kept.dot = np.dot  # as `from numpy import dot` would while patched
                sys.modules["gc_kept_dot"] = kept
    finally:
        sys.modules.pop("gc_kept_dot", None)
    assert np.dot(ones, ones).dtype == np.float64  # put back even then


BOOK_BUGS = {
    # class: (pattern, replacement) - typical slips in the book's code
    "Layer_Dense": (r"self\.dweights \+= 2 \* self\.weight_regularizer_l2",
                    "self.dweights += self.weight_regularizer_l2"),
    "Layer_Dropout": (r"self\.dinputs = dvalues \* self\.binary_mask",
                      "self.dinputs = dvalues"),
    "Activation_Sigmoid": (r"\(1 - self\.output\) \* self\.output",
                           "(1 - self.output)"),
    "Loss_BinaryCrossentropy": (r"self\.dinputs = self\.dinputs / samples\n\n\n# Mean Sq",
                                "self.dinputs = self.dinputs\n\n\n# Mean Sq"),
}


def test_the_book_code_with_typical_slips_fails_on_exactly_those_classes(
        tmp_path, nnfs_init_contained, gradcheck_cli, no_shrinking):
    buggy = tmp_path / "book_buggy.py"
    shutil.copy(TARGETS / "book_full.py", buggy)
    for pattern, replacement in BOOK_BUGS.values():
        inject(buggy, pattern, replacement)
    # (verdicts only: the failing examples are not shrunk)
    run = gradcheck_cli(str(buggy), *EXAMPLES, "--json", "report.json", cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    document = report_of(run, tmp_path)
    failed = {r["name"] for r in document["results"] if r["status"] == "failed"}
    assert failed == set(BOOK_BUGS)
    dense = results_by_class(document)["Layer_Dense"]
    # only the regularized build exposes the missing factor 2 of the L2 term
    assert [c["status"] for c in dense["checks"]] == ["passed", "failed"]


def test_the_seed_notebook_code_shows_its_two_bugs(tmp_path, nnfs_init_contained, gradcheck_cli):
    run = gradcheck_cli(str(TARGETS / "notebook_ch9.py"), *EXAMPLES, "--json", "report.json",
                        cwd=tmp_path)
    assert run.returncode == 1
    results = results_by_class(report_of(run, tmp_path))
    softmax = results["Activation_Softmax"]
    assert softmax["status"] == "error"
    assert "NameError" in softmax["message"] and "notebook_ch9.py:" in softmax["message"]
    fused = results["Activation_Softmax_Loss_CategoricalCrossentropy"]
    assert fused["status"] == "failed" and "dvalues" in fused["message"]
    assert {n for n, r in results.items() if r["status"] == "passed"} == {
        "Layer_Dense", "Activation_ReLU", "Loss_CategoricalCrossentropy"}
    assert run.stdout.splitlines()[-1] == "3 passed, 1 failed, 1 error, 0 skipped"


# ----------------------------------------------------------------------------- output
def test_json_report_has_the_contract_fields(tmp_path, capsys):
    assert main([str(TARGETS / "mixed.py"), *EXAMPLES, "--json", str(tmp_path / "r.json"),
                 "-q"]) == 1
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["exit_code"] == 1 and document["seed"] == 0 and document["examples"] == 5
    assert set(document["versions"]) >= {"python", "numpy", "hypothesis", "gradcheck"}
    for result in document["results"]:
        assert {"name", "kind", "status", "message", "gradients", "seconds", "examples",
                "target"} <= set(result)
        assert result["kind"] in ("layer", "loss", "fused")
        assert result["status"] in ("passed", "failed", "error", "skipped")
        assert isinstance(result["message"], str) and result["message"]
    results = results_by_class(document)
    doubled = results["Activation_Doubled"]
    assert doubled["status"] == "failed"
    (gradient,) = doubled["gradients"]
    assert gradient["name"] == "dinputs" and gradient["status"] == "failed"
    assert gradient["error"] > gradient["tolerance"]
    assert doubled["checks"][0]["example"]["inputs"]  # the shrunk example, as numbers
    assert results["Layer_Mystery"]["status"] == "skipped"
    assert "mystery" in results["Layer_Mystery"]["message"]
    assert document["summary"] == {"passed": 3, "failed": 1, "error": 0, "skipped": 2,
                                   "inconclusive": 0}


def test_the_table_names_each_class_and_the_summary_counts_them(capsys):
    code = main([str(TARGETS / "mixed.py"), *EXAMPLES, "-q"])
    out = capsys.readouterr().out
    assert code == 1
    row = next(line for line in out.splitlines() if line.startswith("Activation_Doubled"))
    assert "failed" in row and " / " in row
    assert "missing factor 2" in out  # the diagnosis, under the row
    assert out.splitlines()[-1] == "3 passed, 1 failed, 0 error, 2 skipped"


def test_progress_is_one_line_per_class_on_stderr_when_not_a_terminal(capsys):
    main([str(TARGETS / "mixed.py"), *EXAMPLES])
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("gradcheck: [1/6] Activation_Tanh: passed (")
    assert err[3].startswith("gradcheck: [4/6] Layer_Mystery: skipped")
    assert len(err) == 6


def test_the_same_seed_checks_the_same_examples(tmp_path):
    documents = []
    for name in ("a.json", "b.json", "c.json"):
        seed = "7" if name == "c.json" else "3"
        main([str(TARGETS / "mixed.py"), "--examples", "3", "--seed", seed, "-q",
              "--json", str(tmp_path / name)])
        documents.append(json.loads((tmp_path / name).read_text()))

    def examples(document):
        return [c.get("example") or c["gradients"] for r in document["results"]
                for c in r["checks"]]

    assert examples(documents[0]) == examples(documents[1])
    assert examples(documents[0]) != examples(documents[2])


def test_plot_writes_one_png_per_checked_class(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    (tmp_path / "gc_plotted.py").write_text(
        "import numpy as np\n"
        "class Activation_Tanh:\n"
        "    def forward(self, inputs):\n        self.output = np.tanh(inputs)\n"
        "    def backward(self, dvalues):\n"
        "        self.dinputs = dvalues * (1 - self.output ** 2)\n"
        "class Activation_Cube:\n"
        "    def forward(self, inputs):\n        self.output = inputs ** 3\n"
        "    def backward(self, dvalues):\n        self.dinputs = 3 * dvalues * inputs\n"
        "class Layer_Skipped:\n"
        "    def __init__(self, mystery):\n        pass\n"
        "    def forward(self, inputs):\n        self.output = inputs\n"
        "    def backward(self, dvalues):\n        self.dinputs = dvalues\n"
    )
    code = main([str(tmp_path / "gc_plotted.py"), *EXAMPLES, "-q", "--plot",
                 str(tmp_path / "plots")])
    assert code == 1  # Activation_Cube.backward reads an undefined name: an error
    pngs = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert pngs == ["Activation_Tanh.png"]  # nothing to draw for an error or a skip
    assert (tmp_path / "plots" / pngs[0]).read_bytes()[:4] == b"\x89PNG"
    assert "plots: 1 written to" in capsys.readouterr().out


def test_plot_without_matplotlib_is_a_usage_error(tmp_path, gradcheck_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    run = gradcheck_cli("--plot", "plots", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "gradcheck: error: --plot needs matplotlib: pip install 'nnfs-gradcheck[plot]'")


# ----------------------------------------------------------------------------- usage errors
def usage_error(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    assert code == 2
    message = captured.err.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in captured.err
    assert message.startswith("gradcheck: error: ")
    return message


def test_no_such_file(capsys, tmp_path):
    message = usage_error([str(tmp_path / "nope.py")], capsys)
    assert message.endswith(f"no such file or directory: {tmp_path / 'nope.py'}")


def test_a_usage_error_still_writes_the_json_report(capsys, tmp_path):
    usage_error([str(tmp_path / "nope.py"), "--json", str(tmp_path / "r.json")], capsys)
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["exit_code"] == 2 and document["results"] == []
    assert "no such file or directory" in document["error"]


def test_no_such_module(capsys):
    message = usage_error(["gc_no_such_module_anywhere"], capsys)
    assert "no such file or module: gc_no_such_module_anywhere" in message


def test_a_syntax_error_names_file_and_line(capsys, tmp_path):
    (tmp_path / "gc_syntax.py").write_text("import numpy\n\nclass Layer_X(:\n    pass\n")
    message = usage_error([str(tmp_path / "gc_syntax.py")], capsys)
    assert "SyntaxError" in message and "gc_syntax.py:3" in message


def test_an_exception_at_import_names_file_and_line(capsys, tmp_path):
    (tmp_path / "gc_raises.py").write_text(
        "import numpy as np\n\n\nraise ValueError('no data file')\n")
    message = usage_error([str(tmp_path / "gc_raises.py")], capsys)
    assert "cannot import" in message and "ValueError: no data file" in message
    assert "gc_raises.py:4" in message


def test_a_missing_dependency_of_the_target_is_reported_as_an_import_error(capsys, tmp_path):
    (tmp_path / "gc_needs_dep.py").write_text("import gc_dependency_that_is_missing\n")
    message = usage_error([str(tmp_path / "gc_needs_dep.py")], capsys)
    assert "ModuleNotFoundError: No module named 'gc_dependency_that_is_missing'" in message
    assert "gc_needs_dep.py:1" in message


def test_a_module_without_classes_checks_nothing_and_says_so(capsys, tmp_path):
    (tmp_path / "gc_functions.py").write_text("def relu(x):\n    return x\n")
    message = usage_error([str(tmp_path / "gc_functions.py")], capsys)
    assert "nothing to check in" in message
    assert "no function that returns a gradient and no derivative pair" in message


def test_a_module_without_protocol_classes_checks_nothing_and_says_so(capsys, tmp_path):
    (tmp_path / "gc_optim.py").write_text(
        "class Optimizer_SGD:\n    def update_params(self, layer):\n        pass\n")
    message = usage_error([str(tmp_path / "gc_optim.py")], capsys)
    assert "no checkable class in" in message and "Optimizer_SGD" in message


def test_a_module_whose_classes_are_all_skipped_checks_nothing_and_says_why(capsys, tmp_path):
    (tmp_path / "gc_skipped.py").write_text(
        "class Layer_X:\n    def __init__(self, mystery):\n        pass\n"
        "    def forward(self, inputs):\n        self.output = inputs\n"
        "    def backward(self, dvalues):\n        self.dinputs = dvalues\n")
    message = usage_error([str(tmp_path / "gc_skipped.py")], capsys)
    assert "no checkable class" in message and "Layer_X: constructor argument(s) mystery" in message


def test_the_same_module_passes_once_its_argument_is_given(capsys, tmp_path):
    (tmp_path / "gc_given.py").write_text(
        "GRADCHECK_ARGS = {'Layer_X': {'mystery': 2.0}}\n"
        "class Layer_X:\n    def __init__(self, mystery):\n        self.k = mystery\n"
        "    def forward(self, inputs):\n        self.output = self.k * inputs\n"
        "    def backward(self, dvalues):\n        self.dinputs = self.k * dvalues\n")
    assert main([str(tmp_path / "gc_given.py"), *EXAMPLES, "-q"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed, 0 error, 0 skipped"


def test_a_directory_that_is_not_a_package_and_holds_no_python_file(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("")
    message = usage_error([str(tmp_path)], capsys)
    assert message.endswith("it holds no .py file or notebook")


def test_bad_option_values_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--examples", "0"])
    assert exc.value.code == 2
    assert "expected a positive integer, got '0'" in capsys.readouterr().err


def test_inconclusive_classes_are_flagged_and_fail_only_when_nothing_passed(
        monkeypatch, capsys, tmp_path):
    import gradcheck.targets.pipeline as pipeline
    from gradcheck.targets.runner import ClassResult
    from gradcheck.targets.runner import run_class as real_run_class

    def undecided(planned, **kwargs):
        if planned.status != "check":
            return real_run_class(planned, **kwargs)  # skipped classes stay skipped
        return ClassResult(planned.found.name, planned.found.kind, planned.found.module,
                           "inconclusive", "inconclusive on all 5 examples")

    monkeypatch.setattr(pipeline, "run_class", undecided)
    target = str(TARGETS / "mixed.py")
    assert main([target, "-q", "--json", str(tmp_path / "r.json")]) == 1
    out = capsys.readouterr().out
    assert "nothing was verified" in out
    assert out.splitlines()[-1] == "0 passed, 0 failed, 0 error, 2 skipped, 4 inconclusive"
    result = results_by_class(json.loads((tmp_path / "r.json").read_text()))["Activation_Tanh"]
    assert result["status"] == "skipped" and result["inconclusive"] is True

    def mostly_undecided(planned, **kwargs):
        if planned.found.name == "Activation_Tanh":
            return real_run_class(planned, **kwargs)
        return undecided(planned)

    monkeypatch.setattr(pipeline, "run_class", mostly_undecided)
    assert main([target, "-q", *EXAMPLES]) == 0
    assert main([target, "-q", *EXAMPLES, "--strict"]) == 1
