"""Objects written here for issue 24's last weak points: each correct one has a buggy twin.

A function or class whose name ends in ``_Bug`` (or ``_bug``) is buggy; the others are
correct.
"""
