"""Leave no trace: snapshot and restore an object, pin randomness, undo ``nnfs.init()``.

Everything here is a context manager so that the check restores state also when the
user's code raises.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import random
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from gradcheck.protocol.places import attributes, is_user_object

__all__ = [
    "RandomPin",
    "Snapshot",
    "generator",
    "numpy_unpatched",
    "python_fingerprint",
    "python_state",
    "raw_python_reads_work",
    "raw_writes_work",
    "save_numpy",
    "unheld_randomness",
    "uniform_signed",
]

_MAX_DEPTH = 4
_MAX_ITEMS = 256


class Snapshot:
    """Everything reachable from an object, restorable exactly.

    Saved: the attributes of the object and of every user object it holds (directly, in
    dicts, lists and tuples, to a few levels), the contents of those dicts and lists, the
    contents of every array among them, the data attributes of their classes (a counter
    in a class attribute), and the state of random generators held by their classes or
    modules. ``restore()`` puts back bindings, container contents and array contents, so a
    parameter keeps its identity and its values, and a list of layers gets its layers back
    with the inputs they held before the check.
    """

    def __init__(self, obj: Any) -> None:
        self._objects: list[tuple[Any, dict[str, Any]]] = []
        self._dicts: list[tuple[dict[Any, Any], dict[Any, Any]]] = []
        self._lists: list[tuple[list[Any], list[Any]]] = []
        self._arrays: list[tuple[np.ndarray, np.ndarray]] = []
        self._classes: list[tuple[type, dict[str, Any]]] = []
        self._generators: list[tuple[Any, Any]] = []
        seen: set[int] = set()
        self._visit(obj, 0, seen)
        for cls in {type(o) for o, _ in self._objects}:
            self._save_class(cls, seen)

    def _visit(self, value: Any, depth: int, seen: set[int]) -> None:
        if id(value) in seen or depth > _MAX_DEPTH:
            return
        if isinstance(value, np.ndarray):
            seen.add(id(value))
            self._arrays.append((value, value.copy()))
            return
        if isinstance(value, np.random.Generator):
            seen.add(id(value))
            self._generators.append((value, value.bit_generator.state))
            return
        if isinstance(value, dict):
            seen.add(id(value))
            self._dicts.append((value, dict(value)))
            items = list(value.values())
        elif isinstance(value, list):
            seen.add(id(value))
            self._lists.append((value, list(value)))
            items = list(value)
        elif isinstance(value, tuple):
            seen.add(id(value))
            items = list(value)
        elif is_user_object(value):
            seen.add(id(value))
            self._objects.append((value, attributes(value)))
            items = list(attributes(value).values())
        else:
            return
        for item in items[:_MAX_ITEMS]:
            self._visit(item, depth + 1, seen)

    def _save_class(self, cls: type, seen: set[int]) -> None:
        for klass in cls.__mro__:
            module = klass.__module__ or ""
            if klass is object or module.startswith(("builtins", "numpy", "gradcheck")):
                continue
            data = _class_data(klass)
            self._classes.append((klass, data))
            for value in data.values():
                self._visit(value, _MAX_DEPTH, seen)
            for value in _module_generators(sys.modules.get(module)):
                if id(value) not in seen:
                    seen.add(id(value))
                    self._generators.append((value, value.bit_generator.state))

    def restore(self) -> None:
        """Put everything back as it was when the snapshot was taken."""
        for array, contents in self._arrays:
            if array.shape == contents.shape and not _same_contents(array, contents):
                with contextlib.suppress(ValueError, TypeError):
                    np.copyto(array, contents)
        for container, items in self._dicts:
            if len(container) != len(items) or any(
                container.get(k, _ABSENT) is not v for k, v in items.items()
            ):
                container.clear()
                container.update(items)
        for sequence, elements in self._lists:
            if len(sequence) != len(elements) or any(
                a is not b for a, b in zip(sequence, elements, strict=True)
            ):
                sequence[:] = elements
        for obj, attrs in self._objects:
            current = attributes(obj)
            for key in [k for k in current if k not in attrs]:
                with contextlib.suppress(AttributeError, TypeError):
                    delattr(obj, key)
            for key, value in attrs.items():
                if current.get(key, _ABSENT) is not value:
                    with contextlib.suppress(AttributeError, TypeError):
                        object.__setattr__(obj, key, value)
        for klass, data in self._classes:
            for key in [k for k in _class_data(klass) if k not in data]:
                with contextlib.suppress(AttributeError, TypeError):
                    delattr(klass, key)
            for key, value in data.items():
                if vars(klass).get(key, _ABSENT) is not value:
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(klass, key, value)
        for generator, state in self._generators:
            generator.bit_generator.state = state


_ABSENT = object()


def _same_contents(array: np.ndarray, contents: np.ndarray) -> bool:
    """Bit for bit equal (NaN included); bytes compared directly for small arrays."""
    if array.size <= 4096 and array.dtype == contents.dtype:
        return array.tobytes() == contents.tobytes()
    return bool(np.array_equal(array, contents, equal_nan=array.dtype.kind in "fc"))


def _class_data(klass: type) -> dict[str, Any]:
    """A class's own data attributes (counters, settings): no methods or descriptors."""
    return {
        k: v for k, v in vars(klass).items()
        if not k.startswith("__") and not callable(v)
        and not hasattr(v, "__get__") and not hasattr(v, "__set__")
    }


