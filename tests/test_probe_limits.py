"""A size default far too large to probe with (``n=10**9``) is passed over, not allocated.

Before: the probe drew 3 rows of a billion floats, and the command was killed by the
kernel (exit 137) with no report at all. Our own classes, written here, each with a twin.
"""

from __future__ import annotations

import textwrap

import pytest

LAYERS = textwrap.dedent('''
    import numpy as np


    class Identityish:
        def __init__(self, n=10**9):
            self.n = n

        def forward(self, x):
            self.x = x
            return 3.0 * x

        def backward(self, d):
            return 3.0 * d


    class Identityish_Halved(Identityish):
        def backward(self, d):
            return 1.5 * d
''')


@pytest.mark.usefixtures("no_shrinking")
def test_a_huge_size_default_is_not_used_as_a_probe_width(cli_results, tmp_path):
    (tmp_path / "huge_default.py").write_text(LAYERS)
    code, results = cli_results("huge_default.py", "--examples", "3")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "Identityish": "passed", "Identityish_Halved": "failed"}
