"""Issue 24, the remaining recognition gaps: each correct class with a buggy twin.

``tests/zoo_observed_b`` modules written here: gradients summed across backward calls
with and without a reset method (``accumulate.py``), a backward taking the learning rate first
(``rate_first.py``), 1-D convolutions over ``(N, C, L)`` and ``(N, L, C)``
(``conv1d.py``), attention whose queries and keys differ in length, with a mask
(``attention.py``), categorical cross-entropies without a one-hot branch (``one_hot.py``).
Each is judged through ``check_layer`` and through ``gradcheck FILE``
with no configuration: a class whose name ends in ``_Bug`` fails, the others pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from zoo_observed_b import accumulate, attention, conv1d, one_hot, rate_first

from gradcheck import check_layer
from gradcheck.cli import main
from gradcheck.protocol import accumulation
from gradcheck.protocol.roles import backward_layout, roles_of
from gradcheck.targets import shapes

ZOO = Path(rate_first.__file__).parent
RNG = np.random.default_rng(0)


def classes(module) -> list[type]:
    return [c for c in vars(module).values()
            if isinstance(c, type) and c.__module__ == module.__name__]


def cli_statuses(module, tmp_path, capsys, monkeypatch) -> dict[str, str]:
    """``gradcheck <module>.py --examples 5``: each class's status (unshrunk)."""
    from gradcheck.targets import runner

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "SHRINK_CALLS", 0)
    path = tmp_path / "out.json"
    main([module.__file__, "--examples", "5", "-q", "--json", str(path)])
    capsys.readouterr()
    return {r["name"]: r["status"] for r in json.loads(path.read_text())["results"]}


def wrong_verdicts(module, seen: dict[str, str]) -> dict[str, str | None]:
    expected = {c.__name__: "failed" if c.__name__.endswith("_Bug") else "passed"
                for c in classes(module)}
    return {name: seen.get(name) for name, status in expected.items()
            if seen.get(name) != status}


# ------------------------------------------------ accumulation without a reset method
def _rows(report) -> dict[str, object]:
    return {g.name: g for g in report.gradients}


def test_accumulation_without_a_reset_fails_and_says_the_increment_is_right():
    x = RNG.standard_normal((5, 3))
    report = check_layer(accumulate.AccumulatingDense_Bug(), x, raise_on_failure=False)
    assert report.status == "failed"
    rows = _rows(report)
    assert rows["dweights"].status == "failed"
    assert rows["dweights"].diagnosis.startswith(
        "accumulates across backward calls (+=) and the class has no reset method")
    assert "every backward after the first gives a wrong dweights" in rows["dweights"].diagnosis
    assert rows["dweights"].diagnosis.endswith(
        "the increment (what one backward adds) is right")
    assert rows["dweights (increment)"].status == "passed"
    # its twin: the same sum, assigned instead (the book's way), passes
    assert check_layer(accumulate.Dense(), x, raise_on_failure=False).ok


def test_accumulation_with_a_wrong_increment_names_the_gradient_error_too():
    x = RNG.standard_normal((5, 3))
    report = check_layer(accumulate.AccumulatingDense_WrongIncrement_Bug(), x,
                         raise_on_failure=False)
    rows = _rows(report)
    assert rows["dweights (increment)"].status == "failed"
    assert "the increment (what one backward adds) is wrong too: too small by the batch " \
           "size (5)" in rows["dweights"].diagnosis


def test_a_class_with_its_own_reset_method_is_checked_per_call():
    x = RNG.standard_normal((5, 3))
    report = check_layer(accumulate.ResettingDense(), x)
    assert report.ok and "dweights (increment)" not in _rows(report)
    assert any(n.startswith("zero_grad(), the class's own gradient reset") for n in report.notes)
    report = check_layer(accumulate.ResettingDense_Bug(), x, raise_on_failure=False)
    assert [g.name for g in report.gradients if g.status == "failed"] == ["dbiases"]


