"""An affine written for 2-D ``x``, checked under CS231n's convention (``x`` of shape
``(N, d1, ..., dk)``): its failure names the flattening, not a missing ``keepdims``.

The three files are ours: one that does not flatten ``x`` (fails, and says why), one that
flattens in forward but returns ``dx`` flat (fails on ``dx``'s shape, without the note),
and the correct one (passes).
"""

from __future__ import annotations

import json
import textwrap

import numpy as np

from gradcheck.engine.diagnose import shape_problem

HEAD = textwrap.dedent(
    """
    import numpy as np

    def affine_forward(x, w, b):
        out = {forward} @ w + b
        return out, (x, w, b)

    def affine_backward(dout, cache):
        x, w, b = cache
        xf = x.reshape(x.shape[0], -1)
        return {dx}, {dw} @ dout, dout.sum(axis=0)
    """
)
FLAT_ONLY = HEAD.format(forward="x", dx="dout @ w.T", dw="x.T")
DX_FLAT = HEAD.format(forward="x.reshape(x.shape[0], -1)", dx="dout @ w.T", dw="xf.T")
CORRECT = HEAD.format(forward="x.reshape(x.shape[0], -1)",
                      dx="(dout @ w.T).reshape(x.shape)", dw="xf.T")
NOTE = "right for 2-D x, but x of shape"


def check(gradcheck_cli, tmp_path, source):
    (tmp_path / "layers.py").write_text(source)
    run = gradcheck_cli("layers.py", "--examples", "10", "--json", "r.json", cwd=tmp_path)
    (result,) = json.loads((tmp_path / "r.json").read_text())["results"]
    return run, result


def test_an_affine_that_does_not_flatten_x_is_told_so(gradcheck_cli, tmp_path):
    run, result = check(gradcheck_cli, tmp_path, FLAT_ONLY)
    assert run.returncode == 1 and result["status"] == "failed"
    assert NOTE in run.stdout and "x.reshape(x.shape[0], -1)" in run.stdout
    assert "keepdims" not in run.stdout


def test_a_flattening_forward_whose_dx_stays_flat_fails_without_the_note(gradcheck_cli,
                                                                         tmp_path):
    run, result = check(gradcheck_cli, tmp_path, DX_FLAT)
    assert run.returncode == 1 and result["status"] == "failed"
    assert "dx has shape" in run.stdout and NOTE not in run.stdout


def test_the_correct_affine_passes(gradcheck_cli, tmp_path):
    run, result = check(gradcheck_cli, tmp_path, CORRECT)
    assert run.returncode == 0 and result["status"] == "passed", run.stdout


def test_a_gradient_of_the_right_size_and_other_dimensions_reads_as_flattened():
    assert shape_problem("dx", (2, 6), (2, 2, 3)).endswith(
        ": flattened? reshape it to (2, 2, 3)")
    # not for other sizes, nor where a missing keepdims explains it
    assert "flattened" not in shape_problem("dx", (2, 5), (2, 2, 3))
    assert shape_problem("db", (3,), (1, 3)).endswith("keepdims=True missing in a sum?")


def test_the_api_on_a_flat_dx_names_the_reshape():
    from gradcheck import check_function

    namespace: dict = {}
    exec(DX_FLAT, namespace)  # noqa: S102 - our own source, above
    rng = np.random.default_rng(0)
    report = check_function(namespace["affine_forward"], namespace["affine_backward"],
                            rng.standard_normal((2, 2, 3)), rng.standard_normal((6, 4)),
                            rng.standard_normal(4), raise_on_failure=False)
    assert "flattened? reshape it to (2, 2, 3)" in str(report)
