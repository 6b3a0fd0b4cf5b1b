"""What tests/conftest.py sets up for the whole suite, checked so a change to it shows."""

import sys

import pytest


def rewritten(module) -> bool:
    """Whether pytest's assertion rewriter loaded the module."""
    return type(module.__loader__).__name__ == "AssertionRewritingHook"


def test_hypothesis_is_loaded_as_installed_and_the_test_modules_are_still_rewritten(request):
    # conftest.py keeps pytest from re-parsing and re-compiling Hypothesis's ~90 modules in
    # every test process (its plugin's distribution is marked for assertion rewriting)
    if request.config.getoption("assertmode") != "rewrite":
        pytest.skip("assertion rewriting is off (--assert=plain)")
    import hypothesis.core

    assert not rewritten(hypothesis.core)
    # the twin: this suite's own modules keep pytest's assertion messages
    assert rewritten(sys.modules[__name__])
