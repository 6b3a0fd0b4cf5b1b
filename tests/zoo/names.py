"""Parameters and protocol attributes under other names and in other shapes of code.

A property over a private attribute, parameters created lazily in the first forward,
parameters re-cast (rebound to a new array) by every forward; ``self.outputs`` for
``self.output``, ``self.d_inputs`` / ``self.dInputs`` for ``self.dinputs``, ``output`` as a
read-only property, a backward that returns the input gradient. Each correct class must
pass; each bug (one line marked ``# BUG``) must fail naming the gradient.
"""

import numpy as np

from ._entry import Entry, batch


def _normal(seed, *shapes, scale=0.6):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(shape) for shape in shapes]


# ------------------------------------------------------------- property parameter


class PropertyDense:
    """``weights`` is a property (with a setter) over ``self._weights``."""

    def __init__(self, n_inputs=3, n_neurons=3, seed=11):
        self._weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))

    @property
    def weights(self):
        return self._weights

    @weights.setter
    def weights(self, value):
        self._weights = value

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class PropertyDense_DweightsFromOutput(PropertyDense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.output.T, dvalues)  # BUG: output where inputs belong
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


# ---------------------------------------------------------------- lazy parameters


class LazyDense:
    """``W`` and ``b`` are None until the first forward sees the input width."""

    def __init__(self, n_neurons=4, seed=12):
        self.n_neurons = n_neurons
        self.seed = seed
        self.W = None
        self.b = None

    def forward(self, inputs):
        if self.W is None:
            rng = np.random.default_rng(self.seed)
            self.W = 0.6 * rng.standard_normal((inputs.shape[1], self.n_neurons))
            self.b = 0.6 * rng.standard_normal(self.n_neurons)
        self.inputs = inputs
        self.output = inputs @ self.W + self.b

    def backward(self, dvalues):
        self.dW = self.inputs.T @ dvalues
        self.db = dvalues.sum(axis=0)
        self.dinputs = dvalues @ self.W.T


class LazyDense_DWPerSample(LazyDense):
    def backward(self, dvalues):
        self.dW = self.inputs.T @ dvalues / len(dvalues)  # BUG: divided by the batch size
        self.db = dvalues.sum(axis=0)
        self.dinputs = dvalues @ self.W.T


# -------------------------------------------------------------- rebound parameters


class RecastDense:
    """Forward re-casts its parameters: a new array with the same values on every call.

    (``astype`` copies; ``np.asarray`` would return the same float64 object.)
    """

    def __init__(self, n_inputs=3, n_neurons=3, seed=13):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))

    def forward(self, inputs):
        self.weights = self.weights.astype(np.float64)
        self.biases = self.biases.astype(np.float64)
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class RecastDense_DweightsTransposed(RecastDense):
    def backward(self, dvalues):
        self.dweights = np.dot(dvalues.T, self.inputs)  # BUG: transposed (square weights)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


# ------------------------------------------------------------------ other names


