"""What the checker understands of the objects it checks: calls, names, subjects.

Internal: no name here is public API, and any of it may change in a release. Users import
from ``gradcheck`` (and ``gradcheck.errors``); see the boundary in ``gradcheck/__init__.py``
and ``docs/architecture.md``.
"""

__all__: list[str] = []
