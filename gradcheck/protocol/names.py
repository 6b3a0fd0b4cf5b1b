"""The names people give things in hand-written backprop code, in one place.

Where the output, the input gradient, a parameter's gradient and its regularizer
factors live; which names are conventional parameter names (a missing gradient for one
of them is a bug, never a constant); which names are reserved for the protocol itself.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "CONVENTIONAL",
    "DINPUTS_NAMES",
    "GRADIENT_CONTAINERS",
    "OUTPUT_NAMES",
    "RESERVED",
    "bare",
    "gradient_names",
    "gradient_stems",
    "is_conventional",
    "is_gradient_name",
    "misnamed_gradient",
    "names_gradient_of",
    "number_slip",
    "regularizer",
]

OUTPUT_NAMES = ("output", "outputs")
# hints, most usual first: an input gradient under any other name is found by its shape
# (gradcheck.protocol.observe)
DINPUTS_NAMES = ("dinputs", "d_inputs", "dInputs", "dx", "dX", "dinput", "d_input", "dInput",
                 "grad_inputs", "grad_input", "input_grad", "gradInput")
# containers that hold gradients parallel to the parameters (dicts keyed like the
# parameters, or lists in the same order)
GRADIENT_CONTAINERS = ("grads", "gradients", "grad", "dparams", "d_params")
# arrays under these names are the protocol's own, never parameters
RESERVED = frozenset(
    {*OUTPUT_NAMES, *DINPUTS_NAMES, "inputs", "dvalues", "y_true", "y_pred", "cache"}
)
# a parameter with one of these names must have a gradient: when backward gives none, that
# is a bug (the book's ``self.bias = ...`` for ``self.dbiases``), never a constant
CONVENTIONAL = frozenset(
    {
        "weights", "biases", "weight", "bias", "w", "b", "kernel", "kernels", "filters",
        "gamma", "beta", "embedding", "embeddings", "wx", "wh", "wq", "wk", "wv", "wo",
    }
)


def bare(name: str) -> str:
    """A name without leading underscores (``_weights`` -> ``weights``)."""
    return name.lstrip("_") or name


@functools.lru_cache(maxsize=4096)
def gradient_names(name: str) -> tuple[str, ...]:
    """Where the gradient of attribute ``name`` may be stored, most usual first."""
    stem = bare(name)
    upper = stem[:1].upper() + stem[1:]
    names = [f"d{stem}", f"d_{stem}", f"d{upper}", f"grad_{stem}", f"{stem}_grad",
             f"grad{upper}"]  # (gradWeight: Torch7's spelling)
    if stem != name:
        names.append(f"d{name}")
    return tuple(dict.fromkeys(names))


@functools.lru_cache(maxsize=4096)
def gradient_stems(name: str) -> tuple[str, ...]:
    """The parameter names whose gradient ``name`` could be (``dW`` -> ``W``, ``_W``)."""
    found = []
    if name.startswith("d_"):
        found.append(name[2:])
    if name.startswith("d") and len(name) > 1:
        found += [name[1:], name[1:2].lower() + name[2:]]
    if name.startswith("grad_"):
        found.append(name[5:])
    elif name.startswith("grad") and name[4:5].isupper():  # gradWeight
        found += [name[4:5].lower() + name[5:], name[4:]]
    if name.endswith("_grad"):
        found.append(name[:-5])
    stems = [f for f in found if f and name in gradient_names(f)]
    return tuple(dict.fromkeys([*stems, *(f"_{f}" for f in stems)]))


def is_gradient_name(name: str, others: Iterable[str]) -> bool:
    """Whether ``name`` is the gradient name of one of ``others`` (``dW`` for ``W``)."""
    return any(name in gradient_names(other) for other in others if other != name)


def names_gradient_of(name: str, stem: str) -> bool:
    """``name`` says it is the gradient of ``stem`` in a spelling no list holds.

    ``dLdGamma`` for ``gamma``, ``grad_weight`` for ``weight``: it ends with the stem after
    a gradient prefix, or starts with one followed by the stem.
    """
    lowered, stem = name.lower(), bare(stem).lower()
    if lowered == stem or not stem:
        return False
    prefixes = ("d", "d_", "grad_", "grad", "dl", "dld", "dl_d", "delta_", "g_")
    return any(lowered.startswith(p + stem) for p in prefixes) or (
        lowered.endswith(stem) and lowered[: -len(stem)].rstrip("_").endswith(("d", "grad")))


def number_slip(found: str, expected: str) -> bool:
    """``found`` is ``expected`` in the other grammatical number (``dinput`` for ``dinputs``).

    Whole codebases spell everything in the singular (``input``, ``weight``, ``dinput``,
    ``dweight``); such a name is accepted where the object's own names are singular too,
    and is a slip where they are the book's plurals (``self.inputs`` kept by forward).
    """
    a, b = found.lower(), expected.lower()
    if a == b:
        return False
    for longer, shorter in ((a, b), (b, a)):
        if longer in (shorter + "s", shorter + "es") or (
                shorter.endswith("y") and longer == shorter[:-1] + "ies"):
            return True
    return False


def is_conventional(name: str) -> bool:
    """Whether ``name`` is a conventional parameter name (``weights``, ``W1``, ``gamma``)."""
    stem = bare(name).lower()
    return stem in CONVENTIONAL or bool(re.fullmatch(r"[wb]\d+", stem))


def regularizer(owner: Any, name: str, attributes: dict[str, Any]) -> tuple[float, float]:
    """L1 and L2 factors of parameter ``name``, from the owner's attributes.

    The book's ``weight_regularizer_l1`` for ``weights``, and the spellings people use:
    ``weight_regulariser_l2``, ``weights_L2``, ``l2_weights``, ``bias_l1``.
    """
    factors = {"l1": 0.0, "l2": 0.0}
    for key, which in _regularizer_keys(name, tuple(attributes)):
        try:
            factors[which] = float(attributes[key] or 0)
        except (TypeError, ValueError):
            continue
    return factors["l1"], factors["l2"]


@functools.lru_cache(maxsize=4096)
def _regularizer_keys(name: str, keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Which of ``keys`` hold the L1/L2 factors of parameter ``name`` (cached per layout)."""
    stem = bare(name).lower()
    stems = {stem}
    if stem.endswith("s"):
        stems |= {stem[:-1], stem[:-2] if stem.endswith("es") else stem[:-1]}
    found = []
    for key in keys:
        lowered = key.lower()
        if "1" not in lowered and "2" not in lowered:
            continue
        tokens = set(re.split(r"_+", lowered))
        if not tokens & stems and not any(lowered.startswith(s + "_") for s in stems):
            continue
        match = re.search(r"(?:^|_|regulari[sz]er_?)(l[12])(?:$|_)", lowered)
        if match is not None:
            found.append((key, match.group(1)))
    return tuple(found)


def misnamed_gradient(expected: str, new_names: list[str]) -> str:
    """Hint for a missing gradient: which attribute backward set instead."""
    close = difflib.get_close_matches(expected, new_names, n=1, cutoff=0.5)
    if close:
        return f"; backward set `{close[0]}` instead: a typo for `{expected}`?"
    if new_names:
        return f"; backward set {', '.join(f'`{n}`' for n in new_names)}"
    return ""