class OutputsDense:
    """Stores ``self.outputs`` (plural)."""

    def __init__(self, n_inputs=3, n_neurons=4, seed=14):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.outputs = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class OutputsDense_DbiasesMean(OutputsDense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # BUG: mean, not sum
        self.dinputs = np.dot(dvalues, self.weights.T)


class Tanh_SnakeCase:
    """Stores the input gradient in ``self.d_inputs``."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.d_inputs = dvalues * (1 - self.output ** 2)


class Tanh_SnakeCase_NoSquare(Tanh_SnakeCase):
    def backward(self, dvalues):
        self.d_inputs = dvalues * (1 - self.output)  # BUG: 1 - tanh, not 1 - tanh**2


class Sigmoid_CamelCase:
    """Stores the input gradient in ``self.dInputs``."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dInputs = dvalues * self.output * (1 - self.output)


class Sigmoid_CamelCase_NoOneMinus(Sigmoid_CamelCase):
    def backward(self, dvalues):
        self.dInputs = dvalues * self.output  # BUG: sigma' = sigma (1 - sigma)


class LeakyReLU_OutputProperty:
    """``output`` is a read-only property computed from the cached pre-activation."""

    slope = 0.1

    def forward(self, inputs):
        self.inputs = inputs
        self._z = inputs.copy()

    @property
    def output(self):
        return np.where(self._z > 0, self._z, self.slope * self._z)

    def backward(self, dvalues):
        self.dinputs = np.where(self.inputs > 0, dvalues, self.slope * dvalues)


class LeakyReLU_OutputProperty_SlopeMismatch(LeakyReLU_OutputProperty):
    def backward(self, dvalues):
        self.dinputs = np.where(self.inputs > 0, dvalues, 0.01 * dvalues)  # BUG: other slope


class ReturningDense:
    """Backward returns the input gradient (and stores only the parameter gradients)."""

    def __init__(self, n_inputs=3, n_neurons=3, seed=15):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        return np.dot(dvalues, self.weights.T)


class ReturningDense_NoTranspose(ReturningDense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        return np.dot(dvalues, self.weights)  # BUG: W, not W.T (square, shapes match)


# --------------------------------------------------------------------- registry


def _x(n, f, scale=1.5):
    return lambda rng: (batch(rng, n, f, scale=scale),)


def _e(name, factory, what, expect=None, data=None, twin=None):
    return Entry(name=f"names/{name}", factory=factory, kind="layer",
                 buggy=expect is not None, what=what, make_data=data, expect=expect,
                 twin=twin and f"names/{twin}")


ENTRIES = [
    # correct
    _e("property_weights", PropertyDense, "weights is a property over self._weights",
       data=_x(5, 3)),
    _e("lazy_params", LazyDense, "W, b created in the first forward from a fixed seed",
       data=_x(5, 3)),
    _e("recast_params", RecastDense, "forward rebinds weights/biases to equal new arrays",
       data=_x(5, 3)),
    _e("outputs_plural", OutputsDense, "self.outputs instead of self.output", data=_x(5, 3)),
    _e("d_inputs_snake", Tanh_SnakeCase, "tanh storing self.d_inputs", data=_x(4, 3)),
    _e("dInputs_camel", Sigmoid_CamelCase, "sigmoid storing self.dInputs", data=_x(4, 3)),
    _e("output_property", LeakyReLU_OutputProperty,
       "output is a read-only property computed from a cached value", data=_x(4, 4)),
    _e("backward_returns_dinputs", ReturningDense,
       "backward returns the input gradient instead of storing it", data=_x(5, 3)),
    # bugs
    _e("property_weights_dweights_from_output", PropertyDense_DweightsFromOutput,
       "dweights = output.T @ dvalues (square weights)", "dweights", data=_x(5, 3),
       twin="property_weights"),
    _e("lazy_params_dw_per_sample", LazyDense_DWPerSample, "dW divided by the batch size",
       "dW", data=_x(5, 3), twin="lazy_params"),
    _e("recast_params_dweights_transposed", RecastDense_DweightsTransposed,
       "dweights transposed; today a rebound array is taken for a cache and skipped",
       "dweights", data=_x(5, 3), twin="recast_params"),
    _e("outputs_plural_dbiases_mean", OutputsDense_DbiasesMean, "dbiases = mean", "dbiases",
       data=_x(5, 3), twin="outputs_plural"),
    _e("d_inputs_snake_no_square", Tanh_SnakeCase_NoSquare, "1 - tanh instead of 1 - tanh**2",
       "d_inputs|dinputs", data=_x(4, 3), twin="d_inputs_snake"),
    _e("dInputs_camel_no_one_minus", Sigmoid_CamelCase_NoOneMinus, "sigma' taken as sigma",
       "dinputs", data=_x(4, 3), twin="dInputs_camel"),
    _e("output_property_slope_mismatch", LeakyReLU_OutputProperty_SlopeMismatch,
       "forward slope 0.1, backward slope 0.01", "dinputs", data=_x(4, 4),
       twin="output_property"),
    _e("backward_returns_dinputs_no_transpose", ReturningDense_NoTranspose,
       "returned gradient dvalues @ W (square)", "dinputs", data=_x(5, 3),
       twin="backward_returns_dinputs"),
]

# gradients each correct entry must report as checked (passed); "a|b": either name
GRADIENTS = {
    "names/property_weights": ("dweights", "dbiases", "dinputs"),
    "names/lazy_params": ("dW", "db", "dinputs"),
    "names/recast_params": ("dweights", "dbiases", "dinputs"),
    "names/outputs_plural": ("dweights", "dbiases", "dinputs"),
    "names/backward_returns_dinputs": ("dweights", "dbiases", "dinputs"),
    "names/d_inputs_snake": ("d_inputs|dinputs",),
    "names/dInputs_camel": ("dInputs|dinputs",),
    "names/output_property": ("dinputs",),
}
