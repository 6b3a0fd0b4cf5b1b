"""Budgets of a check: memory per stacked call, calls and elements instead of seconds,
automatic mode by estimated cost, BLAS threads capped during a check; the same message
whatever the machine or the hash seed."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from gradcheck import check_layer
from gradcheck.engine import budget, frame
from nnfs_core import Activation_ReLU, Layer_Dense


class OneWrongWeight(Layer_Dense):
    error = 1e-3

    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights[3, 5] += self.error * np.abs(self.dweights).max()


class DoubledWeight(OneWrongWeight):
    error = 1.0  # the largest |dweights|: always among the sampled elements


class CenteredRelu:
    """ReLU of the batch-centred inputs: rows depend on each other (no stacking)."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs - inputs.mean(axis=0))

    def backward(self, dvalues):
        d = dvalues * (self.inputs - self.inputs.mean(axis=0) > 0)
        self.dinputs = d - d.mean(axis=0)


def _peak_of_check(layer, x, **options):
    tracemalloc.start()
    try:
        report = check_layer(layer, x, raise_on_failure=False, **options)
        return report, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- memory ---------------------------------------------------------------------------


def test_stacked_parameter_copies_stay_within_the_memory_budget(monkeypatch):
    # 256 side-by-side copies of a 256 x 256 weight matrix were 128 MB in one call
    monkeypatch.setattr(budget, "MEMORY_BYTES", 4 * 2**20)
    x = np.random.default_rng(0).standard_normal((1, 256))
    report, peak = _peak_of_check(
        Layer_Dense(256, 256, rng=np.random.default_rng(1)), x, mode="exhaustive"
    )
    assert report.status == "passed"
    assert peak < 16 * 2**20


def test_stacked_rows_stay_within_the_memory_budget(monkeypatch):
    # 4,096 perturbed rows of 1,024 inputs and outputs: 976 of them per call (8 MB arrays)
    # under the old element count
    monkeypatch.setattr(budget, "MEMORY_BYTES", 2**20)
    x = np.random.default_rng(0).standard_normal((4, 1024))
    report, peak = _peak_of_check(Activation_ReLU(), x, mode="exhaustive")
    assert report.status == "passed"
    assert peak < 4 * 2**20


def test_a_small_memory_budget_chunks_without_changing_the_verdicts(monkeypatch):
    x = np.random.default_rng(0).standard_normal((4, 48))
    roomy = check_layer(OneWrongWeight(48, 32, rng=np.random.default_rng(1)), x,
                        mode="exhaustive", raise_on_failure=False)
    monkeypatch.setattr(budget, "MEMORY_BYTES", 2**14)
    tight = check_layer(OneWrongWeight(48, 32, rng=np.random.default_rng(1)), x,
                        mode="exhaustive", raise_on_failure=False)
    good = check_layer(Layer_Dense(48, 32, rng=np.random.default_rng(1)), x,
                       mode="exhaustive")
    assert tight.evaluations > roomy.evaluations  # chunked into more calls
    assert good.ok
    for report in (roomy, tight):
        wrong = {g.name: g for g in report.gradients}["dweights"]
        assert wrong.status == "failed" and wrong.index == (3, 5)


def test_the_budgets_count_every_stacked_array():
    budget_bytes = budget.MEMORY_BYTES
    rows = budget.rows_per_call(100, 10)
    assert rows * budget.SAFETY * 8 * (2 * 100 + 6 * 10) <= budget_bytes
    copies = budget.copies_per_call(10**6, 10**3)
    assert copies * 8 * (10**6 + 5 * 10**3) <= budget_bytes
    assert budget.copies_per_call(10**9, 1) == 1  # never refused: one copy per call


# -- no clock -------------------------------------------------------------------------


def _timeless(report) -> tuple[str, dict]:
    text = re.sub(r", [0-9.]+ ms\]", "]", str(report))
    data = report.to_dict()
    data.pop("seconds", None)
    return text, data


def test_locating_a_wrong_element_gives_the_same_report_on_a_slow_clock(monkeypatch):
    # a locate budget of 16 calls samples 1,024 of the 16,384 weights: which ones must not
    # depend on how long a forward call took
    monkeypatch.setattr(budget, "LOCATE_COST", 1e-6)
    x = np.random.default_rng(0).standard_normal((8, 256))

    def located():
        layer = DoubledWeight(256, 64, rng=np.random.default_rng(1))
        return check_layer(layer, x, mode="fast", raise_on_failure=False)

    first = located()
    ticks = iter(range(10**6))
    # every clock a check reads (the time module is one object; frame.py still reads it)
    monkeypatch.setattr(frame.time, "perf_counter", lambda: float(next(ticks)))  # 1 s a call
    second = located()
    wrong = {g.name: g for g in first.gradients}["dweights"]
    assert wrong.method == "sampled" and wrong.checked < 16384 and wrong.index == (3, 5)
    assert _timeless(first) == _timeless(second)


# -- automatic mode ---------------------------------------------------------------------


