"""Issue 24's weak points, each correct class with a buggy twin (tests/zoo_observed_b).

- one-hot labels decided by what backward does, whatever the loss is called
  (``one_hot_observed.py``);
- attention with a mask argument checked with a causal mask too, in the code's own
  convention (``causal.py``);
- gradients summed across backward calls with no reset method, judged by their increment
  in fast mode as in exhaustive mode (``accumulate.py``).

Each is judged through the API and through ``gradcheck FILE`` in process with no
configuration: a class whose name ends in ``_Bug`` fails, the others pass.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from zoo_observed_b import accumulate, causal, one_hot_observed

from gradcheck import check_layer, check_loss
from gradcheck.cli import main

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

RNG = np.random.default_rng(0)
PROBS = RNG.dirichlet(np.ones(4), size=5) * 0.9 + 0.025
SPARSE = np.array([0, 3, 1, 2, 3])
ONE_HOT = np.eye(4)[SPARSE]


def classes(module) -> list[type]:
    return [c for c in vars(module).values()
            if isinstance(c, type) and c.__module__ == module.__name__
            and not c.__name__.startswith("_")]  # (a base of the zoo: not checked)


def cli_document(module, tmp_path, capsys, monkeypatch) -> dict:
    """``gradcheck <module>.py --examples 5``: the JSON document."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "out.json"
    main([module.__file__, "--examples", "5", "-q", "--json", str(path)])
    capsys.readouterr()
    return json.loads(path.read_text())


def wrong_verdicts(module, document: dict) -> dict[str, str | None]:
    seen = {r["name"]: r["status"] for r in document["results"]}
    expected = {c.__name__: "failed" if c.__name__.endswith("_Bug") else "passed"
                for c in classes(module)}
    return {name: seen.get(name) for name, status in expected.items()
            if seen.get(name) != status}


# ------------------------------------------------------ one-hot labels, by observation
def test_one_hot_support_is_observed_whatever_the_loss_is_called(tmp_path, capsys,
                                                                 monkeypatch):
    document = cli_document(one_hot_observed, tmp_path, capsys, monkeypatch)
    assert wrong_verdicts(one_hot_observed, document) == {}
    checks = {(r["name"], c["labels"]): c for r in document["results"] for c in r["checks"]}
    for name, raised in (("NLL_HelperTypo_Bug", "AxisError"),
                         ("XEnt_ForwardIndexes_Bug", "IndexError")):
        bug = checks[(name, "one_hot")]
        assert bug["status"] == "failed"
        assert bug["message"].startswith(f"forward raised {raised}")
        assert "on one-hot labels, which its backward handles: it gives them the gradient " \
               "it gives the same labels sparse, so the class takes both kinds" in \
               bug["message"]
        assert "categorical" not in bug["message"]
        assert checks[(name, "sparse")]["status"] == "passed"
    # a typo inside forward's own one-hot branch (a conditional expression) is that
    # branch's bug, whatever backward takes
    for name in ("NLL_OneHotTypo_Bug", "NLL_IntLabels_OneHotTypo_Bug"):
        assert checks[(name, "one_hot")]["status"] == "failed"
        assert checks[(name, "one_hot")]["message"].endswith(
            "on one-hot labels, inside its own branch for them (an `if` on the labels' "
            "shape): that branch has a bug")
    # a fused loss (a scalar of logits) the same way
    fused = checks[("SoftmaxNLL_ForwardIndexes_Bug", "one_hot")]
    assert fused["status"] == "failed" and fused["message"].endswith(
        "so the class takes both kinds; forward must take one-hot labels too "
        "(y_true = np.argmax(y_true, axis=1) when it is 2-D)")
    assert checks[("SoftmaxNLL", "one_hot")]["status"] == "passed"
    assert ("SoftmaxNLL_IntLabels", "one_hot") not in checks
    # a one-hot path that gives other losses fails whatever the class is called
    scaled = checks[("XEnt_OneHotScaled_Bug", "one_hot")]
    assert scaled["status"] == "failed"
    assert scaled["message"].startswith(
        "forward with one-hot labels gives other losses than with the same labels sparse")
    # the correct ones are checked on both kinds
    assert checks[("NLL", "one_hot")]["status"] == "passed"
    assert checks[("XEnt", "one_hot")]["status"] == "passed"
    # a loss whose backward takes sparse labels only, too: sparse labels, said plainly
    assert ("NLL_IntLabels", "one_hot") not in checks
    reasons = {u["name"]: u["reason"] for u in document["unchecked"]}
    assert reasons["NLL_IntLabels"].endswith(
        "(its backward takes sparse labels only too: a loss of sparse labels)")
    assert set(reasons) == {"NLL_IntLabels"}


