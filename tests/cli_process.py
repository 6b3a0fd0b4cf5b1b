"""``python -m gradcheck`` in a child process, for the tests about the process itself.

Exit codes, time limits, ``os._exit`` and ``KeyboardInterrupt`` guards, and targets that
call ``nnfs.init()`` (which patches numpy process-wide) need a process of their own; the
other CLI tests run the command in process (the ``gradcheck_cli`` fixture of conftest.py).
"""

import subprocess
import sys

# what ``python -m gradcheck`` runs (gradcheck/__main__.py), failing examples not shrunk
_UNSHRUNK = ("from gradcheck.targets import runner; runner.SHRINK_CALLS = 0; "
             "from gradcheck.cli import main; raise SystemExit(main())")


def run_gradcheck(*args, cwd, timeout=240, shrink=True):
    """Run ``python -m gradcheck ARGS`` in ``cwd``; the finished process, output as text.

    ``shrink=False``, for tests that assert verdicts only, stops at the first failing
    example instead of shrinking it (as the ``no_shrinking`` fixture does in process).
    """
    command = ["-m", "gradcheck"] if shrink else ["-c", _UNSHRUNK]
    return subprocess.run([sys.executable, *command, *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
