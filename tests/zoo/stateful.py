"""Objects whose calls leave traces: a check must leave every trace as it found it.

A ``cache`` dict filled by forward, a ``history`` list forward appends to, a counter kept
as a CLASS attribute (``type(self).calls += 1``), dropout drawing from a MODULE-level
``np.random.Generator`` (``_RNG``). With ``containers.DictDense`` (a ``grads`` dict) and
``containers.Sequential`` (layers that keep ``inputs``), they are the subjects of the
state tests in ``test_zoo_objects.py`` (``STATE_CASES``); each is also a zoo entry with a
single-line bug twin.
"""

import numpy as np

from . import containers
from ._entry import Entry, batch

_RNG = np.random.default_rng(0)  # module-level generator, as scripts keep one


def _normal(seed, *shapes, scale=0.6):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(shape) for shape in shapes]


class CacheDense:
    """CS231n-style: forward stores what backward needs in ``self.cache``."""

    def __init__(self, n_inputs=3, n_neurons=3, seed=51):
        self.W, self.b = _normal(seed, (n_inputs, n_neurons), (n_neurons,))
        self.cache = {}

    def forward(self, inputs):
        self.cache["x"] = inputs
        self.cache["z"] = inputs @ self.W + self.b
        self.output = self.cache["z"]

    def backward(self, dvalues):
        x = self.cache["x"]
        self.dW = x.T @ dvalues
        self.db = dvalues.sum(axis=0)
        self.dinputs = dvalues @ self.W.T


class CacheDense_DWTransposed(CacheDense):
    def backward(self, dvalues):
        x = self.cache["x"]
        self.dW = dvalues.T @ x  # BUG: transposed (square W)
        self.db = dvalues.sum(axis=0)
        self.dinputs = dvalues @ self.W.T


class HistoryTanh:
    """Forward appends the mean activation to ``self.history`` (for a training plot)."""

    def __init__(self):
        self.history = []

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.tanh(inputs)
        self.history.append(float(np.mean(self.output)))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output ** 2)


class HistoryTanh_NoSquare(HistoryTanh):
    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output)  # BUG: 1 - tanh, not 1 - tanh**2


class CountingReLU:
    """Counts forward calls in a class attribute, shared by every instance."""

    calls = 0

    def forward(self, inputs):
        type(self).calls += 1
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (self.inputs > 0)


class CountingReLU_ForgotChainRule(CountingReLU):
    def backward(self, dvalues):
        self.dinputs = (self.inputs > 0).astype(float)  # BUG: dvalues not multiplied in


class ModuleRNGDropout:
    """Inverted dropout drawing its mask from the module-level generator ``_RNG``."""

    def __init__(self, rate=0.3):
        self.keep = 1 - rate

    def forward(self, inputs):
        self.inputs = inputs
        self.mask = _RNG.binomial(1, self.keep, size=inputs.shape) / self.keep
        self.output = inputs * self.mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.mask


class ModuleRNGDropout_MaskIgnored(ModuleRNGDropout):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()  # BUG: the mask is not applied


# --------------------------------------------------------------------- registry


def _x(n, f):
    return lambda rng: (batch(rng, n, f, scale=1.5),)


def _e(name, factory, what, expect=None, data=None, twin=None):
    return Entry(name=f"stateful/{name}", factory=factory, kind="layer",
                 buggy=expect is not None, what=what, make_data=data, expect=expect,
                 twin=twin and f"stateful/{twin}")


ENTRIES = [
    _e("cache_dict", CacheDense, "forward fills self.cache['x'], self.cache['z']",
       data=_x(5, 3)),
    _e("history_list", HistoryTanh, "forward appends to self.history", data=_x(4, 3)),
    _e("class_counter", CountingReLU, "type(self).calls += 1 in forward", data=_x(4, 3)),
    _e("module_rng_dropout", ModuleRNGDropout,
       "dropout mask drawn from a module-level np.random.Generator", data=_x(5, 4)),
    _e("cache_dict_dw_transposed", CacheDense_DWTransposed, "dW = dvalues.T @ x", "dW",
       data=_x(5, 3), twin="cache_dict"),
    _e("history_list_no_square", HistoryTanh_NoSquare, "1 - tanh", "dinputs", data=_x(4, 3),
       twin="history_list"),
    _e("class_counter_forgot_chain_rule", CountingReLU_ForgotChainRule,
       "local derivative only", "dinputs", data=_x(4, 3), twin="class_counter"),
    _e("module_rng_dropout_mask_ignored", ModuleRNGDropout_MaskIgnored,
       "dinputs = dvalues: mask not applied", "dinputs", data=_x(5, 4),
       twin="module_rng_dropout"),
]

GRADIENTS = {
    "stateful/cache_dict": ("dW", "db", "dinputs"),
    "stateful/history_list": ("dinputs",),
    "stateful/class_counter": ("dinputs",),
    "stateful/module_rng_dropout": ("dinputs",),
}

# (id, correct factory, buggy twin factory, inputs maker) for the state tests
STATE_CASES = [
    ("grads_dict", lambda: containers.DictDense(3, 4), lambda: containers.DictDense_BiasMean(3, 4),
     _x(5, 3)),
    ("cache_dict", CacheDense, CacheDense_DWTransposed, _x(5, 3)),
    ("history_list", HistoryTanh, HistoryTanh_NoSquare, _x(4, 3)),
    ("sequential_inputs", lambda: containers.Sequential(),
     lambda: containers.Sequential(containers.Dense_DbiasesMean), _x(5, 3)),
    ("class_counter", CountingReLU, CountingReLU_ForgotChainRule, _x(4, 3)),
    ("module_rng_dropout", ModuleRNGDropout, ModuleRNGDropout_MaskIgnored, _x(5, 4)),
]
