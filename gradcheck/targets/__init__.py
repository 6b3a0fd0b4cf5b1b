"""Targets: loading files and modules, discovering what to check, running the checks.

Internal: no name here is public API, and any of it may change in a release. Users import
from ``gradcheck`` (and ``gradcheck.errors``); see the boundary in ``gradcheck/__init__.py``
and ``docs/architecture.md``.
"""

__all__: list[str] = []
