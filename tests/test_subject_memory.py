"""What a subject keeps between calls: forward's input only where backward is given it back.

Stacked evaluations call forward on arrays many times the batch's size; holding the last
one alive (for nothing) made every later allocation of that size fault its pages in again
(benchmarks/engine_times.py: softmax 128x32 exhaustive, 256 page faults a check).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from gradcheck.engine.state import RandomPin
from gradcheck.protocol.subject import LayerSubject

sys.path.insert(0, str(Path(__file__).parent))
from zoo import dense  # noqa: E402
from zoo_observed import inputs_first  # noqa: E402

X = np.random.default_rng(3).normal(size=(5, 3))


def _subject(layer: object) -> LayerSubject:
    return LayerSubject.build(layer, RandomPin(layer, 0))


def test_a_book_layer_s_input_is_not_kept_by_the_subject():
    subject = _subject(dense.Layer_Dense(3, 2))
    x = X.copy()
    subject.forward(x)
    assert subject.last_inputs == ()


def test_a_backward_given_forward_s_input_back_gets_it():
    subject = _subject(inputs_first.Dense(3, 2))
    x = X.copy()
    subject.forward(x)
    assert len(subject.last_inputs) == 1 and subject.last_inputs[0] is x
