"""``python -m gradcheck`` in a child process, for the tests about the process itself.

Exit codes at a hang or an ``os._exit``, time limits, and the ``os._exit`` and
``KeyboardInterrupt`` guards need a process of their own; the other CLI tests run the
command in process (the ``gradcheck_cli`` fixture of conftest.py; with
``nnfs_init_contained`` for book code that calls ``nnfs.init()``).
"""

import subprocess
import sys


def run_gradcheck(*args, cwd, timeout=240):
    """Run ``python -m gradcheck ARGS`` in ``cwd``; the finished process, output as text."""
    return subprocess.run([sys.executable, "-m", "gradcheck", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
