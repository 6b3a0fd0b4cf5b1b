"""Images kept channels last, ``(N, H, W, C)``, are probed after channels first; a
recurrent layer over a whole sequence gets one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zoo_observed_b import channels_last

from gradcheck.cli import main


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_a_channels_last_convolution_passes_and_its_stride_bug_fails(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main([str(Path(channels_last.__file__)), "--examples", "3", "--json", "r.json",
                 "-q"])
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert code == 1
    good, bad = results["ConvNHWC"], results["ConvNHWC_IgnoresStride"]
    assert good["status"] == "passed"
    assert all(c["variant"].endswith("inputs (n, 5, 7, 3)") for c in good["checks"])
    assert bad["status"] == "failed"
    assert any("stride 2" in c["variant"] and c["status"] == "failed" for c in bad["checks"])


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_a_recurrent_layer_over_a_sequence_gets_one(tmp_path, monkeypatch):
    from zoo_observed import sequence_rnn

    monkeypatch.chdir(tmp_path)
    code = main([str(Path(sequence_rnn.__file__)), "--examples", "3", "--json", "r.json",
                 "-q"])
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert code == 1
    assert results["RNN"]["status"] == "passed"
    assert results["RNN"]["checks"][0]["variant"] == "x (n, 4, 3), h0 (n, 5)"
    assert results["RNN_NoCarry"]["status"] == "failed"
