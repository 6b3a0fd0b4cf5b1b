"""BLAS and OpenMP thread pools capped during a check, and restored afterwards.

A check makes many small forward calls. With OpenBLAS's default of one thread per core, on
a machine whose cores are busy (a CI runner, a parallel test session) each small product
waits for threads that are not free: measured 5-20x slower than one thread
(``benchmarks/threads.py``). The pools are capped with threadpoolctl, which finds the
native libraries actually loaded (OpenBLAS, MKL, BLIS, OpenMP runtimes) and sets their
thread counts through their own APIs; environment variables would only act before numpy
is imported.

Inspecting the loaded libraries costs 50 us to a millisecond, so the controller is kept
while no module was imported since it was made; capping and restoring then cost a few
microseconds per check. A native library is loaded by an import (scipy brings its own
OpenBLAS, ``import torch`` its OpenMP): when ``sys.modules`` has grown or shrunk, the
loaded libraries are inspected again. (A kept controller once missed scipy's OpenBLAS
imported after the first check, and the check ran with its default threads.)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from threadpoolctl import ThreadpoolController

__all__ = ["THREADS", "capped", "controller"]

# threads per pool during a check; None leaves the pools alone (gradcheck.configure)
THREADS: int | None = 1

_controller: Any = None
_modules_seen = -1  # len(sys.modules) when the controller was made


def controller() -> Any:
    """The process's ``threadpoolctl.ThreadpoolController``, made again after imports."""
    global _controller, _modules_seen
    if _controller is None or len(sys.modules) != _modules_seen:
        _controller = ThreadpoolController()
        _modules_seen = len(sys.modules)
    return _controller


@contextmanager
def capped() -> Iterator[None]:
    """Run the body with every thread pool limited to :data:`THREADS` threads.

    The previous limits are restored on exit, also when the body raises.
    """
    if THREADS is None:
        yield
        return
    # each library's own get/set calls (about 1 us), not controller().limit(), which
    # gathers every library's full info first (about 10 us); only changed pools are reset
    changed = []
    for lib in controller().lib_controllers:
        threads = lib.get_num_threads()
        if threads is not None and threads != THREADS:
            lib.set_num_threads(THREADS)
            changed.append((lib, threads))
    try:
        yield
    finally:
        for lib, threads in reversed(changed):
            lib.set_num_threads(threads)
