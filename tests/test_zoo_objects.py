"""Acceptance spec: code as people really write it (``zoo.OBJECT_ENTRIES``).

Parameters in dicts, lists, held sub-layers and lists of layers, one layer applied twice,
properties, lazily created and re-cast parameters, constants beside parameters (masks,
offsets, 0-d scales, running statistics, aliases, views), other attribute names, unusual
objects (``__slots__``, ``__getattr__`` wrappers, ``np.matrix``), N-D layers and integer
ids, and objects whose calls leave traces that a check must undo.

- Every bug is rejected and the report points at its ``expect`` (the gradient named where
  the code keeps it, as a Python expression relative to the object: ``grads['b']``,
  ``dense.dweights``, ``layers[2].dbiases``, ``dW``; or a problem keyword).
- Every correct entry passes, having checked each gradient where the code keeps it.
- Constants are never failures, and the report lists them.
- N-D failures are located by full N-D indices.
- Unusual objects are checked, or refused with a message naming what is unsupported:
  never an internal error, never an exception out of ``check_layer``.
- The object, the objects it holds, class attributes and module-level generators are left
  exactly as found, whether the check passes, fails, or the object raises.
"""

from __future__ import annotations

import copy
import re
from functools import cache

import numpy as np
import pytest
import zoo
from test_zoo import names_expected, run_check
from zoo import constants, containers, names, ndim, stateful, unusual

from gradcheck import check_layer

LENIENT = unusual.ERROR_WORDS  # may be refused (error verdict) with a clear message
STRICT_BUGS = [e for e in zoo.OBJECT_BUGS if e.name not in LENIENT]
STRICT_CORRECT = [e for e in zoo.OBJECT_CORRECT if e.name not in LENIENT]
GRADIENTS = {**containers.GRADIENTS, **names.GRADIENTS, **constants.GRADIENTS,
             **unusual.GRADIENTS, **ndim.GRADIENTS, **stateful.GRADIENTS}
INPUT_GRADIENTS = ("dinputs", "d_inputs")  # compared lower-cased (dInputs -> dinputs)
ELEMENT_BUDGET = 300


def _params(entries):
    return [pytest.param(e, id=f"{e.name} -- {'bug: ' if e.buggy else ''}{e.what}")
            for e in entries]


def _norm(name: str) -> str:
    """Gradient names compared lower-case, with either quote style."""
    return name.replace('"', "'").replace(" ", "").lower()


def _failing(report):
    return [g for g in report.gradients if g.status in ("failed", "missing")]


# ------------------------------------------------------------------ entry by entry


@pytest.mark.parametrize("entry", _params(STRICT_BUGS))
def test_object_bug_is_rejected_and_named(entry):
    report = run_check(entry)
    assert report.ok is False, f"{entry.name} passed:\n{report}"
    assert report.status in ("failed", "error"), str(report)
    assert names_expected(report, entry.expect), (
        f"report does not point at {entry.expect!r}:\n{report}\n{report.message}")


@pytest.mark.parametrize("entry", _params(STRICT_CORRECT))
def test_object_correct_variant_passes(entry):
    report = run_check(entry)
    assert report.status == "passed", f"false alarm on {entry.name}:\n{report}\n{report.message}"
    assert report.ok is True


@pytest.mark.parametrize("entry", _params(zoo.OBJECT_BY_NAME[n] for n in GRADIENTS))
def test_object_correct_variant_checks_each_gradient_where_the_code_keeps_it(entry):
    report = run_check(entry)
    passed = {_norm(g.name) for g in report.gradients if g.status == "passed"}
    absent = [want for want in GRADIENTS[entry.name]
              if not any(_norm(w) in passed for w in want.split("|"))]
    assert not absent, (f"{entry.name}: not checked (or not passed): {absent}; gradients "
                        f"{[(g.name, g.status) for g in report.gradients]}\n{report}")


# ------------------------------------------------------------------------ constants


def _listed(report, name: str) -> bool:
    listed = {c.removeprefix("self.") for c in getattr(report, "constants", [])}
    if name in listed:
        return True
    return re.search(r"(?<![\w.'\"])" + re.escape(name) + r"(?![\w'\"])",
                     " ".join(report.notes)) is not None


@pytest.mark.parametrize("entry", _params(e for e in constants.ENTRIES
                                          if not e.buggy and e.name in constants.CONSTANTS))
