"""Given for docs/cs231n.md's ``check_function`` calls: a ``layers.py``, ``rnn_layers.py``
and the arrays of the course's notebooks.

The functions are the correct ones of ``tests/cli_targets/cs231n_like/cs231n/``; the
arrays have the notebooks' shapes (a convolution with stride 2, an LSTM step with
``H = 2``: its ``b`` of ``4 H`` entries is also the convolution's 8 filter biases).
``after_block`` runs the block's Hypothesis test on a few examples, unshrunk.
"""

import sys
from pathlib import Path

import numpy as np
from hypothesis import Phase, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli_targets" / "cs231n_like"))
# another test may have left another `cs231n` package loaded (the suite holds several):
# this one must be imported afresh (the sandbox's isolated_imports puts sys.modules back)
for _name in [n for n in sys.modules if n == "cs231n" or n.startswith("cs231n.")]:
    del sys.modules[_name]

from cs231n.layers import (  # noqa: E402, F401 - the block calls them
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
    softmax_loss,
)
from cs231n.rnn_layers import lstm_step_backward, lstm_step_forward  # noqa: E402, F401

rng = np.random.default_rng(0)
x = rng.normal(size=(2, 3, 5, 5))          # conv: N, C, H, W
w = rng.normal(size=(8, 3, 3, 3))          # F, C, HH, WW
b = rng.normal(size=8)                     # F, and 4 H for the LSTM step
x_t = rng.normal(size=(3, 4))              # LSTM step: N, D
prev_h, prev_c = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
Wx, Wh = rng.normal(size=(4, 8)), rng.normal(size=(2, 8))
scores, y = rng.normal(size=(4, 5)), np.array([0, 3, 3, 1])


def after_block():
    # a few examples, and a failure reported as found (shrinking it takes about 20 s)
    quick = settings(max_examples=10, phases=[Phase.generate])
    quick(test_max_pool)()  # noqa: F821 - the block defines it
