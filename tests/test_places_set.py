"""Place.set: an attribute rebound in place, a frozen holder rebuilt (fast path per class)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gradcheck.protocol.places import ATTR, Place


class Plain:
    def __init__(self) -> None:
        self.w = np.zeros(3)


@dataclasses.dataclass(frozen=True)
class Frozen:
    w: np.ndarray


@dataclasses.dataclass
class Thawed:
    w: np.ndarray


class Holder:
    def __init__(self, inner: object) -> None:
        self.inner = inner


def test_an_attribute_of_a_plain_object_is_rebound() -> None:
    obj, new = Plain(), np.ones(3)
    Place(obj, ((ATTR, "w"),)).set(new)
    assert obj.w is new


def test_an_attribute_of_a_frozen_dataclass_is_never_written_into() -> None:
    # the twin of the fast path: a frozen root cannot be rebound, as before
    obj = Frozen(np.zeros(3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Place(obj, ((ATTR, "w"),)).set(np.ones(3))


def test_a_frozen_holder_is_rebuilt_and_a_mutable_one_written() -> None:
    frozen, thawed = Holder(Frozen(np.zeros(3))), Holder(Thawed(np.zeros(3)))
    kept_frozen, kept_thawed = frozen.inner, thawed.inner
    new = np.ones(3)
    Place(frozen, ((ATTR, "inner"), (ATTR, "w"))).set(new)
    Place(thawed, ((ATTR, "inner"), (ATTR, "w"))).set(new)
    assert frozen.inner is not kept_frozen and frozen.inner.w is new  # a new holder
    assert kept_frozen.w is not new  # the old one untouched
    assert thawed.inner is kept_thawed and thawed.inner.w is new  # written into


def test_a_class_as_root_gets_its_attribute_set() -> None:
    # a dataclass *class* (not an instance) is no frozen holder
    Place(Frozen, ((ATTR, "marker"),)).set(1)
    try:
        assert Frozen.marker == 1  # type: ignore[attr-defined]
    finally:
        del Frozen.marker  # type: ignore[attr-defined]