def test_constants_pass_and_are_listed_as_constants(entry):
    report = run_check(entry)
    assert report.status == "passed", f"false alarm on {entry.name}:\n{report}\n{report.message}"
    unlisted = [c for c in constants.CONSTANTS[entry.name] if not _listed(report, c)]
    assert not unlisted, (f"{entry.name}: {unlisted} not in report.constants "
                          f"{getattr(report, 'constants', None)} nor in the notes:\n{report}")


@pytest.mark.parametrize("entry", _params(zoo.OBJECT_BY_NAME[n] for n in constants.CONSTANTS))
def test_constant_is_never_reported_as_a_missing_or_failed_gradient(entry):
    report = run_check(entry)
    text = " ".join([*report.problems, *(g.describe() for g in _failing(report))])
    for const in constants.CONSTANTS[entry.name]:
        blamed = [g.name for g in _failing(report)
                  if _norm(g.name) in (f"d{const}".lower(), f"d_{const}".lower(), const.lower())]
        assert not blamed, f"{entry.name}: constant {const!r} blamed as {blamed}:\n{report}"
        assert not re.search(r"(?<![\w.])d_?" + re.escape(const) + r"(?!\w)", text), (
            f"{entry.name}: a problem names d{const}, a constant's gradient:\n{report}")


# ----------------------------------------------------------------- N-D and integer ids


def _array_of(gradient: str, entry) -> np.ndarray | None:
    """The array a gradient belongs to: the inputs, or the parameter it is named after."""
    if gradient.lower() in INPUT_GRADIENTS:
        return entry.data()[0]
    if gradient.startswith("d"):
        value = getattr(entry.factory(), gradient[1:], None)
        if isinstance(value, np.ndarray):
            return value
    return None


@pytest.mark.parametrize("entry", _params(e for e in ndim.ENTRIES if e.buggy))
def test_ndim_failure_is_located_by_a_full_index(entry):
    report = run_check(entry)
    located = []
    for g in report.gradients:
        array = _array_of(g.name, entry)
        if g.status != "failed" or g.index is None or array is None:
            continue
        assert len(g.index) == array.ndim, (
            f"{entry.name}: {g.name} index {g.index} for an array of shape {array.shape}")
        assert all(0 <= i < n for i, n in zip(g.index, array.shape, strict=True)), g.describe()
        located.append(g.name)
    assert located, f"{entry.name}: no failed gradient with an index:\n{report}"


@pytest.mark.parametrize("entry", _params(zoo.OBJECT_BY_NAME[n]
                                          for n in sorted(ndim.INTEGER_INPUTS)))
def test_integer_ids_expect_no_input_gradient(entry):
    (ids,) = entry.data()
    assert ids.dtype.kind == "i", "the zoo must feed integer ids"
    report = run_check(entry)
    blamed = [g.name for g in report.gradients if g.name.lower() in INPUT_GRADIENTS
              and g.status in ("failed", "missing")]
    assert not blamed, f"{entry.name}: integer ids have no gradient, yet {blamed}:\n{report}"
    assert report.status != "error", f"{entry.name}: integer ids refused:\n{report.message}"


# ------------------------------------------------------------------- unusual objects


def _refused_clearly(entry, report) -> str | None:
    """None when an `error` report names what is unsupported; else what is wrong."""
    text = f"{report.message}\n{report}"
    if "gradcheck bug" in text.lower():
        return "an internal error of the checker"
    if not re.search(LENIENT[entry.name], text, re.IGNORECASE):
        return f"the message does not name what is unsupported ({LENIENT[entry.name]!r})"
    return None


@pytest.mark.parametrize("entry", _params(e for e in zoo.OBJECT_CORRECT if e.name in LENIENT))
def test_unusual_correct_object_is_checked_or_refused_clearly(entry):
    report = run_check(entry)  # no exception may escape
    assert "gradcheck bug" not in f"{report.message}\n{report}".lower(), report.message
    assert report.status in ("passed", "error"), f"false alarm on {entry.name}:\n{report}"
    if report.status == "error":
        why = _refused_clearly(entry, report)
        assert why is None, f"{entry.name}: {why}:\n{report.message}"


@pytest.mark.parametrize("entry", _params(e for e in zoo.OBJECT_BUGS if e.name in LENIENT))
def test_unusual_bug_is_rejected_or_refused_clearly(entry):
    report = run_check(entry)  # no exception may escape
    assert "gradcheck bug" not in f"{report.message}\n{report}".lower(), report.message
    assert report.status in ("failed", "error"), f"{entry.name} passed:\n{report}"
    if report.status == "failed":
        assert names_expected(report, entry.expect), (
            f"report does not point at {entry.expect!r}:\n{report}\n{report.message}")
    else:
        why = _refused_clearly(entry, report)
        assert why is None, f"{entry.name}: {why}:\n{report.message}"


