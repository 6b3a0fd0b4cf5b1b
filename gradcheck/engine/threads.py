"""BLAS and OpenMP thread pools capped during a check, and restored afterwards.

A check makes many small forward calls. With OpenBLAS's default of one thread per core, on
a machine whose cores are busy (a CI runner, a parallel test session) each small product
waits for threads that are not free: measured 5-20x slower than one thread
(``benchmarks/threads.py``). The pools are capped with threadpoolctl, which finds the
native libraries actually loaded (OpenBLAS, MKL, BLIS, OpenMP runtimes) and sets their
thread counts through their own APIs; environment variables would only act before numpy
is imported.

Inspecting the loaded libraries costs about a millisecond, so it is done once per process
(the first check) and the controller is kept; capping and restoring then cost a few
microseconds per check. Libraries loaded after the first check (a later ``import
torch``) are not seen by that controller: :func:`refresh` forgets it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

THREADS = 1  # threads per pool during a check; None leaves the pools alone

_controller: Any = None


def controller() -> Any:
    """The process's ``threadpoolctl.ThreadpoolController``, created on first use."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def refresh() -> None:
    """Forget the controller: the next check inspects the loaded libraries again."""
    global _controller
    _controller = None


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
