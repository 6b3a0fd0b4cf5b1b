"""Networks and programs (issue 25): Nielsen networks on several samples, programs pinned.

- Nielsen's ``backprop(x, y)`` takes one sample: the checks call it once per sample (the
  columns of ``x``) and sum the nablas, as ``update_mini_batch`` does. The zoo
  ``tests/zoo_fn25/nielsen``: ``cached_network.py`` (backprop reuses the last
  ``feedforward``'s activations: invisible on one sample) and its correct twin.
- A program's parameters drawn at module level by unseeded ``np.random.randn``
  (min-char-rnn): the global generators are pinned to the run's seed while the module's
  code runs, so the same seed gives the same report.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import check_model
from gradcheck.cli import main
from gradcheck.targets.loading import load_target

ROOT = Path(__file__).parent
NIELSEN = ROOT / "zoo_fn25" / "nielsen"
RNN = ROOT / "zoo_networks" / "min_char_rnn"


@pytest.fixture
def isolated():
    path, modules = list(sys.path), dict(sys.modules)
    state = np.random.get_state()
    yield
    sys.path[:] = path
    for name in set(sys.modules) - set(modules):
        del sys.modules[name]
    sys.modules.update(modules)
    np.random.set_state(state)


def results(monkeypatch, tmp_path, capsys, where, *args):
    monkeypatch.chdir(where)
    out = tmp_path / "report.json"
    code = main([*args, "--examples", "5", "-q", "--json", str(out)])
    capsys.readouterr()
    return code, json.loads(out.read_text())["results"]


# ----------------------------------------------------------------------------- Nielsen
def test_nielsen_networks_are_checked_on_several_samples_by_the_command(
        monkeypatch, tmp_path, capsys, isolated):
    code, found = results(monkeypatch, tmp_path, capsys, NIELSEN, "recomputed_network.py",
                          "cached_network.py")
    networks = [r for r in found if r["name"] == "Network"]
    assert [r["status"] for r in networks] == ["passed", "failed"] and code == 1
    notes = networks[0]["checks"][0]["notes"]
    assert any("summed over 4 samples" in n for n in notes)


def sample_data(count):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, count))
    y = np.zeros((3, count))
    y[rng.integers(0, 3, count), np.arange(count)] = 1.0
    return x, y


def test_nielsen_networks_through_the_api_one_sample_misses_what_several_catch(isolated):
    sys.path.insert(0, str(NIELSEN))
    correct, cached = importlib.import_module("recomputed_network"), importlib.import_module(
        "cached_network")
    np.random.seed(1)
    x, y = sample_data(4)
    assert check_model(correct.Network([5, 4, 3]), x, y).ok
    report = check_model(cached.Network([5, 4, 3]), x, y, raise_on_failure=False)
    assert report.status == "failed"
    assert "summed over 4 samples" in report.notes[0]
    # the layout's contract is one sample per call: on one, the bug cannot show
    one = check_model(cached.Network([5, 4, 3]), x[:, :1], y[:, :1])
    assert one.ok and one.notes[0].endswith("for one sample x")


# ----------------------------------------------------------------------------- programs
def _parameters(seed):
    target = load_target(str(RNN / "min_char_rnn.py"), seed=seed)
    return target.module.Wxh.copy()


def test_module_level_randn_is_pinned_by_the_seed_while_the_module_loads(
        monkeypatch, isolated):
    monkeypatch.chdir(RNN)
    np.random.seed(11)
    first = _parameters(3)
    np.random.seed(12)  # another global state before loading: the same parameters
    assert np.array_equal(first, _parameters(3))
    assert not np.array_equal(first, _parameters(4))
    after = np.random.get_state()[1].copy()
    np.random.seed(12)
    _parameters(3)
    assert np.array_equal(np.random.get_state()[1], after)  # the caller's state restored
    # the twin: without a seed, the module's draws follow the global state
    np.random.seed(11)
    unpinned = load_target(str(RNN / "min_char_rnn.py")).module.Wxh.copy()
    np.random.seed(12)
    assert not np.array_equal(unpinned, load_target(
        str(RNN / "min_char_rnn.py")).module.Wxh)


def _report(monkeypatch, tmp_path, capsys, seed):
    _, found = results(monkeypatch, tmp_path, capsys, RNN, "min_char_rnn.py", "--seed",
                       str(seed))
    (program,) = found
    check = program["checks"][0]
    return program["status"], program["message"], check["gradients"]


def test_two_runs_with_the_same_seed_give_the_same_report(monkeypatch, tmp_path, capsys,
                                                          isolated):
    np.random.seed(5)
    first = _report(monkeypatch, tmp_path, capsys, 7)
    np.random.seed(6)
    again = _report(monkeypatch, tmp_path, capsys, 7)
    assert first == again and first[0] == "passed"
    other = _report(monkeypatch, tmp_path, capsys, 8)
    assert other[0] == "passed" and other[2] != first[2]  # other parameters, other numbers