# ----------------------------------------------------------------------- registry


def _float_arrays(value, seen=None) -> list[np.ndarray]:
    """Float arrays an object holds (attributes, slots, dicts, lists, sub-objects)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return [value] if value.dtype.kind == "f" else []
    children = _children(value, "")
    return [a for _, child in children for a in _float_arrays(child, seen)]


def test_object_registry_is_well_formed():
    assert len(zoo.OBJECT_BUGS) >= 35 and len(zoo.OBJECT_CORRECT) >= 35
    assert not set(zoo.OBJECT_BY_NAME) & set(zoo.BY_NAME)
    assert all(e not in zoo.ENTRIES for e in zoo.OBJECT_ENTRIES)
    for e in zoo.OBJECT_ENTRIES:
        assert e.kind == "layer", e.name
        args = e.data()
        assert len(args) == 1, e.name
        assert all(np.array_equal(a, b) for a, b in zip(args, e.data(), strict=True)), e.name
        a, b = e.factory(), e.factory()
        assert a is not b, f"{e.name}: factory must build fresh objects"
        held = _float_arrays(a)
        assert all(np.array_equal(x, y) for x, y in zip(held, _float_arrays(b), strict=True)), (
            f"{e.name}: parameters must be deterministic")
        size = args[0].size + sum(x.size for x in {id(x): x for x in held}.values())
        assert size <= ELEMENT_BUDGET, f"{e.name}: {size} elements"
    for table in (GRADIENTS, constants.CONSTANTS, LENIENT):
        assert set(table) <= set(zoo.OBJECT_BY_NAME), set(table) - set(zoo.OBJECT_BY_NAME)


@pytest.mark.parametrize("entry", zoo.OBJECT_BUGS, ids=lambda e: e.name)
def test_object_bug_has_a_correct_twin_on_identical_data(entry):
    twin = zoo.OBJECT_BY_NAME[entry.twin]
    assert not twin.buggy and twin.kind == entry.kind and twin.options == entry.options
    assert all(np.array_equal(a, b) for a, b in zip(entry.data(), twin.data(), strict=True))
    assert isinstance(entry.factory(), type(twin.factory()))


# ------------------------------------------------------------- state left unchanged

_ATOMS = (np.ndarray, np.generic, np.random.Generator, type, str, bytes, int, float, complex,
          bool, type(None))


def _attributes(value) -> dict:
    out = {}
    for cls in type(value).__mro__:
        for slot in cls.__dict__.get("__slots__", ()):
            if slot not in ("__dict__", "__weakref__") and hasattr(value, slot):
                out[slot] = getattr(value, slot)
    out.update(getattr(value, "__dict__", {}))
    return out


def _children(value, path: str) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [(f"{path}[{k!r}]", v) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, _ATOMS) or callable(value):
        return []
    return [(f"{path}.{k}", v) for k, v in _attributes(value).items()]


def _bindings(value, path: str = "obj", out=None, seen=None) -> dict[str, object]:
    """path -> object, for every array, container and object reachable (identities)."""
    out = {} if out is None else out
    seen = set() if seen is None else seen
    if not isinstance(value, _ATOMS) or isinstance(value, (np.ndarray, np.random.Generator)):
        out[path] = value
    if id(value) not in seen:
        seen.add(id(value))
        for sub_path, sub in _children(value, path):
            _bindings(sub, sub_path, out, seen)
    return out


def _differences(before, after, path: str = "obj", out=None) -> list[str]:
    """Where `after` differs in value from `before` (a deep copy taken earlier)."""
    out = [] if out is None else out
    if type(before) is not type(after):
        out.append(f"{path}: {type(before).__name__} became {type(after).__name__}")
    elif isinstance(before, np.ndarray):
        if before.shape != after.shape or before.dtype != after.dtype or not np.array_equal(
                before, after, equal_nan=before.dtype.kind in "fc"):
            out.append(f"{path}: array values differ ({before.shape} {before.dtype})")
    elif isinstance(before, np.random.Generator):
        if before.bit_generator.state != after.bit_generator.state:
            out.append(f"{path}: generator state changed")
    elif isinstance(before, _ATOMS) or callable(before):
        if not before == after:
            out.append(f"{path}: {before!r} became {after!r}")
    else:
        old, new = _children(before, path), _children(after, path)
        if isinstance(before, (list, tuple)) and len(old) != len(new):
            out.append(f"{path}: length {len(old)} became {len(new)}")
        elif not isinstance(before, (list, tuple)):
            gone = {p for p, _ in old} - {p for p, _ in new}
            added = {p for p, _ in new} - {p for p, _ in old}
            if gone or added:
                out.append(f"{path}: entries removed {sorted(gone)}, added {sorted(added)}")
        current = dict(new)
        for sub_path, sub in old:
            if sub_path in current:
                _differences(sub, current[sub_path], sub_path, out)
    return out


def _class_state(obj) -> dict[tuple[str, str], object]:
    """Plain values kept as class attributes by the classes of every object reachable."""
    state = {}
    for value in _bindings(obj).values():
        for cls in type(value).__mro__[:-1]:
            if cls.__module__ in ("builtins",) or cls.__module__.startswith("numpy"):
                continue
            for k, v in vars(cls).items():
                if not k.startswith("__") and isinstance(v, (int, float, str, bool)):
                    state[(f"{cls.__module__}.{cls.__qualname__}", k)] = v
    return state


class _RaisesLater:
    """Backward works ``raise_after`` times in all, then raises on every call."""

    def backward(self, dvalues):
        self.backward_calls = getattr(self, "backward_calls", 0) + 1
        if self.backward_calls > self.raise_after:
            raise ValueError("backward failed on a later call")
        return super().backward(dvalues)


@cache
def _raising(cls):
    return type(f"{cls.__name__}_RaisesLater", (_RaisesLater, cls), {})


def _prepared(factory, make_data, variant):
    """The object after a notebook cell ran it once; the check's inputs."""
    obj = factory()
    warm = np.random.default_rng(99)
    (x_warm,) = make_data(warm)
    if variant == "raising":
        obj.__class__ = _raising(type(obj))
        obj.raise_after = 2  # the warm-up call, and the check's first backward, succeed
    obj.forward(x_warm)
    obj.backward(warm.standard_normal(np.shape(obj.output)))
    (x,) = make_data(np.random.default_rng(0))
    return obj, x


