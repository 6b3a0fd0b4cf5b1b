"""The bug zoo: NNFS-style classes as readers write them, right and wrong.

``ENTRIES`` lists every specimen (see :class:`Entry`). Bugs are single plausible
mistakes; correct variants are the tricky-but-right code a checker must not flag
(kinks fed exact zeros, float32, dropout's global RNG, regularizers, saturation).

Only numpy is imported: the zoo is independent of ``nnfs_core`` and of the checker.

``OBJECT_ENTRIES`` (with ``OBJECT_BUGS``, ``OBJECT_CORRECT``, ``OBJECT_BY_NAME``) lists code
beyond the book: parameters in dicts, lists and sub-layers, constants beside parameters,
other attribute names, unusual objects, N-D arrays and integer ids, state that calls leave
behind. Those specimens may take arrays of any ndim; ``ENTRIES`` stays 2-D.

``book_init`` calls ``nnfs.init()`` at import and is NOT imported here: load it only in a
subprocess (see ``book_init.py``).
"""

from . import (
    activations,
    constants,
    containers,
    dense,
    fused,
    losses,
    names,
    ndim,
    normalization,
    stateful,
    unusual,
)
from ._entry import Entry

ENTRIES: list[Entry] = [*dense.ENTRIES, *activations.ENTRIES, *normalization.ENTRIES,
                        *losses.ENTRIES, *fused.ENTRIES]
BUGS = [e for e in ENTRIES if e.buggy]
CORRECT = [e for e in ENTRIES if not e.buggy]
BY_NAME = {e.name: e for e in ENTRIES}

OBJECT_ENTRIES: list[Entry] = [*containers.ENTRIES, *names.ENTRIES, *constants.ENTRIES,
                               *unusual.ENTRIES, *ndim.ENTRIES, *stateful.ENTRIES]
OBJECT_BUGS = [e for e in OBJECT_ENTRIES if e.buggy]
OBJECT_CORRECT = [e for e in OBJECT_ENTRIES if not e.buggy]
OBJECT_BY_NAME = {e.name: e for e in OBJECT_ENTRIES}

if len(BY_NAME) != len(ENTRIES):  # a duplicate name would hide an entry from the tests
    raise RuntimeError("duplicate zoo entry names")
if len(OBJECT_BY_NAME) != len(OBJECT_ENTRIES) or OBJECT_BY_NAME.keys() & BY_NAME.keys():
    raise RuntimeError("duplicate zoo object entry names")

__all__ = ["BUGS", "BY_NAME", "CORRECT", "ENTRIES", "OBJECT_BUGS", "OBJECT_BY_NAME",
           "OBJECT_CORRECT", "OBJECT_ENTRIES", "Entry"]
