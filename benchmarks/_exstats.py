"""pytest plugin for property_throughput.py: examples and time per Hypothesis test.

Counts every call of a Hypothesis test's body (one per example) and the time spent inside
it, per pytest item, and writes them as JSON to ``$EXSTATS_OUT`` at the end.
"""

from __future__ import annotations

import functools
import json
import os
import time

import hypothesis.core as hypothesis_core
import pytest

STATS: dict[str, dict[str, float]] = {}
CURRENT: list[str] = [""]
_original_init = hypothesis_core.StateForActualGivenExecution.__init__


def _counting_init(self, stuff, test, *args, **kwargs):
    @functools.wraps(test)
    def timed(*a, **k):
        record = STATS.setdefault(CURRENT[0], {"examples": 0, "body": 0.0, "total": 0.0})
        start = time.perf_counter()
        try:
            return test(*a, **k)
        finally:
            record["examples"] += 1
            record["body"] += time.perf_counter() - start

    _original_init(self, stuff, timed, *args, **kwargs)


hypothesis_core.StateForActualGivenExecution.__init__ = _counting_init


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    CURRENT[0] = item.nodeid
    start = time.perf_counter()
    yield
    if item.nodeid in STATS:
        STATS[item.nodeid]["total"] += time.perf_counter() - start


def pytest_sessionfinish(session):
    out = os.environ.get("EXSTATS_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(STATS, f, indent=1)