_MODULE_GENERATORS: dict[int, tuple[int, list[str]]] = {}


def _module_generators(module: Any) -> list[np.random.Generator]:
    """The numpy Generators a module holds as globals (names cached per module size)."""
    if module is None:
        return []
    space = vars(module)
    cached = _MODULE_GENERATORS.get(id(module))
    if cached is None or cached[0] != len(space):
        names = [k for k, v in space.items() if isinstance(v, np.random.Generator)]
        _MODULE_GENERATORS[id(module)] = cached = (len(space), names)
    return [g for k in cached[1] if isinstance(g := space.get(k), np.random.Generator)]


class RandomPin:
    """Pin numpy's and Python's global random state and the Generators the object reaches.

    Whether the object draws at all is learnt from its first calls (until ``settle()``),
    by fingerprints of the random state taken before and after each call; the state is
    not touched meanwhile. Once the object is seen drawing, ``reset()`` before every
    forward call re-seeds the global generators with one fixed seed, so that a layer
    that draws from ``np.random`` (dropout) draws the same numbers on every evaluation.
    ``restore()`` leaves every random source exactly as it was before the check; an
    object that never drew costs no re-seeding and no restoring.
    """

    def __init__(self, obj: Any, seed: int = 0) -> None:
        self._numpy, self._numpy_print = save_numpy()
        self._python_print = python_fingerprint()  # (getstate() itself only if needed)
        self._generators = [(g, g.bit_generator.state) for g in _generators(obj)]
        self._seed = seed
        self._before: tuple[Any, Any, list[Any]] | None = None
        self._seeded = False
        self.draws = False
        self._settled = False

    @property
    def active(self) -> bool:
        """Whether ``reset()`` has work to do before a call."""
        return self.draws or not self._settled

    def reset(self) -> None:
        """Before a call: rewind every random source to the pinned state.

        While probing, take the fingerprints the call will be compared with instead.
        """
        if self.draws:
            self._seeded = True
            np.random.seed(self._seed)
            random.seed(self._seed)
            for generator, state in self._generators:
                generator.bit_generator.state = state
        elif not self._settled:
            self._before = (
                _numpy_fingerprint(),
                python_fingerprint(),
                [g.bit_generator.state for g, _ in self._generators],
            )

    def note_draws(self) -> None:
        """Record whether the call since the last ``reset()`` consumed randomness."""
        if self._settled or self.draws or self._before is None:
            return
        numpy_print, python, states = self._before
        self.draws = (
            _numpy_fingerprint() != numpy_print
            or python_fingerprint() != python
            or any(
                g.bit_generator.state != s
                for (g, _), s in zip(self._generators, states, strict=True)
            )
        )

    def settle(self) -> None:
        """Stop probing: from now on only an object that drew is re-seeded."""
        self._settled = True

    def restore(self) -> None:
        """Leave every random source as it was before the check."""
        # numpy's get/set_state cost ~0.1 ms each: set only when something moved. The
        # legacy Gaussian cache can change without moving the bit generator only when a
        # cached value was there to consume (has_gauss), so then it is always restored.
        if self._seeded or self._numpy[3] or _numpy_fingerprint() != self._numpy_print:
            np.random.set_state(self._numpy)
        if self._seeded or python_fingerprint() != self._python_print:
            random.setstate(python_state(self._python_print))
        for generator, state in self._generators:
            generator.bit_generator.state = state


@functools.lru_cache(maxsize=64)
def _seed_sequence(seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed)


def generator(seed: int) -> np.random.Generator:
    """``np.random.default_rng(seed)``, the same stream; the seed is hashed once per seed.

    (``default_rng`` hashes the seed into a ``SeedSequence`` on every call, about half its
    cost; a ``SeedSequence`` only generates the same words again.)
    """
    if type(seed) is not int:
        return np.random.default_rng(seed)
    return np.random.Generator(np.random.PCG64(_seed_sequence(seed)))


