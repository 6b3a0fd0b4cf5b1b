"""``forward_takes_labels`` reads a method's signature once per function, never stale.

It runs on every loss check (``LossSubject.start``); ``inspect.signature`` was about a
fifth of a small loss check's added cost. The answer is kept per function object and its
code, so a class redefined, or given another forward, is read again.
"""

from __future__ import annotations

import numpy as np

from gradcheck.protocol import implied


class _Loss:
    def forward(self, y_pred, y_true):
        return (y_pred - y_true) ** 2


class _Activation:
    def forward(self, inputs):
        return np.exp(inputs)


def test_two_positionals_are_labels_and_one_is_not():
    assert implied.forward_takes_labels(_Loss())
    assert not implied.forward_takes_labels(_Activation())


def test_a_forward_replaced_on_the_class_is_read_again():
    class Changing:
        def forward(self, y_pred, y_true):
            return y_pred

    assert implied.forward_takes_labels(Changing())

    def forward(self, inputs):  # a notebook cell run again with another signature
        return inputs

    Changing.forward = forward
    assert not implied.forward_takes_labels(Changing())


def test_a_function_s_code_replaced_is_read_again():
    class Edited:
        def forward(self, inputs):
            return inputs

    assert not implied.forward_takes_labels(Edited())

    def two(self, y_pred, y_true):
        return y_pred

    Edited.forward.__code__ = two.__code__
    assert implied.forward_takes_labels(Edited())


def test_an_instance_s_own_forward_and_var_positionals_as_before():
    obj = _Activation()
    obj.forward = lambda y_pred, y_true: y_pred  # (not a method: read every time)
    assert implied.forward_takes_labels(obj)

    class Star:
        def forward(self, *arrays):
            return arrays[0]

    assert implied.forward_takes_labels(Star())
