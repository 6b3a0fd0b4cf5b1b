"""Targets: loading files and modules, discovering what to check, running the checks."""

__all__: list[str] = []