def test_one_hot_twins_through_check_loss():
    for cls in (one_hot_observed.NLL, one_hot_observed.XEnt):
        for labels in (SPARSE, ONE_HOT):
            assert check_loss(cls(), PROBS, labels, raise_on_failure=False).ok
    assert check_loss(one_hot_observed.NLL_IntLabels(), PROBS, SPARSE).ok
    logits = np.random.default_rng(5).normal(size=(5, 4))
    for labels in (SPARSE, ONE_HOT):
        assert check_loss(one_hot_observed.SoftmaxNLL(), logits, labels).ok
    bug = one_hot_observed.SoftmaxNLL_ForwardIndexes_Bug
    assert check_loss(bug(), logits, SPARSE).ok
    assert not check_loss(bug(), logits, ONE_HOT, raise_on_failure=False).ok
    for twin in (one_hot_observed.NLL_OneHotTypo_Bug, one_hot_observed.NLL_HelperTypo_Bug,
                 one_hot_observed.XEnt_ForwardIndexes_Bug):
        assert check_loss(twin(), PROBS, SPARSE).ok
        report = check_loss(twin(), PROBS, ONE_HOT, raise_on_failure=False)
        assert not report.ok
        assert "forward raised" in " ".join(report.problems)


class _OneLine:
    """The conditional expression's branches are fine; the subscript around it raises."""

    def forward(self, y_pred, y_true):
        return -np.log(y_pred[np.arange(len(y_pred)), y_true if y_true.ndim == 1 else y_true])


class _InBranch:
    def forward(self, y_pred, y_true):
        return -np.log(y_pred[np.arange(len(y_pred)), y_true if y_true.ndim == 1 else y_true.argmax(axis=2)])  # noqa: E501


def test_a_conditional_expression_is_a_branch_only_where_it_raised_inside_it():
    from gradcheck.targets.branches import raised_in_label_branch

    for obj, inside in ((_OneLine(), False), (_InBranch(), True)):
        with pytest.raises((IndexError, ValueError)) as caught:
            obj.forward(PROBS, ONE_HOT)
        line = raised_in_label_branch(obj.forward, caught.value)
        assert (line is not None) == inside, type(obj).__name__


_STORED_LABELS = '''
import numpy as np


class KeepsLabels:
    """Backward reads the labels forward kept: what it is given says nothing."""

    def forward(self, y_pred, y_true):
        self.y = y_true
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -np.log(p[np.arange(len(p)), y_true])

    def backward(self, dvalues, y_true):
        n = len(dvalues)
        self.dinputs = np.zeros_like(dvalues)
        self.dinputs[np.arange(n), self.y] = -1.0 / dvalues[np.arange(n), self.y] / n


class NLLSparse(KeepsLabels):
    """Sparse by its name: backward's reading of one-hot labels is not asked."""

    def backward(self, dvalues, y_true):
        if y_true.ndim == 2:
            y_true = y_true.argmax(axis=1)
        super().backward(dvalues, y_true)
'''


