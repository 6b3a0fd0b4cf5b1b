"""The bug zoo: NNFS-style classes as readers write them, right and wrong.

``ENTRIES`` lists every specimen (see :class:`Entry`). Bugs are single plausible
mistakes; correct variants are the tricky-but-right code a checker must not flag
(kinks fed exact zeros, float32, dropout's global RNG, regularizers, saturation).

Only numpy is imported: the zoo is independent of ``nnfs_core`` and of the checker.
``book_init`` calls ``nnfs.init()`` at import and is NOT imported here: load it only in a
subprocess (see ``book_init.py``).
"""

from . import activations, dense, fused, losses, normalization
from ._entry import Entry

ENTRIES: list[Entry] = [*dense.ENTRIES, *activations.ENTRIES, *normalization.ENTRIES,
                        *losses.ENTRIES, *fused.ENTRIES]
BUGS = [e for e in ENTRIES if e.buggy]
CORRECT = [e for e in ENTRIES if not e.buggy]
BY_NAME = {e.name: e for e in ENTRIES}

if len(BY_NAME) != len(ENTRIES):  # a duplicate name would hide an entry from the tests
    raise RuntimeError("duplicate zoo entry names")

__all__ = ["BUGS", "BY_NAME", "CORRECT", "ENTRIES", "Entry"]
