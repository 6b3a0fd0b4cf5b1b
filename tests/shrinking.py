"""The command stops at the first failing example instead of shrinking it.

For tests that assert verdicts only: a check's status is decided by the first example that
fails, and shrinking only makes that example smaller (most of a failing check's time).
The ``no_shrinking`` fixture (tests/conftest.py) is this for one test; a module-scoped
fixture that runs the command once for several tests uses :func:`shrinking_off` around
its run. The command's shrunk examples are asserted in test_cli_command.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest


@contextlib.contextmanager
def shrinking_off() -> Iterator[None]:
    """The runner's shrinking budget at 0 (no shrink phase) inside the block."""
    from gradcheck.targets import runner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "SHRINK_CALLS", 0)
        yield