def test_automatic_mode_is_exhaustive_above_20000_elements_when_stacking_is_cheap():
    x = np.random.default_rng(0).standard_normal((8, 160))
    report = check_layer(OneWrongWeight(160, 150, rng=np.random.default_rng(1)), x,
                         raise_on_failure=False)
    assert x.size + 160 * 150 + 150 > budget.EXHAUSTIVE_LIMIT
    assert report.mode == "exhaustive"
    wrong = {g.name: g for g in report.gradients}["dweights"]
    assert wrong.status == "failed" and wrong.method == "elementwise" and wrong.index == (3, 5)


def test_automatic_mode_is_exhaustive_for_a_row_independent_map_of_25600_inputs():
    x = np.random.default_rng(0).standard_normal((160, 160))
    assert check_layer(Activation_ReLU(), x).mode == "exhaustive"


def test_automatic_mode_is_fast_for_the_same_size_when_every_element_costs_a_call():
    x = np.random.default_rng(0).standard_normal((160, 160))
    report = check_layer(CenteredRelu(), x)
    assert report.mode == "fast" and report.ok


def test_exhaustive_cost_grows_with_the_calls_it_needs():
    shape, params, out = (64, 300), [(300, 200), (1, 200)], 64 * 200
    stacked = budget.exhaustive_cost(shape, params, out, rows=True, columns=True)
    looped = budget.exhaustive_cost(shape, params, out, rows=False, columns=False)
    assert stacked <= budget.EXHAUSTIVE_COST < looped


# -- threads ----------------------------------------------------------------------------


# module-level: a check restores the object, its containers and its class's attributes
SEEN: list[dict[str, int]] = []


def _threads() -> dict[str, int]:
    # by file: numpy's and scipy's OpenBLAS share an internal_api ("openblas")
    return {i["filepath"]: i["num_threads"] for i in threadpool_info()}


class ThreadsSeen(Layer_Dense):
    def forward(self, inputs):
        SEEN.append(_threads())
        super().forward(inputs)


def test_blas_threads_are_capped_during_a_check_and_restored_after():
    blas = {i["filepath"] for i in threadpool_info() if i["user_api"] == "blas"}
    if not blas:
        pytest.skip("no BLAS library that threadpoolctl controls")
    layer = ThreadsSeen(3, 2)
    with threadpool_limits(2):
        layer.forward(np.ones((2, 3)))
        outside = SEEN.pop()
        check_layer(layer, np.ones((2, 3)))
        after = _threads()
    assert all(outside[api] == 2 for api in blas)  # the twin: outside a check, 2 threads
    assert SEEN and all(seen[api] == 1 for seen in SEEN for api in blas)
    assert all(after[api] == 2 for api in blas)


def test_a_blas_loaded_after_the_first_check_is_capped_too():
    # scipy brings its own OpenBLAS; imported after a check, a kept controller missed it
    code = (
        "import numpy as np\n"
        "from threadpoolctl import threadpool_info, threadpool_limits\n"
        "from gradcheck import check_layer\n"
        "from nnfs_core import Layer_Dense\n"
        "seen = []\n"
        "def blas():\n"
        "    return {i['filepath']: i['num_threads'] for i in threadpool_info()\n"
        "            if i['user_api'] == 'blas'}\n"
        "class Seen(Layer_Dense):\n"
        "    def forward(self, inputs):\n"
        "        seen.append(blas())\n"
        "        super().forward(inputs)\n"
        "check_layer(Layer_Dense(3, 2), np.ones((2, 3)))\n"
        "import scipy.linalg\n"
        "with threadpool_limits(2):\n"
        "    outside = blas()\n"
        "    check_layer(Seen(3, 2), np.ones((2, 3)))\n"
        "print(repr((len(outside), sorted(outside.values()),\n"
        "            sorted({max(s.values(), default=1) for s in seen}))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    libraries, outside, inside = ast.literal_eval(done.stdout.strip())
    if libraries == 0:
        pytest.skip("no BLAS library that threadpoolctl controls")
    assert outside == [2] * libraries  # the twin: outside the check, both at 2
    assert inside == [1]


def test_a_missing_gradients_hint_names_each_attribute_once_whatever_the_hash_seed():
    """The hint lists what backward set instead; it once depended on PYTHONHASHSEED (a
    set's order) and repeated names. Two processes with different seeds must agree."""
    code = (
        "import zoo\n"
        "from gradcheck import check_layer\n"
        "e = zoo.OBJECT_BY_NAME['constants/batchnorm_no_dbeta']\n"
        "r = check_layer(e.factory(), *e.data(), raise_on_failure=False, mode='fast')\n"
        "print([g.diagnosis for g in r.gradients if g.status == 'missing'])\n"
    )
    tests = os.path.dirname(os.path.abspath(__file__))
    outs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join([tests, os.environ.get("PYTHONPATH", "")])}
        outs.append(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                   text=True, env=env, check=True).stdout)
    assert outs[0] == outs[1] == outs[2]
    assert "backward set" in outs[0]
    hint = outs[0].split("backward set", 1)[1]
    named = hint.split("`")[1::2]
    assert len(named) == len(set(named)) > 0