def test_a_backward_that_ignores_the_labels_it_is_given_is_no_evidence(tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stored.py").write_text(_STORED_LABELS)
    path = tmp_path / "out.json"
    assert main(["stored.py", "--examples", "3", "-q", "--json", str(path)]) == 0
    capsys.readouterr()
    document = json.loads(path.read_text())
    reasons = {u["name"]: u["reason"] for u in document["unchecked"]}
    assert reasons["KeepsLabels"].startswith("one-hot labels: forward raised IndexError")
    assert reasons["KeepsLabels"].endswith("stored.py:11)")  # (no reading of backward)
    assert reasons["NLLSparse"].endswith("(sparse labels by its name)")


# ------------------------------------------------------------- masks beyond scalars
def test_a_backward_that_ignores_the_mask_fails_on_the_causal_check(tmp_path, capsys,
                                                                    monkeypatch):
    document = cli_document(causal, tmp_path, capsys, monkeypatch)
    assert wrong_verdicts(causal, document) == {}
    for result in document["results"]:
        neutral, masked = result["checks"]
        # the value that masks nothing hides the bug; the causal mask shows it
        assert neutral["status"] == "passed"
        assert masked["status"] == result["status"]
        dtype = "float64" if result["name"].startswith("Additive") else "bool"
        inputs, shape = ("x (n, 4, 4)", "(4, 4)") if result["name"].startswith("Self") else (
            "q (n, 4, 4), k (n, 5, 4), v (n, 5, 6)", "(4, 5)")  # (self-attention: Lq = Lk)
        assert masked["variant"] == f"{inputs}, mask=a causal {dtype} array of shape {shape}"
    assert {r["name"]: r["checks"][0]["variant"].rsplit("=", 1)[1]
            for r in document["results"] if not r["name"].endswith("_Bug")} == {
        "KeepMaskAttention": "1.0", "DropMaskAttention": "0.0", "AdditiveMaskAttention": "0.0",
        "SelfAttention": "1.0",
        # (~mask takes no number: an array that masks nothing, of the scores' shape)
        "BoolMaskAttention": "a bool array of shape (4, 5), all True"}


def _qkv(n: int = 2) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(3)
    return tuple(rng.standard_normal(s) for s in ((n, 4, 4), (n, 5, 4), (n, 5, 6)))


@pytest.mark.parametrize(("cls", "keep_all", "causal_mask"), [
    (causal.KeepMaskAttention, True, np.tril(np.ones((4, 5), bool))),
    (causal.DropMaskAttention, False, ~np.tril(np.ones((4, 5), bool))),
    (causal.AdditiveMaskAttention, 0.0, np.where(np.tril(np.ones((4, 5), bool)), 0.0, -1e9)),
    (causal.BoolMaskAttention, np.ones((4, 5), bool), np.tril(np.ones((4, 5), bool))),
])
def test_mask_twins_through_check_layer(cls, keep_all, causal_mask):
    q, k, v = _qkv()
    twin = getattr(causal, cls.__name__ + "_Bug")
    assert check_layer(cls(), (q, k, v, causal_mask)).ok
    assert check_layer(twin(), (q, k, v, keep_all)).ok  # nothing masked: no difference
    report = check_layer(twin(), (q, k, v, causal_mask), raise_on_failure=False)
    assert report.status == "failed"
    assert any("a causal" in n and "(a constant, not differentiated)" in n
               for n in report.notes), report.notes


def test_self_attention_twins_through_check_layer():
    x = np.random.default_rng(4).standard_normal((3, 4, 4))
    mask = np.tril(np.ones((4, 4), dtype=bool))
    assert check_layer(causal.SelfAttention(), (x, mask)).ok
    assert check_layer(causal.SelfAttention_Bug(), (x, True)).ok
    assert check_layer(causal.SelfAttention_Bug(), (x, mask),
                       raise_on_failure=False).status == "failed"


def test_no_causal_mask_where_there_is_no_sequence_or_the_mask_changes_nothing():
    from gradcheck.targets import masks

    kept = ((1, "mask", 1.0),)
    rows = np.arange(12.0).reshape(3, 4)
    # 2-D inputs (n, 4): no scores of shape (Lq, Lk) to mask
    assert masks.causal(lambda given: rows, [1], ("x", "mask"), [(4,)], kept) is None
    # a forward whose output no mask changes: nothing to check again
    assert masks.causal(lambda given: rows, [1], ("x", "mask"), [(4, 4)], kept) is None
    # one that changes with it: a causal mask, ones keeping, as the neutral value says
    given = masks.causal(lambda c: rows * np.mean(c[0][2]), [1], ("x", "mask"), [(4, 4)],
                         kept)
    assert given is not None and given[0][2].dtype == bool
    assert np.array_equal(given[0][2], np.tril(np.ones((4, 4), dtype=bool)))


# ------------------------------------------------------------ accumulation, fast mode
def _rows(report) -> dict[str, tuple[str, str]]:
    return {g.name: (str(g.status), g.diagnosis or "") for g in report.gradients}


@pytest.mark.parametrize("mode", ["exhaustive", "fast"])
def test_accumulation_is_read_by_its_increment_in_either_mode(mode):
    x = np.random.default_rng(0).standard_normal((5, 3))
    rows = _rows(check_layer(accumulate.AccumulatingDense_Bug(), x, mode=mode,
                             raise_on_failure=False))
    assert list(rows) == ["dinputs", "dweights", "dweights (increment)", "dbiases"]
    assert rows["dweights"][0] == "failed"
    assert rows["dweights"][1].startswith("accumulates across backward calls (+=)")
    assert rows["dweights"][1].endswith("the increment (what one backward adds) is right")
    assert rows["dweights (increment)"][0] == "passed"
    wrong = _rows(check_layer(accumulate.AccumulatingDense_WrongIncrement_Bug(), x,
                              mode=mode, raise_on_failure=False))
    assert wrong["dweights (increment)"][0] == "failed"
    assert wrong["dweights"][1].endswith(
        "the increment (what one backward adds) is wrong too: too small by the batch size "
        "(5): divided by samples twice?")
    # twins: assigned (=) passes; a reset method's class fails on its own bug, no increment
    assert check_layer(accumulate.Dense(), x, mode=mode).ok
    bug = _rows(check_layer(accumulate.ResettingDense_Bug(), x, mode=mode,
                            raise_on_failure=False))
    assert list(bug) == ["dinputs", "dweights", "dbiases"] and bug["dbiases"][0] == "failed"


class _CachedOnce(accumulate.Dense):
    """A stale cache (the first input kept forever): wrong, and no accumulation."""

    def backward(self, dvalues):
        if not hasattr(self, "first"):
            self.first = self.inputs
        self.dweights = self.first.T @ dvalues
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


def test_a_gradient_that_fails_without_accumulating_gets_no_increment_row_in_fast_mode():
    x = np.random.default_rng(0).standard_normal((5, 3))
    rows = _rows(check_layer(_CachedOnce(), x, mode="fast", raise_on_failure=False))
    assert list(rows) == ["dinputs", "dweights", "dbiases"]
    assert rows["dweights"][0] == "failed"
    assert "accumulates" not in rows["dweights"][1]
