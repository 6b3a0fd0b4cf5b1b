"""The numeric engine: one check of one subject, from finite differences to a verdict."""

__all__: list[str] = []
