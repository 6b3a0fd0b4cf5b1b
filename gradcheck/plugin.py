"""pytest plugin: ``pytest --gradcheck TARGET`` turns discovered NNFS classes into test items.

Registered through the ``pytest11`` entry point. Nothing heavy is imported unless the
``--gradcheck`` option is given.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--gradcheck TARGET`` (repeatable) and its companions."""
    group = parser.getgroup("gradcheck", "gradient checks of NNFS-style classes")
    group.addoption(
        "--gradcheck",
        action="append",
        default=[],
        metavar="TARGET",
        help="check every NNFS-style class defined in TARGET (a .py path or a module name); "
        "repeatable; each class becomes a test item",
    )