def test_an_increment_is_only_read_from_equal_steps():
    a = np.ones((2, 3))
    assert np.array_equal(accumulation.increment(a, 2 * a, 3 * a, 1e-16), a)
    # a cache filled once changes once, then stays: no increment
    assert accumulation.increment(a, 2 * a, 2 * a, 1e-16) is None
    assert accumulation.increment(a, a, a, 1e-16) is None  # nothing added
    assert accumulation.increment(a, 2 * a, None, 1e-16) is None


def test_accumulation_through_the_cli(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "out.json"
    # (shrunk as a user sees it: the minimal example, inputs at 0, adds nothing to the
    # sum; the finding comes from the same check on random rows)
    main([accumulate.__file__, "--examples", "5", "-q", "--json", str(path)])
    capsys.readouterr()
    results = json.loads(path.read_text())["results"]
    assert not wrong_verdicts(accumulate, {r["name"]: r["status"] for r in results})
    messages = {r["name"]: r["message"] for r in results}
    assert "accumulates across backward calls" in messages["AccumulatingDense_Bug"]
    assert "the increment (what one backward adds) is right" in \
        messages["AccumulatingDense_Bug"]
    assert "is wrong too" in messages["AccumulatingDense_WrongIncrement_Bug"]


# ------------------------------------------------------- the learning rate first
@pytest.mark.parametrize(("correct", "buggy", "says"), [
    (rate_first.Layer, rate_first.Layer_BiasMean_Bug, "update of b at learning_rate"),
    (rate_first.Layer, rate_first.Layer_UpdatedWeights_Bug, "already updated"),
    (rate_first.Sigmoid, rate_first.Sigmoid_Bug, "dinputs"),
    (rate_first.Dense, rate_first.Dense_Bug, "update of weights at learning_rate"),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_a_backward_taking_the_learning_rate_anywhere_is_read(correct, buggy, says):
    x = RNG.standard_normal((5, 3))
    report = check_layer(correct(), x, raise_on_failure=False)
    assert report.ok, str(report)
    report = check_layer(buggy(), x, raise_on_failure=False)
    assert not report.ok
    assert says in str(report), str(report)


def test_the_report_says_how_backward_was_called():
    x = RNG.standard_normal((5, 3))
    notes = " ".join(check_layer(rate_first.Layer(), x).notes)
    assert "backwardpass(lr, X, delta) (X: forward's input, given again): the input " \
           "gradient read at learning rate 0; it updates W, b itself" in notes
    notes = " ".join(check_layer(rate_first.Dense(), x).notes)
    assert "backward(x, grad, eta) (x: forward's input, given again)" in notes


def test_the_roles_of_backward_arguments_come_from_their_names():
    def lr_first(self, lr, X, delta): ...
    def input_last(self, delta, eta, a_prev): ...
    def rate_only(self, alpha, grad): ...
    def usual(self, output_gradient, learning_rate): ...
    def labels(self, dz, y): ...
    def unsettled(self, lr, p, q): ...
    def with_labels(self, dvalues, y_true, lr): ...

    assert backward_layout(lr_first) == (("rate", "input", "grad"), "lr, X, delta")
    assert backward_layout(input_last) == (("grad", "rate", "input"), "delta, eta, a_prev")
    assert backward_layout(rate_only) == (("rate", "grad"), "alpha, grad")
    # the usual order, labels and what names do not settle keep the old reading
    assert backward_layout(usual) == backward_layout(labels) == ((), "")
    assert backward_layout(unsettled) == backward_layout(with_labels) == ((), "")
    assert roles_of(rate_first.Layer).learning_rate


def test_the_learning_rate_first_through_the_cli(tmp_path, capsys, monkeypatch):
    seen = cli_statuses(rate_first, tmp_path, capsys, monkeypatch)
    assert not wrong_verdicts(rate_first, seen), seen


# ------------------------------------------------------------- 1-D convolutions
@pytest.mark.parametrize(("correct", "buggy", "args", "shape", "says"), [
    (conv1d.Conv1D, conv1d.Conv1D_BiasOneStep_Bug, (3, 4, 3), (2, 3, 9), "db"),
    (conv1d.Conv1D, conv1d.Conv1D_Stride_Bug, (3, 4, 3, 2), (2, 3, 9), "dx"),
    (conv1d.TemporalConv, conv1d.TemporalConv_Bug, (3, 4), (2, 9, 3), "dbiases"),
    (conv1d.LazyConv1D, conv1d.LazyConv1D_Bug, (4, 3), (2, 9, 3), "gradients['b']"),
    (conv1d.FilterBank, conv1d.FilterBank_Bug, (4, 3, 3), (2, 3, 9), "dinputs"),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_a_1d_convolution_and_its_twin_through_check_layer(correct, buggy, args, shape, says):
    x = RNG.standard_normal(shape)
    assert check_layer(correct(*args), x, raise_on_failure=False).ok
    report = check_layer(buggy(*args), x, raise_on_failure=False)
    assert [g.name for g in report.gradients if g.status == "failed"] == [says], str(report)


def test_1d_convolutions_are_fed_3d_sequences_through_the_cli(tmp_path, capsys, monkeypatch):
    from gradcheck.targets import runner

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "SHRINK_CALLS", 0)
    path = tmp_path / "out.json"
    main([conv1d.__file__, "--examples", "3", "-q", "--json", str(path)])
    capsys.readouterr()
    results = json.loads(path.read_text())["results"]
    seen = {r["name"]: r["status"] for r in results}
    assert not wrong_verdicts(conv1d, seen), seen
    default = {r["name"]: r["checks"][0]["variant"] for r in results}
    # channels first (N, C, L) from in_channels; channels last (N, L, C), long enough for
    # a window the first forward makes its weights for
    assert default["Conv1D"] == "inputs (n, 3, 7)"
    assert default["TemporalConv"] == "inputs (n, 4, 3)"
    assert default["LazyConv1D"] == "inputs (n, 8, 3)"
    # no channels or kernel name: the channels read from 3-D weights (filters, C, width)
    assert default["FilterBank"] == "inputs (n, 4, 6)"
    # the stride bug shows only at stride 2, the variant the defaults do not reach
    stride = {(r["name"], c["status"]) for r in results for c in r["checks"]
              if "stride 2" in c["variant"]}
    assert ("Conv1D_Stride_Bug", "failed") in stride


def test_an_output_with_an_empty_axis_is_no_accepted_input():
    # a window longer than the sequence gives (n, channels, 0): nothing to check there
    assert not shapes.accepted(np.zeros((3, 4, 0)), 3)
    assert shapes.accepted(np.zeros((3, 4, 1)), 3)


# ------------------------------------------- attention with Lq != Lk, and a mask
def _qkv(lq=3, lk=5, d=4, dv=6):
    rng = np.random.default_rng(1)
    return (rng.standard_normal((2, lq, d)), rng.standard_normal((2, lk, d)),
            rng.standard_normal((2, lk, dv)))


@pytest.mark.parametrize(("correct", "buggy", "mask"), [
    (attention.CrossAttention, attention.CrossAttention_WrongAxis_Bug, ()),
    (attention.CrossAttention, attention.CrossAttention_NoScale_Bug, ()),
    (attention.MaskedAttention, attention.MaskedAttention_Bug, (0.0,)),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_attention_with_other_query_and_key_lengths_through_check_layer(correct, buggy,
                                                                        mask):
    inputs = (*_qkv(), *mask)
    report = check_layer(correct(), inputs, raise_on_failure=False)
    assert report.ok, str(report)
    assert check_layer(buggy(), inputs, raise_on_failure=False).status == "failed"


def test_a_mask_argument_is_a_constant_never_differentiated():
    q, k, v = _qkv()
    mask = np.zeros((2, 3, 5))
    mask[:, :, 3:] = -np.inf  # the last two keys dropped
    report = check_layer(attention.MaskedAttention(), (q, k, v, mask))
    assert report.ok
    assert any("mask = an array of shape (2, 3, 5) (a constant, not differentiated)" in n
               for n in report.notes), report.notes
    assert [g.name for g in report.gradients] == ["d(q, k, v)"]


def test_the_bug_that_equal_lengths_hide_is_why_the_cli_draws_them_different():
    # sqrt(Lk) for sqrt(d): right whenever the number of keys equals the width
    assert check_layer(attention.MaskedAttention_Bug(), (*_qkv(4, 4, 4, 4), 0.0)).ok
    assert not check_layer(attention.MaskedAttention_Bug(), (*_qkv(4, 5, 4, 6), 0.0),
                           raise_on_failure=False).ok


def test_attention_through_the_cli_with_no_configuration(tmp_path, capsys, monkeypatch):
    from gradcheck.targets import runner

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "SHRINK_CALLS", 0)
    path = tmp_path / "out.json"
    main([attention.__file__, "--examples", "5", "-q", "--json", str(path)])
    capsys.readouterr()
    results = json.loads(path.read_text())["results"]
    assert not wrong_verdicts(attention, {r["name"]: r["status"] for r in results})
    variants = {r["name"]: r["checks"][0]["variant"] for r in results}
    assert variants["CrossAttention"] == "q (n, 4, 4), k (n, 5, 4), v (n, 5, 6)"
    assert variants["MaskedAttention"] == "q (n, 4, 4), k (n, 5, 4), v (n, 5, 6), mask=0.0"


_MASKS = """
import numpy as np


def _attend(q, k, v, scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Keeps:
    # ones keep: np.where(mask, scores, -1e9)
    def forward(self, q, k, v, mask):
        self.q, self.k, self.v = q, k, v
        s = np.where(mask, q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1]), -1e9)
        self.p = _attend(q, k, v, s)
        return self.p @ v

    def backward(self, dout):
        dv = self.p.transpose(0, 2, 1) @ dout
        dp = dout @ self.v.transpose(0, 2, 1)
        ds = self.p * (dp - (dp * self.p).sum(axis=-1, keepdims=True)) / np.sqrt(
            self.q.shape[-1])
        return ds @ self.k, ds.transpose(0, 2, 1) @ self.q, dv


class Drops(Keeps):
    # ones drop: np.where(mask, -1e9, scores)
    def forward(self, q, k, v, mask):
        self.q, self.k, self.v = q, k, v
        s = np.where(mask, -1e9, q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1]))
        self.p = _attend(q, k, v, s)
        return self.p @ v
"""


def test_a_required_mask_gets_the_value_that_masks_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "masks.py").write_text(_MASKS)
    path = tmp_path / "out.json"
    assert main(["masks.py", "--examples", "3", "-q", "--json", str(path)]) == 0
    capsys.readouterr()
    variants = {r["name"]: r["checks"][0]["variant"]
                for r in json.loads(path.read_text())["results"]}
    assert variants["Keeps"].endswith("mask=1.0")
    assert variants["Drops"].endswith("mask=0.0")


# ------------------------------------ categorical cross-entropy without a one-hot branch
def test_a_one_hot_kind_its_backward_handles_fails_when_forward_raises_on_it(
        tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "out.json"
    main([one_hot.__file__, "--examples", "3", "-q", "--json", str(path)])
    capsys.readouterr()
    document = json.loads(path.read_text())
    checks = {(r["name"], c["labels"]): c for r in document["results"] for c in r["checks"]}
    bug = checks[("CategoricalCrossentropy_ForwardIndexes_Bug", "one_hot")]
    assert bug["status"] == "failed"
    assert "on one-hot labels, which its backward handles: a categorical cross-entropy " \
           "takes sparse and one-hot labels" in bug["message"]
    assert checks[("CategoricalCrossentropy_ForwardIndexes_Bug", "sparse")]["status"] == \
        "passed"
    # twins: sparse labels only in forward and backward is a narrower class, said plainly;
    # sparse by its name is not the family's
    statuses = {r["name"]: r["status"] for r in document["results"]}
    assert statuses["CategoricalCrossentropy_IntLabels"] == "passed"
    assert statuses["SparseCategoricalCrossentropy"] == "passed"
    reasons = {u["name"]: u["reason"] for u in document["unchecked"]}
    assert reasons["CategoricalCrossentropy_IntLabels"].endswith(
        "(this categorical cross-entropy handles sparse labels only, in forward and "
        "backward: the book's takes both)")
    assert "categorical" not in reasons["SparseCategoricalCrossentropy"]
