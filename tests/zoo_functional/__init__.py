"""The functional zoo: CS231n-style layers written by us, each bug with its correct twin.

The code lives in a CS231n assignment layout, ``tests/cli_targets/cs231n_like/cs231n/``
(``layers.py``, ``rnn_layers.py``, ``layer_utils.py``, ``fast_layers.py`` and the bugs in
``buggy_layers.py`` / ``buggy_rnn_layers.py``), so that the same functions are checked
through :func:`gradcheck.check_function` (``tests/test_function_zoo.py``) and through the
``gradcheck`` command run from the assignment directory. :mod:`zoo_functional.entries`
lists them with the arguments each is checked on and the verdict it must get.
"""

import sys
from pathlib import Path

ASSIGNMENT = Path(__file__).resolve().parent.parent / "cli_targets" / "cs231n_like"
if str(ASSIGNMENT) not in sys.path:
    sys.path.insert(0, str(ASSIGNMENT))
