"""N-D and integer-id layers checked end to end through the CLI.

NEEDS THE REDESIGNED ENGINE: until ``check_layer`` accepts N-D arrays and integer inputs
(no ``dinputs`` expected for ids), these fail with "the check rejected the call"; the
planning they rely on is tested in test_targets_probing.py.
"""

import json
import re
import shutil
from pathlib import Path

TARGETS = Path(__file__).parent / "cli_targets"


def statuses_of(cli, target, cwd):
    run = cli(target, "--examples", "10", "-q", "--json", "report.json", cwd=cwd)
    document = json.loads((Path(cwd) / "report.json").read_text())
    return run, {r["name"]: r for r in document["results"]}


def test_a_2d_convolution_and_an_embedding_pass(gradcheck_cli, tmp_path):
    run, results = statuses_of(gradcheck_cli, TARGETS / "ndim_layers.py", tmp_path)
    assert {n: r["status"] for n, r in results.items()} == {
        "Layer_Conv2D": "passed", "Layer_Embedding": "passed"}, run.stdout
    assert run.returncode == 0


def test_their_typical_slips_fail_naming_the_gradient(gradcheck_cli, tmp_path, no_shrinking):
    buggy = shutil.copy(TARGETS / "ndim_layers.py", tmp_path / "ndim_buggy.py")
    text = Path(buggy).read_text()
    text, count = re.subn(r"self\.dbiases = dvalues\.sum\(axis=\(0, 2, 3\)\)",
                          "self.dbiases = dvalues.sum(axis=(0, 2, 3)) / len(dvalues)", text)
    assert count == 1
    text, count = re.subn(r"np\.add\.at\(self\.dweights, self\.inputs, dvalues\)",
                          "self.dweights[self.inputs] = dvalues", text)
    assert count == 1
    Path(buggy).write_text(text)
    run, results = statuses_of(gradcheck_cli, buggy, tmp_path)
    assert results["Layer_Conv2D"]["status"] == "failed"
    assert "dbiases" in results["Layer_Conv2D"]["message"]
    # repeated ids: assignment keeps one row's gradient instead of summing them
    assert results["Layer_Embedding"]["status"] == "failed"
    assert "dweights" in results["Layer_Embedding"]["message"]
    assert run.returncode == 1
