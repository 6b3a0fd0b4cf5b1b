"""Given for docs/layers.md's Hypothesis tests: ``my_layers`` importable, and
``after_block`` running the three tests the block defines, on a few examples each, unshrunk."""

import sys
from pathlib import Path

from hypothesis import Phase, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # my_layers.py is beside this file


def after_block():
    # a few examples, and a failure reported as found (shrinking it takes seconds)
    quick = settings(max_examples=10, phases=[Phase.generate])
    for test in (test_dense_backward, test_leaky_relu_backward,  # noqa: F821 - the block's
                 test_loss_backward):  # noqa: F821
        quick(test)()