@pytest.mark.parametrize("case", stateful.STATE_CASES, ids=lambda c: c[0])
def test_state_helpers_see_no_change_without_a_check_and_see_one_forward(case):
    # the comparison itself: silent on an untouched object, loud after one forward call
    _, correct, _, make_data = case
    obj, x = _prepared(correct, make_data, "passing")
    before, identities, classes = copy.deepcopy(obj), _bindings(obj), _class_state(obj)
    rng_state = copy.deepcopy(stateful._RNG.bit_generator.state)
    assert _differences(before, obj) == []
    assert all(_bindings(obj)[p] is v for p, v in identities.items())
    obj.forward(x + 1.0)
    seen = (_differences(before, obj) or _class_state(obj) != classes
            or stateful._RNG.bit_generator.state != rng_state)
    assert seen, f"{case[0]}: a forward call on other data left no visible trace"


@pytest.mark.parametrize("variant", ["passing", "failing", "raising"])
@pytest.mark.parametrize("case", stateful.STATE_CASES, ids=lambda c: c[0])
def test_check_leaves_the_object_its_classes_and_module_generators_unchanged(case, variant):
    _, correct, buggy, make_data = case
    obj, x = _prepared(buggy if variant == "failing" else correct, make_data, variant)
    x_before = x.copy()
    before = copy.deepcopy(obj)
    identities = _bindings(obj)
    classes = _class_state(obj)
    rng_state = copy.deepcopy(stateful._RNG.bit_generator.state)

    report = check_layer(obj, x, raise_on_failure=False)  # no exception may escape

    changed = _differences(before, obj)
    rebound = [p for p, v in identities.items() if _bindings(obj).get(p) is not v]
    class_changed = {k: (v, classes.get(k)) for k, v in _class_state(obj).items()
                     if classes.get(k) != v}
    problems = []
    if changed:
        problems.append("values changed: " + "; ".join(changed[:20]))
    if rebound:
        problems.append("no longer the same objects: " + ", ".join(rebound[:20]))
    if class_changed:
        problems.append(f"class attributes changed (now, before): {class_changed}")
    if stateful._RNG.bit_generator.state != rng_state:
        problems.append("the module-level generator stateful._RNG was advanced")
    if not np.array_equal(x, x_before):
        problems.append("the caller's inputs changed")
    assert not problems, f"{case[0]} ({variant}, {report.status}):\n" + "\n".join(problems)

    if variant == "passing":
        assert report.status == "passed", f"false alarm:\n{report}\n{report.message}"
    elif variant == "failing":
        assert report.status in ("failed", "error") and not report.ok, str(report)
    else:
        assert report.status == "error", f"the raising backward was not reported:\n{report}"
        assert "ValueError" in report.message, report.message
