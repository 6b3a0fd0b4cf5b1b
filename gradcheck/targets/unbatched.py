"""Layers that take one sample with no batch axis: ``forward(image)`` on ``(H, W)``.

A popular from-scratch CNN tutorial's layers (``Conv3x3(num_filters)`` on a ``(28, 28)``
image, ``MaxPool2`` on ``(h, w, filters)``, ``Softmax(input_len, nodes)`` flattening its
input) and many like them never see a batch: forward takes one image or one vector, and
``backprop(d_L_d_out, learn_rate)`` returns the input gradient of that one sample. Found by
observation (every batched probe loses the batch axis, one sample alone runs), they are
checked one sample at a time: the object's class is swapped for a subclass whose forward
and backward add and remove an axis of one (:func:`with_batch_axis`), so the engine sees
``(1, *shape)`` and every attribute, parameter and update stays the user's own.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.protocol.roles import roles_of

__all__ = ["SINGLE_SHAPES", "accepts_one_sample", "supports", "with_batch_axis"]

#: per-sample shapes tried, every size different: an image, an image with channels
#: last and first, a vector (its width comes from the constructor's sizes)
SINGLE_SHAPES: tuple[tuple[int, ...], ...] = ((6, 8), (6, 8, 3), (3, 6, 8))


def supports(cls: type) -> bool:
    """Whether backward takes the upstream gradient first (``backprop(d, learn_rate)``)."""
    roles = roles_of(cls)
    return not (roles.layout or roles.inputs_first or roles.inputs_second
                or roles.takes_nothing)


def accepts_one_sample(forward: Callable[[np.ndarray], Any],
                       backward: Callable[[np.ndarray], Any], shape: tuple[int, ...],
                       rng: np.random.Generator) -> bool:
    """Whether one sample of ``shape`` goes through forward and back.

    Forward must return a finite, non-empty float array, and backward take an upstream
    gradient of its shape without raising (a forward that broadcasts a shape it was
    not written for is caught there).
    """
    try:
        with np.errstate(all="ignore"):
            out = forward(rng.uniform(-1.0, 1.0, shape))
            if not (isinstance(out, np.ndarray) and out.size > 0 and out.dtype.kind in "fc"
                    and bool(np.all(np.isfinite(out)))):
                return False
            backward(np.ones_like(out, dtype=np.float64))
    except Exception:  # noqa: BLE001 - a shape forward or backward refuses
        return False
    return True


def with_batch_axis(obj: Any) -> Any:
    """``obj`` with forward and backward taking and giving a batch of one sample.

    Its class becomes a subclass of the same name whose forward passes ``x[0]`` and
    returns ``out[None]``, and whose backward passes ``grad[0]`` and returns the input
    gradient with the axis back (``None``, a first layer's, stays ``None``). The
    signatures are the user's (``functools.wraps``), so roles read the same.
    """
    cls = type(obj)
    if getattr(cls, "_gradcheck_unbatched", False):
        return obj
    if cls not in _SUBCLASSES:
        _SUBCLASSES[cls] = _batched_class(cls)
    obj.__class__ = _SUBCLASSES[cls]  # (TypeError for a class whose layout differs)
    return obj


#: each user class's batched subclass, made once (kept as long as the class lives)
_SUBCLASSES: weakref.WeakKeyDictionary[type, type] = weakref.WeakKeyDictionary()


def _batched_class(cls: type) -> type:
    """The subclass :func:`with_batch_axis` gives an object of ``cls``."""
    roles = roles_of(cls)
    forward, backward = getattr(cls, roles.forward), getattr(cls, roles.backward)

    @functools.wraps(forward)
    def batched_forward(self: Any, x: Any, *rest: Any, **named: Any) -> Any:
        # (a copy: a view into the engine's array, kept as self.last_input, would see the
        # engine's next values written into it)
        out = forward(self, np.array(x[0]), *rest, **named)
        return out[None] if isinstance(out, np.ndarray) else out

    @functools.wraps(backward)
    def batched_backward(self: Any, grad: Any, *rest: Any, **named: Any) -> Any:
        returned = backward(self, np.array(grad[0]), *rest, **named)
        return returned[None] if isinstance(returned, np.ndarray) else returned

    return type(cls.__name__, (cls,), {
        roles.forward: batched_forward, roles.backward: batched_backward,
        "__module__": cls.__module__, "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__, "_gradcheck_unbatched": True,
    })
