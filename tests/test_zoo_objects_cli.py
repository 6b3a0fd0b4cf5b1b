"""The object zoo through the command line: the same verdicts as through the API.

``gradcheck zoo/<module>.py`` discovers each class, builds it (defaults, or the module's
``GRADCHECK_ARGS``), probes the inputs it takes (widths, 3-D and 4-D shapes, integer
ids, samples on the last axis) and checks it on drawn examples. Every class the zoo uses
for a bug must fail or error, every class it uses for a correct variant must pass.
"""

from __future__ import annotations

import fnmatch
import json

import pytest
import zoo

from gradcheck.cli import main
from gradcheck.targets import runner

# (module, classes left out): the pooling layers, slow at ties, run as their own case
POOLS = "MaxPool2D*"
OTHERS = ["Conv2D*", "Flatten*", "VanillaRNN*", "Attention*", "Embedding*", "DenseBatchLast*"]
# the pooling classes one per case (4 to 9 s each through the CLI: their ties), so that
# xdist spreads them
POOL_CLASSES = ["MaxPool2D", "MaxPool2D_Assign", "MaxPool2D_NoMask"]
MODULES = [("containers", []), ("names", []), ("constants", []), ("unusual", []),
           ("ndim", [POOLS]),
           *(("ndim", OTHERS + [q for q in POOL_CLASSES if q != p]) for p in POOL_CLASSES),
           ("stateful", [])]
# Classes the CLI lists as not checked, with the word its reason must hold, instead of a
# verdict: a __getattr__ wrapper around an object given to its constructor has nothing in
# the file to build it from (which inner class?), so the CLI names it (--strict fails).
LISTED = {"DelegatingNaive": "delegates"}


def _expected() -> dict[str, set[bool]]:
    kinds: dict[str, set[bool]] = {}
    for entry in zoo.OBJECT_ENTRIES:
        kinds.setdefault(type(entry.factory()).__name__, set()).add(entry.buggy)
    return kinds


@pytest.mark.parametrize(("module", "excluded"), MODULES,
                         ids=[m if POOLS in x or not set(OTHERS) <= set(x)
                              else f"{m}-{(set(POOL_CLASSES) - set(x)).pop()}"
                              for m, x in MODULES])
def test_zoo_module_verdicts_through_the_cli_match_the_api(module, excluded, tmp_path, capsys,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    # verdicts only: a class's status is decided by the first example that fails, and
    # shrinking only makes that example smaller (60-70 % of a failing pooling or
    # convolution class's time: each step judges its ties again), so it is off here; the
    # CLI's shrunk examples are asserted in test_cli_command.py. (MaxPool2D_Assign's
    # shrinking used to be the suite's one run of the kink judge giving up when its
    # evaluation budget runs out: test_numerics_ties.py now asserts that directly.)
    monkeypatch.setattr(runner, "SHRINK_CALLS", 0)
    (tmp_path / "pyproject.toml").write_text(f"[tool.gradcheck]\nexclude = {excluded!r}\n")
    path = tmp_path / "out.json"
    main([str(zoo.__path__[0] + f"/{module}.py"), "--examples", "6", "-q", "--json",
          str(path)])
    capsys.readouterr()
    document = json.loads(path.read_text())
    results = {r["name"]: r for r in document["results"]}
    unchecked = {u["name"]: u["reason"] for u in document["unchecked"]}
    expected = _expected()
    wrong = []
    for entry in getattr(zoo, module).ENTRIES:
        name = type(entry.factory()).__name__
        if name in LISTED and name in results:
            if results[name]["status"] != "skipped" or LISTED[name] not in unchecked.get(
                    name, ""):
                wrong.append(f"{name}: {results[name]['status']}, not listed as unchecked "
                             f"({unchecked.get(name)!r})")
            continue
        if len(expected[name]) > 1 or any(
            fnmatch.fnmatch(name, pattern) for pattern in excluded
        ):
            continue  # (a class used both ways is built differently by the entries)
        result = results.get(name)
        if result is None:
            wrong.append(f"{name}: not in the report")
            continue
        ok = result["status"] in (("failed", "error") if entry.buggy else ("passed",))
        if not ok:
            wrong.append(f"{name} ({'bug' if entry.buggy else 'correct'}): {result['status']}: "
                         f"{result['message'][:160]}")
    assert not wrong, "\n".join(wrong)


WRAPPERS = """
import numpy as np

class Layer_Linear:
    def __init__(self, n_inputs=3, n_neurons=2):
        self.weights = np.linspace(-1.0, 1.0, n_inputs * n_neurons).reshape(n_inputs, n_neurons)
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights
    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dinputs = dvalues @ self.weights.T

class Wrapper_Explicit:
    # delegates too, but forward and backward are its own: built and checked
    def __init__(self, inner=None):
        self.inner = inner if inner is not None else Layer_Linear()
    def __getattr__(self, name):
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
    def forward(self, inputs):
        self.inner.forward(inputs)
        self.output = self.inner.output
    def backward(self, dvalues):
        self.inner.backward(dvalues)
        self.dinputs = self.inner.dinputs

class Wrapper_Implicit:
    # everything through __getattr__: which layer it wraps is only known at the call site
    def __init__(self, inner):
        self.inner = inner
    def __getattr__(self, name):
        return getattr(self.inner, name)

class Settings:
    # neither forward, backward nor __getattr__: not a layer, nothing to list
    def __init__(self, rate):
        self.rate = rate
"""


@pytest.mark.parametrize("strict", [False, True])
def test_a_getattr_wrapper_is_listed_unchecked_and_one_with_its_own_methods_is_checked(
        strict, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gc_wrappers.py").write_text(WRAPPERS)
    path = tmp_path / "out.json"
    code = main(["gc_wrappers.py", "--examples", "4", "-q", "--json", str(path),
                 *(["--strict"] if strict else [])])
    out = capsys.readouterr().out
    document = json.loads(path.read_text())
    statuses = {r["name"]: r["status"] for r in document["results"]}
    assert statuses == {"Layer_Linear": "passed", "Wrapper_Explicit": "passed",
                        "Wrapper_Implicit": "skipped"}
    unchecked = {u["name"]: u["reason"] for u in document["unchecked"]}
    assert list(unchecked) == ["Wrapper_Implicit"]  # not Settings, not the explicit twin
    assert "delegates" in unchecked["Wrapper_Implicit"]
    assert "(inner)" in unchecked["Wrapper_Implicit"]
    assert "check_layer" in unchecked["Wrapper_Implicit"]
    assert "Wrapper_Implicit: delegates" in out
    assert code == (1 if strict else 0)
