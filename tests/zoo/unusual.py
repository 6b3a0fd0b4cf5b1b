"""Objects off the beaten path, and a backward that writes into the caller's array.

- ``ReLU_*Buffer`` / ``ReLU_OutParameter``: backward writes into ``self.inputs``, the
  array forward was given (in a network, the previous layer's ``output``): the gradient
  is right, but the caller's array is destroyed. A check must flag it.
- ``__slots__`` classes (no ``__dict__``), a wrapper delegating everything to an inner
  layer through ``__getattr__``, ``np.matrix`` weights: checked correctly, or an
  ``error`` verdict whose message names what is unsupported (``ERROR_WORDS``), never an
  internal error of the checker.
"""

import numpy as np

from ._entry import Entry, batch


def _normal(seed, *shapes, scale=0.6):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(shape) for shape in shapes]


# ------------------------------------------------------- backward writes into inputs


class ReLU_MaskBuffer:
    """The mask is built in a copy of the inputs."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        mask = self.inputs.copy()
        mask[mask <= 0] = 0
        mask[mask > 0] = 1
        self.dinputs = dvalues * mask


class ReLU_MaskBuffer_NoCopy(ReLU_MaskBuffer):
    def backward(self, dvalues):
        mask = self.inputs  # BUG: no copy: the mask overwrites the caller's array
        mask[mask <= 0] = 0
        mask[mask > 0] = 1
        self.dinputs = dvalues * mask


class ReLU_Multiply:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = np.multiply(self.inputs > 0, dvalues)


class ReLU_Multiply_OutInputs(ReLU_Multiply):
    def backward(self, dvalues):
        self.dinputs = np.multiply(self.inputs > 0, dvalues, out=self.inputs)  # BUG: out=


# ------------------------------------------------------------------- __slots__


class SlotsDense:
    __slots__ = ("weights", "biases", "inputs", "output", "dweights", "dbiases", "dinputs")

    def __init__(self, n_inputs=3, n_neurons=4, seed=31):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class SlotsDense_DbiasesMean(SlotsDense):
    __slots__ = ()

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # BUG: mean, not sum
        self.dinputs = np.dot(dvalues, self.weights.T)


# ------------------------------------------------------------ __getattr__ wrapper


class InnerDense:
    def __init__(self, n_inputs=3, n_neurons=4, seed=32):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class InnerDense_DweightsPerSample(InnerDense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues) / len(dvalues)  # BUG: / samples
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Delegating:
    """Everything (forward, backward, output, gradients) delegated to ``self.inner``."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        if name == "inner":  # guard: copy/pickle look attributes up before __init__
            raise AttributeError(name)
        return getattr(self.inner, name)


class DelegatingNaive:
    """The naive wrapper: ``copy.deepcopy`` of it recurses forever (no guard)."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)


# ----------------------------------------------------------------- np.matrix weights


class MatrixDense:
    """Weights held as ``np.matrix``: forward returns a matrix."""

    def __init__(self, n_inputs=3, n_neurons=4, seed=33):
        w, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))
        self.weights = np.asmatrix(w)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class MatrixDense_DbiasesMean(MatrixDense):
    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # BUG: mean, not sum
        self.dinputs = dvalues @ self.weights.T


# --------------------------------------------------------------------- registry


def _x(n, f, zeros=0):
    return lambda rng: (batch(rng, n, f, zeros=zeros, scale=1.5),)


def _e(name, factory, what, expect=None, data=None, twin=None):
    return Entry(name=f"unusual/{name}", factory=factory, kind="layer",
                 buggy=expect is not None, what=what, make_data=data, expect=expect,
                 twin=twin and f"unusual/{twin}")


WRITES = "modif|mutat|in place|overwr|wrote|writes"

ENTRIES = [
    # correct
    _e("relu_mask_buffer", ReLU_MaskBuffer, "mask built in a copy of self.inputs",
       data=_x(5, 4, zeros=2)),
    _e("relu_multiply", ReLU_Multiply, "np.multiply(inputs > 0, dvalues)",
       data=_x(5, 4, zeros=2)),
    _e("slots", SlotsDense, "a dense layer with __slots__ (no __dict__)", data=_x(5, 3)),
    _e("getattr_wrapper", lambda: Delegating(InnerDense()),
       "a wrapper delegating every attribute to an inner dense via __getattr__",
       data=_x(5, 3)),
    _e("getattr_wrapper_naive", lambda: DelegatingNaive(InnerDense()),
       "the same wrapper without the guard: deepcopy of it recurses", data=_x(5, 3)),
    _e("matrix_weights", MatrixDense, "np.matrix weights: forward returns an np.matrix",
       data=_x(5, 3)),
    # bugs
    _e("relu_mask_buffer_no_copy", ReLU_MaskBuffer_NoCopy,
       "backward builds the mask in self.inputs: the caller's array is overwritten",
       WRITES, data=_x(5, 4, zeros=2), twin="relu_mask_buffer"),
    _e("relu_multiply_out_inputs", ReLU_Multiply_OutInputs,
       "np.multiply(..., out=self.inputs): dinputs is the caller's array, overwritten",
       WRITES, data=_x(5, 4, zeros=2), twin="relu_multiply"),
    _e("slots_dbiases_mean", SlotsDense_DbiasesMean, "__slots__ class, dbiases = mean",
       "dbiases", data=_x(5, 3), twin="slots"),
    _e("getattr_wrapper_dweights_per_sample", lambda: Delegating(InnerDense_DweightsPerSample()),
       "the wrapped dense divides dweights by the batch size", "dweights|inner.dweights",
       data=_x(5, 3), twin="getattr_wrapper"),
    _e("matrix_weights_dbiases_mean", MatrixDense_DbiasesMean, "np.matrix weights, dbiases = mean",
       "dbiases", data=_x(5, 3), twin="matrix_weights"),
]

# entries that may end in an `error` verdict instead of a real check; the message must
# then name what is unsupported (any of these words)
ERROR_WORDS = {
    "unusual/slots": "slots|__dict__",
    "unusual/slots_dbiases_mean": "slots|__dict__",
    "unusual/getattr_wrapper": "__getattr__|delegat",
    "unusual/getattr_wrapper_naive": "__getattr__|delegat|recurs",
    "unusual/getattr_wrapper_dweights_per_sample": "__getattr__|delegat",
    "unusual/matrix_weights": "matrix",
    "unusual/matrix_weights_dbiases_mean": "matrix",
}

# gradients the correct, strictly judged entries must report as checked (passed)
GRADIENTS = {
    "unusual/relu_mask_buffer": ("dinputs",),
    "unusual/relu_multiply": ("dinputs",),
}
