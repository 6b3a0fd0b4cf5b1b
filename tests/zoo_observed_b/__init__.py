"""Objects written here for issue 24 (parts 4-6): each correct one has a buggy twin.

A class whose name ends in ``_Bug`` is buggy; the others are correct, unless a module's
``EXPECTED`` says otherwise (a status per class name).
"""