def uniform_signed(rng: np.random.Generator, shape: Any) -> np.ndarray:
    """``rng.uniform(-1.0, 1.0, shape)``: the same draws, the same values, at less cost.

    ``uniform`` computes ``-1 + 2 u`` per draw through a generic callback; ``random``
    fills ``u`` directly, and ``2 u - 1`` is the same number (doubling is exact, the
    subtraction rounds as the addition does).
    """
    u = rng.random(shape)
    u *= 2.0
    u -= 1.0
    return u


def unheld_randomness(forward: Callable[[np.ndarray], Any], x: np.ndarray) -> str | None:
    """Why the checker cannot pin the object's randomness, or ``None`` when it can.

    ``forward`` is called twice on copies of ``x`` (with the random state pinned as for
    every evaluation); different outputs mean the object draws from a source no pin
    reaches, e.g. a fresh ``np.random.default_rng()`` on every call.
    """
    first = np.asarray(forward(x.copy()), dtype=np.float64)
    second = np.asarray(forward(x.copy()), dtype=np.float64)
    if first.shape == second.shape and (
        # (NaN compared as equal only when plain equality fails: the usual case is cheap)
        bool((first == second).all()) or np.array_equal(first, second, equal_nan=True)
    ):
        return None
    return (
        "forward draws from a random source the checker cannot hold: two forward calls on "
        "the same inputs, with numpy's and Python's random state and every Generator held by "
        "the object, its class or its module pinned, gave different outputs (e.g. a fresh "
        "np.random.default_rng() on every call); keep the Generator on the object, its class "
        "or its module so that it can be pinned"
    )


_KEY_BYTES = 624 * 4  # numpy's mt19937_state: uint32 key[624]; int pos
_MT19937_BYTES = _KEY_BYTES + 4


def _numpy_fingerprint() -> Any:
    """The global generator's raw state, read cheaply (``get_state`` copies it slowly)."""
    generator = np.random.mtrand._rand._bit_generator
    if type(generator).__name__ == "MT19937":
        try:
            return ctypes.string_at(generator.ctypes.state_address, _MT19937_BYTES)
        except (AttributeError, TypeError, ValueError, OSError):
            pass
    return repr(generator.state)


# CPython's _random.Random after the object header: int index; uint32_t state[624]
_PY_HEADER = 2 * ctypes.sizeof(ctypes.c_void_p)
_PY_STATE_BYTES = 4 + 624 * 4


def python_fingerprint() -> Any:
    """Python's global generator's state, read cheaply (``getstate`` builds 625 ints).

    The raw ``index`` and ``state`` words and the cached Gaussian, where reading them is
    verified to give ``getstate()`` exactly (:func:`raw_python_reads_work`); otherwise
    ``getstate()`` itself. :func:`python_state` turns either into ``getstate()``'s value.
    """
    inst = random._inst  # the generator behind random.random(), random.seed(), ...
    if raw_python_reads_work():
        return ctypes.string_at(id(inst) + _PY_HEADER, _PY_STATE_BYTES), _gauss_next(inst)
    return inst.getstate()


def python_state(fingerprint: Any) -> Any:
    """``random.getstate()``'s value for a :func:`python_fingerprint`."""
    if not (isinstance(fingerprint, tuple) and len(fingerprint) == 2
            and isinstance(fingerprint[0], bytes)):
        return fingerprint
    raw, gauss = fingerprint
    words = np.frombuffer(raw, dtype=np.uint32)
    index = int(np.frombuffer(raw[:4], dtype=np.intc)[0])
    return (random.Random.VERSION, (*words[1:].tolist(), index), gauss)


@functools.cache
def raw_python_reads_work() -> bool:
    """Whether the raw words of Python's global generator are what ``getstate`` gives.

    Tried once per process (CPython only), on the global generator, left as it was: the
    state rebuilt from the raw words must equal ``getstate()``, and a draw must change
    them.
    """
    inst = random._inst
    if sys.implementation.name != "cpython" or type(inst).__basicsize__ < (
        _PY_HEADER + _PY_STATE_BYTES
    ):
        return False
    state = inst.getstate()
    try:
        raw = ctypes.string_at(id(inst) + _PY_HEADER, _PY_STATE_BYTES)
        if python_state((raw, _gauss_next(inst))) != state:
            return False
        inst.random()
        moved = ctypes.string_at(id(inst) + _PY_HEADER, _PY_STATE_BYTES)
        return moved != raw and python_state((moved, _gauss_next(inst))) == inst.getstate()
    except (AttributeError, TypeError, ValueError, OSError):
        return False
    finally:
        inst.setstate(state)


