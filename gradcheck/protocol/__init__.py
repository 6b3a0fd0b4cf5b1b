"""What the checker understands of the objects it checks: calls, names, subjects."""

__all__: list[str] = []
