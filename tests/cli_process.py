"""``python -m gradcheck`` in a child process, for the tests about the process itself.

Exit codes, time limits, ``os._exit`` and ``KeyboardInterrupt`` guards, and targets that
call ``nnfs.init()`` (which patches numpy process-wide) need a process of their own; the
other CLI tests run the command in process (the ``gradcheck_cli`` fixture of conftest.py).
"""

import subprocess
import sys


def run_gradcheck(*args, cwd, timeout=240):
    """Run ``python -m gradcheck ARGS`` in ``cwd``; the finished process, output as text."""
    return subprocess.run([sys.executable, "-m", "gradcheck", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