def save_numpy() -> tuple[Any, Any]:
    """Return numpy's global legacy state (as ``get_state`` gives it) and its fingerprint.

    ``get_state`` costs about 0.1 ms. When the raw state can be read and written back
    (checked once per process), the same information costs a few microseconds: the key
    and position are the raw bytes, and whether a Gaussian is cached is learnt by drawing
    one. A cached one comes without moving the generator (its value is in the returned
    state, which ``restore`` then sets); otherwise the draw cached the second of a new
    pair, which one more draw consumes, and the raw bytes written back undo both.
    """
    raw = _numpy_fingerprint()
    if not isinstance(raw, bytes) or not raw_writes_work():
        return np.random.get_state(), raw
    legacy = np.random.mtrand._rand
    gauss = float(legacy.standard_normal())
    if _numpy_fingerprint() == raw:
        return _legacy_state(raw, 1, gauss), raw
    legacy.standard_normal()
    _write_raw(raw)
    return _legacy_state(raw, 0, 0.0), raw


def _legacy_state(raw: bytes, has_gauss: int, gauss: float) -> tuple[Any, ...]:
    """``get_state()``'s tuple for the raw ``(key, pos)`` bytes and a cached Gaussian."""
    key = np.frombuffer(raw[:_KEY_BYTES], dtype=np.uint32).copy()
    pos = int(np.frombuffer(raw[_KEY_BYTES:], dtype=np.intc)[0])
    return ("MT19937", key, pos, has_gauss, gauss)


def _write_raw(raw: bytes) -> None:
    generator = np.random.mtrand._rand._bit_generator
    ctypes.memmove(generator.ctypes.state_address, raw, _MT19937_BYTES)


def _gauss_next(inst: random.Random) -> float | None:
    """CPython's cached Gaussian of ``inst`` (an attribute typeshed does not declare)."""
    return inst.gauss_next  # type: ignore[attr-defined]


@functools.cache
def raw_writes_work() -> bool:
    """Whether the raw bytes are numpy's ``(key, pos)`` and writing them back restores it.

    Tried once per process, on the global generator, which is left as it was.
    """
    state = np.random.get_state(legacy=True)
    assert isinstance(state, tuple)  # legacy=True: always the (name, key, pos, ...) tuple
    try:
        raw = _numpy_fingerprint()
        if not isinstance(raw, bytes):
            return False
        rebuilt = _legacy_state(raw, state[3], state[4])
        np.random.random(700)  # past a regeneration of the key
        _write_raw(raw)
        again = np.random.get_state(legacy=True)
        assert isinstance(again, tuple)  # (legacy=True)
        return all(np.array_equal(a[1], state[1]) and a[2:] == state[2:]
                   for a in (again, rebuilt))
    except (AttributeError, TypeError, ValueError, OSError):
        return False
    finally:
        np.random.set_state(state)


def _generators(obj: Any) -> list[np.random.Generator]:
    """Generators the object can draw from: its own, its class's and its module's.

    A dropout layer may hold a Generator (``self.rng``), share one as a class attribute,
    or draw from one defined at module level (``RNG = np.random.default_rng(0)``); all
    of these are reachable, so all are pinned. Each Generator is listed once.
    """
    found: dict[int, np.random.Generator] = {}
    cls = type(obj)
    places = [getattr(obj, "__dict__", {})]
    places += [vars(k) for k in cls.__mro__ if k is not object]
    for place in places:
        for value in list(place.values()):
            if isinstance(value, np.random.Generator):
                found.setdefault(id(value), value)
    for k in cls.__mro__:
        module = sys.modules.get(getattr(k, "__module__", "") or "")
        if module is not None and not module.__name__.startswith(("numpy", "builtins")):
            for value in _module_generators(module):  # (names cached per module)
                found.setdefault(id(value), value)
    return list(found.values())


# nnfs.init() replaces these with float32-returning wrappers.
_NNFS_PATCHED = ((np, "dot"), (np, "zeros"), (np, "eye"), (np.random, "randn"))


def _original(function: Any) -> Any | None:
    """The numpy function an ``nnfs.init()`` wrapper encloses, if ``function`` is one."""
    if not (getattr(function, "__module__", "") or "").startswith("nnfs"):
        return None
    for cell in getattr(function, "__closure__", None) or ():
        content = cell.cell_contents
        if callable(content) and (getattr(content, "__module__", "") or "").startswith("numpy"):
            return content
        if isinstance(content, list) and len(content) >= 5 and callable(content[4]):
            return content[4]
    return None


@contextlib.contextmanager
def numpy_unpatched() -> Iterator[bool]:
    """Temporarily undo ``nnfs.init()``'s numpy patches; yields whether any were found."""
    undone = []
    for mod, name in _NNFS_PATCHED:
        patched = getattr(mod, name)
        original = _original(patched)
        if original is not None:
            undone.append((mod, name, patched))
            setattr(mod, name, original)
    try:
        yield bool(undone)
    finally:
        for mod, name, patched in undone:
            setattr(mod, name, patched)
