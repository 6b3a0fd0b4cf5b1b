"""The examples in the public docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gradcheck.api",
    "gradcheck.model_api",
    "gradcheck.derivative_api",
    "gradcheck.protocol.derivative",
    "gradcheck.strategies",
    "gradcheck.errors",
    "gradcheck.settings",
    "nnfs_core.layers",
    "nnfs_core.activations",
    "nnfs_core.losses",
    "nnfs_core.softmax_loss",
    "nnfs_core.optimizers",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_a_wrong_docstring_example_would_fail():
    def broken():
        """
        >>> 1 + 1
        3
        """

    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(verbose=False)
    for test in finder.find(broken, "broken", globs={}):
        runner.run(test, out=lambda _text: None)
    assert runner.failures == 1
