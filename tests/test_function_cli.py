"""``gradcheck`` on CS231n-style function files, run from the assignment directory.

The target is the functional zoo's CS231n-like package (``tests/cli_targets/cs231n_like``):
correct layers must pass, every bug must fail with its cause named, a fast-layer module
whose compiled extension is not built must not stop the rest. Each command runs from the
assignment directory as a student would run it, in process (the ``gradcheck_cli``
fixture): no target here ends the process or patches numpy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TARGETS = Path(__file__).parent / "cli_targets"
ASSIGNMENT = TARGETS / "cs231n_like"
EXAMPLES = ["--examples", "5"]


def gradcheck(cli, *args, cwd=ASSIGNMENT, tmp_path):
    path = tmp_path / "report.json"
    run = cli(*args, *EXAMPLES, "--json", path, cwd=cwd)
    assert path.exists(), f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    document = json.loads(path.read_text())
    return run, {r["name"]: r for r in document["results"]}


def test_correct_layers_py_passes_from_the_assignment_directory(gradcheck_cli, tmp_path):
    run, results = gradcheck(gradcheck_cli, "cs231n/layers.py", tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout
    assert {r["kind"] for r in results.values()} == {"function"}
    assert {"affine_forward", "conv_forward_naive", "max_pool_forward_naive",
            "batchnorm_forward+batchnorm_backward_alt", "spatial_groupnorm_forward",
            "svm_loss", "softmax_loss"} <= set(results)
    assert all(r["status"] == "passed" for r in results.values())


def test_every_buggy_layer_fails_with_its_cause(gradcheck_cli, tmp_path, no_shrinking):
    run, results = gradcheck(gradcheck_cli, "cs231n/buggy_layers.py", tmp_path=tmp_path)
    assert run.returncode == 1
    expected = {
        "conv_forward_naive+conv_backward_naive_pad_slice": "dx has shape",
        "conv_forward_naive+conv_backward_naive_stride": "dx",
        "max_pool_forward_naive+max_pool_backward_naive_overwrite": "dx",
        "relu_forward+relu_backward_in_place": "modified its upstream gradient dout",
        "batchnorm_forward+batchnorm_backward_keepdims": "dgamma has shape (1, 1)",
        "batchnorm_forward_running": "dx",
        "dropout_forward+dropout_backward_unscaled": "dx",
        "layernorm_forward+layernorm_backward_axis0": "dx",
        "svm_unscaled_loss": "a missing `/ samples`",
        "softmax_shifted_in_place_loss": "modified its x argument in place",
    }
    for name, says in expected.items():
        assert results[name]["status"] == "failed", name
        assert says in results[name]["message"], results[name]["message"]


def test_recurrent_bugs_fail_and_package_imports_work(gradcheck_cli, tmp_path):
    # buggy_rnn_layers imports `from cs231n.rnn_layers import ...`
    run, results = gradcheck(gradcheck_cli, "cs231n/buggy_rnn_layers.py", tmp_path=tmp_path)
    assert run.returncode == 1
    assert results["lstm_step_forward+lstm_step_backward_in_place"]["status"] == "failed"
    assert "dout_2" in results["lstm_step_forward+lstm_step_backward_in_place"]["message"]
    assert all(r["status"] == "failed" for r in results.values())
    run, results = gradcheck(gradcheck_cli, "cs231n/rnn_layers.py", tmp_path=tmp_path)
    assert run.returncode == 0 and all(r["status"] == "passed" for r in results.values())


def test_an_unbuilt_compiled_extension_skips_only_what_needs_it(gradcheck_cli, tmp_path):
    run, results = gradcheck(gradcheck_cli, "cs231n/fast_layers.py", tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout
    assert results["conv_forward_fast"]["status"] == "skipped"
    assert "im2col_cython" in results["conv_forward_fast"]["message"]
    assert results["max_pool_forward_fast"]["status"] == "passed"


def test_layer_utils_sandwiches_are_checked_and_imported_pairs_are_not(gradcheck_cli, tmp_path):
    run, results = gradcheck(gradcheck_cli, "cs231n/layer_utils.py", tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout
    assert set(results) == {"affine_relu_forward", "conv_relu_forward",
                            "conv_relu_pool_forward", "conv_relu_forward_fast"}
    # the sandwich calls conv_forward_fast, which needs the unbuilt extension
    fast = results["conv_relu_forward_fast"]
    assert fast["status"] == "skipped" and "im2col_cython" in fast["message"]


def test_other_functions_take_their_arguments_from_the_config_or_are_skipped(gradcheck_cli,
                                                                           tmp_path):
    run, results = gradcheck(gradcheck_cli, str(TARGETS / "functions_config.py"), cwd=tmp_path,
                             tmp_path=tmp_path)
    assert run.returncode == 1
    assert results["scale_forward"]["status"] == "passed"
    assert results["scale_wrong_forward"]["status"] == "failed"
    assert "dw" in results["scale_wrong_forward"]["message"]
    assert results["mystery_forward"]["status"] == "skipped"
    assert "GRADCHECK_ARGS" in results["mystery_forward"]["message"]
    assert results["relu_backward"]["status"] == "skipped"
    assert "no forward function relu_forward" in results["relu_backward"]["message"]
    assert "run_backward" not in results
    paired = results["max_pool_forward_loops"]  # paired with max_pool_backward
    assert paired["status"] == "passed", paired["message"]


@pytest.mark.parametrize("source", ["pyproject", "module"])
def test_pyproject_arguments_work_for_functions(gradcheck_cli, tmp_path, source):
    (tmp_path / "ops.py").write_text(
        "def cube_forward(x):\n    return x ** 3, x\n\n"
        "def cube_backward(dout, x):\n    return 3 * x * x * dout\n"
        + ("GRADCHECK_ARGS = {'cube_forward': {'x': {'shape': [2, 3]}}}\n"
           if source == "module" else "")
    )
    if source == "pyproject":
        (tmp_path / "pyproject.toml").write_text(
            "[tool.gradcheck.args.cube_forward]\nx = {shape = [2, 3]}\n")
    run, results = gradcheck(gradcheck_cli, "ops.py", cwd=tmp_path, tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout
    assert results["cube_forward"]["status"] == "passed"
