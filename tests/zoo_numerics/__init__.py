"""Specimens where finite differences are hardest: ties, cancellation, domain edges,
randomness the object does not hold, forwards that wiggle below any step.

``ENTRIES`` uses the zoo's :class:`Entry` record; each bug names its correct ``twin``,
built the same way and fed the same data. ``expect`` of a correct entry that finite
differences cannot decide is ``"inconclusive"`` (``UNDECIDABLE`` lists them): the check
must say so, never pass or fail it. Only numpy is imported.
"""

import numpy as np
from zoo import Entry

from . import randomness, smooth, ties


def _tied_max(rng):
    return (ties.ties(rng, 4, 5, tied=2),)


def _pairs(rng):
    return (ties.pair_ties(rng, 3, 3),)


def _middle(rng):
    return (ties.middle_ties(rng, 3, 5, tied=3),)


def _top(rng):
    return (ties.ties(rng, 3, 5, tied=3),)


def _zeros(rng):
    return (np.zeros((3, 4)),)


def _gelu(rng):
    # saturated rows, [-7, -4], and one ordinary row where a wrong derivative shows
    return (np.concatenate([rng.uniform(-7, -4, (3, 5)), rng.standard_normal((1, 5))]),)


def _deep_negative(rng):
    return (np.concatenate([rng.uniform(-30, -20, (3, 5)), rng.standard_normal((1, 5))]),)


def _normal(rng):
    return (rng.standard_normal((4, 5)),)


def _sqrt(rng):
    x = np.abs(rng.standard_normal((3, 4))) + 0.1
    x[1, 2] = 1e-10  # at the domain edge: stepping past 0 gives nan
    return (x,)


def _e(name, factory, buggy, what, data, expect=None, twin=None):
    return Entry(f"numerics/{name}", factory, "layer", buggy, what, data, expect=expect,
                 twin=None if twin is None else f"numerics/{twin}")


def _drd():
    return ties.DenseReluDense(4, 3, 2)


def _drd_slip():
    return ties.DenseReluDense_SignSlip(4, 3, 2)


ENTRIES = [
    _e("max_one_winner", ties.Max_OneWinner, False, "max over features at a tie", _tied_max),
    _e("max_every_tied", ties.Max_EveryTiedMax, True,
       "every tied maximum gets the gradient: the sum doubles", _tied_max, "dinputs",
       "max_one_winner"),
    _e("maxpool2_one_winner", ties.MaxPool2_OneWinner, False, "2-wide max pool at ties",
       _pairs),
    _e("maxpool2_every_tied", ties.MaxPool2_EveryTiedMax, True,
       "both halves of a tied window get the gradient", _pairs, "dinputs",
       "maxpool2_one_winner"),
    _e("sort_stable", ties.Sort_Stable, False, "sort at a triple tie, stable argsort",
       _middle),
    _e("sort_every_tied", ties.Sort_EveryTiedPosition, True,
       "an input equal to several sorted positions collects all their gradients", _middle,
       "dinputs", "sort_stable"),
    _e("topk_stable", ties.TopK_Stable, False, "top-2 at a triple tie at the top", _top),
    _e("topk_every_tied", ties.TopK_EveryTiedValue, True,
       "every input equal to a top value gets its gradient", _top, "dinputs", "topk_stable"),
    _e("dense_relu_dense_at_zero", _drd, False,
       "Dense -> ReLU -> Dense as one object at zero input: every hidden unit at its kink",
       _zeros),
    _e("dense_relu_dense_sign_slip", _drd_slip, True, "dinputs sign lost, at zero input",
       _zeros, "dinputs", "dense_relu_dense_at_zero"),
    _e("gelu_tanh_saturated", smooth.GELU_Tanh, False,
       "tanh-GELU at x in [-7, -4]: 1 + tanh(u) cancels", _gelu),
    _e("gelu_tanh_no_chain", smooth.GELU_Tanh_NoChainU, True,
       "inner polynomial's derivative left out", _gelu, "dinputs", "gelu_tanh_saturated"),
    _e("sigmoid_via_tanh_saturated", smooth.Sigmoid_ViaTanh, False,
       "0.5 * (1 + tanh(x / 2)) at x <= -20: cancels", _deep_negative),
    _e("sigmoid_via_tanh_halved", smooth.Sigmoid_ViaTanh_Halved, True, "a stray factor 0.5",
       _deep_negative, "dinputs", "sigmoid_via_tanh_saturated"),
    _e("sqrt_domain_edge", smooth.Sqrt, False,
       "one input at 1e-10: that element is undecidable, the others are judged", _sqrt,
       "inconclusive"),
    _e("sqrt_doubled_domain_edge", smooth.Sqrt_Doubled, True,
       "2x wrong everywhere, one input at 1e-10", _sqrt, "dinputs", "sqrt_domain_edge"),
    _e("wiggle_below_step", smooth.Wiggle, False,
       "x + 1e-3 sin(1e7 x): varies below any step; undecidable", _normal, "inconclusive"),
    _e("dropout_module_generator", randomness.Dropout_ModuleGenerator, False,
       "mask from a module-level Generator: pinned", _normal),
    _e("dropout_module_generator_no_mask", randomness.Dropout_ModuleGenerator_NoMask, True,
       "mask not applied in backward", _normal, "dinputs", "dropout_module_generator"),
    _e("dropout_class_generator", randomness.Dropout_ClassGenerator, False,
       "mask from a class-attribute Generator: pinned", _normal),
    _e("dropout_class_generator_no_scale", randomness.Dropout_ClassGenerator_NoScale, True,
       "the 1 / keep scale lost", _normal, "dinputs", "dropout_class_generator"),
    _e("dropout_fresh_generator", randomness.Dropout_FreshGenerator, False,
       "a fresh unseeded Generator per call: cannot be pinned", _normal, "inconclusive"),
]
BY_NAME = {e.name: e for e in ENTRIES}
BUGS = [e for e in ENTRIES if e.buggy]
CORRECT = [e for e in ENTRIES if not e.buggy and e.expect is None]
UNDECIDABLE = [e for e in ENTRIES if not e.buggy and e.expect == "inconclusive"]

__all__ = ["BUGS", "BY_NAME", "CORRECT", "ENTRIES", "UNDECIDABLE"]
