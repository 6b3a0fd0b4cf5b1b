"""A loss function over a dict of parameters: ``loss_and_grads(params, X, y)``.

Before: ``check_function`` said "returned no gradient of a float argument's shape" and
the command skipped it ("no value is known for its argument 'params'"). The dict's keys
the function reads (``params["W1"]``) name its layers; each array whose key the returned
dict holds (``W1`` or ``dW1``) is checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zoo_params_dict import buggy_functional_net, functional_net

from gradcheck import check_function
from gradcheck.cli import main

ZOO = Path(__file__).parent / "zoo_params_dict"
RNG = np.random.default_rng(0)
X, Y = RNG.standard_normal((6, 4)), RNG.integers(0, 3, 6)


@pytest.mark.parametrize(("module", "failing"), [(functional_net, []),
                                                 (buggy_functional_net, ["grads['b1']"])])
def test_through_the_api(module, failing):
    params = module.init_params(4, 5, 3)
    report = check_function(module.loss_and_grads, None, params, X, Y,
                            raise_on_failure=False)
    assert [g.name for g in report.gradients] == [
        "grads['W1']", "grads['b1']", "grads['W2']", "grads['b2']"]
    assert [g.name for g in report.gradients if g.status == "failed"] == failing


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
@pytest.mark.parametrize(("file", "status"), [("functional_net.py", "passed"),
                                              ("buggy_functional_net.py", "failed")])
def test_through_the_command(tmp_path, monkeypatch, capsys, file, status):
    monkeypatch.chdir(ZOO)
    out = tmp_path / "r.json"
    code = main([file, "--examples", "5", "--json", str(out), "-q"])
    (row,) = json.loads(out.read_text())["results"]
    assert (row["name"], row["status"], code) == ("loss_and_grads", status,
                                                  0 if status == "passed" else 1)
    assert row["checks"][0]["variant"].startswith(
        "argument names: params['W1'] (D, H), params['b1'] (H,), params['W2'] (H, C)")
