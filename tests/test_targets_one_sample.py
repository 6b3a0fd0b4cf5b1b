"""One sample at a time only when the class really is (issue 24 follow-up, brief point 4).

The from-scratch tutorial's layers update a bias sized for one sample inside
``backward(grad, learning_rate)``: they are checked one sample at a time
(``test_targets_trial_gaps.py``, whose ``ColumnLinear``/``RowLinear`` are the correct
twins here). A batch layer whose backward raises on batches because of a bug is not: it
is checked on batches and its exception is its ``error``, never a pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from shrinking import shrinking_off

from gradcheck.cli import main
from gradcheck.targets import layer_probe

TARGET = Path(__file__).parent / "cli_targets" / "batch_only.py"
TRIAL = Path(__file__).parent / "cli_targets" / "trial_gaps.py"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("batch_only") / "out.json"
    with shrinking_off():
        code = main([str(TARGET), "--examples", "5", "-q", "--json", str(out)])
    assert code == 1  # the twins do not pass
    return {r["name"]: r for r in json.loads(out.read_text())["results"]}


@pytest.mark.parametrize("name", ["RowDense", "RowSGD"])
def test_a_batch_only_backward_bug_is_the_users_error_not_a_pass(results, name):
    correct, bug = results[name], results[f"{name}_Bug"]
    assert correct["status"] == "passed", correct["message"]
    assert [c["variant"] for c in correct["checks"]] == ["default"]
    assert bug["status"] == "error", bug["message"]
    assert "backward raised ValueError" in bug["message"]
    assert all("one sample" not in c["variant"] for c in bug["checks"])


def _probe(cls: type, inputs: np.ndarray, *, batch_last: bool = False) -> bool:
    from gradcheck.targets.classes import Found

    found = Found(cls, cls.__name__, "batch_only", "layer", "check")
    return layer_probe._one_sample(found, cls(3, 2), inputs, batch_last=batch_last)


def test_the_one_sample_reading_needs_an_update_sized_for_one_sample():
    import importlib.util

    spec = importlib.util.spec_from_file_location("trial_gaps_one", TRIAL)
    assert spec is not None and spec.loader is not None
    trial = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trial)
    spec = importlib.util.spec_from_file_location("batch_only_one", TARGET)
    assert spec is not None and spec.loader is not None
    batch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(batch)
    rows = np.random.default_rng(0).normal(size=(4, 3))
    assert _probe(trial.RowLinear, rows)  # bias (1, 2) updated by a (4, 2) gradient
    assert _probe(trial.ColumnLinear, rows.T.copy(), batch_last=True)
    assert not _probe(batch.RowSGD_Bug, rows)  # raises on a batch, in its own arithmetic
    assert not _probe(batch.RowSGD, rows)  # works on batches


def test_the_operand_message_is_read_for_the_one_sample_axis_only():
    class Holder:
        def __init__(self) -> None:
            self.c = np.zeros((1, 5))

    def message(target: str, batch: str) -> ValueError:
        return ValueError(f"non-broadcastable output operand with shape ({target}) doesn't "
                          f"match the broadcast shape ({batch})")

    assert layer_probe._written_for_one_sample(message("1,5", "3,5"), Holder(), 3)
    assert not layer_probe._written_for_one_sample(message("1,5", "3,5"), Holder(), 4)
    assert not layer_probe._written_for_one_sample(message("1,5", "3,6"), Holder(), 3)
    assert not layer_probe._written_for_one_sample(message("2,5", "3,5"), Holder(), 3)
    assert not layer_probe._written_for_one_sample(TypeError("output operand"), Holder(), 3)
    holder = Holder()
    holder.c = np.zeros((1, 6))  # no array of the written shape: not the object's own update
    assert not layer_probe._written_for_one_sample(message("1,5", "3,5"), holder, 3)
