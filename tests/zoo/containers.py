"""Parameters kept in containers: dicts, lists, held sub-layers, lists of layers, sharing.

Code as people write it once they leave the book: ``self.params = {"W": ..., "b": ...}``
with a parallel ``self.grads``, parameters in a list, a ``Block`` holding a ``Dense``,
a ``Sequential`` holding a list of layers, one ``Dense`` applied twice. Gradients are
named by where the code puts them, as a Python expression relative to the checked
object: ``grads['b']``, ``grads[0]``, ``dense.dweights``, ``layers[2].dbiases``.

Each bug differs from its correct twin in one line marked ``# BUG``; twins get identical
data.
"""

import numpy as np

from ._entry import Entry, batch


def _normal(seed, *shapes, scale=0.6):
    """Non-trivial parameter values (biases included): one generator, in order."""
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(shape) for shape in shapes]


# ------------------------------------------------------------ building blocks


class Dense:
    """A book-style dense layer with non-trivial parameters from a seed."""

    def __init__(self, n_inputs, n_neurons, seed=1):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_DweightsTransposed(Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(dvalues.T, self.inputs)  # BUG: transposed product
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_DbiasesMean(Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # BUG: mean, not sum
        self.dinputs = np.dot(dvalues, self.weights.T)


class ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


# ------------------------------------------------------------------ dict params


class DictDense:
    """``self.params`` / ``self.grads`` dicts keyed by the same names."""

    def __init__(self, n_inputs, n_neurons, seed=2):
        W, b = _normal(seed, (n_inputs, n_neurons), (n_neurons,))
        self.params = {"W": W, "b": b}
        self.grads = {}

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.params["W"] + self.params["b"]

    def backward(self, dvalues):
        self.grads["W"] = self.inputs.T @ dvalues
        self.grads["b"] = dvalues.sum(axis=0)
        self.dinputs = dvalues @ self.params["W"].T


class DictDense_BiasMean(DictDense):
    def backward(self, dvalues):
        self.grads["W"] = self.inputs.T @ dvalues
        self.grads["b"] = dvalues.mean(axis=0)  # BUG: mean over the batch, not the sum
        self.dinputs = dvalues @ self.params["W"].T


class DictDenseDKeys:
    """Gradients keyed ``dW``, ``db`` (deeplearning.ai style), a fresh dict per backward."""

    def __init__(self, n_inputs, n_neurons, seed=3):
        W, b = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))
        self.params = {"W": W, "b": b}

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.params["W"]) + self.params["b"]

    def backward(self, dvalues):
        dW = np.dot(self.inputs.T, dvalues)
        db = np.sum(dvalues, axis=0, keepdims=True)
        self.grads = {"dW": dW, "db": db}
        self.dinputs = np.dot(dvalues, self.params["W"].T)


class DictDenseDKeys_DbMean(DictDenseDKeys):
    def backward(self, dvalues):
        dW = np.dot(self.inputs.T, dvalues)
        db = np.mean(dvalues, axis=0, keepdims=True)  # BUG: mean, not sum
        self.grads = {"dW": dW, "db": db}
        self.dinputs = np.dot(dvalues, self.params["W"].T)


# ------------------------------------------------------------------ list params


class ListDense:
    """``self.params = [W, b]`` with a parallel ``self.grads = [dW, db]``."""

    def __init__(self, n_inputs, n_neurons, seed=4):
        self.params = _normal(seed, (n_inputs, n_neurons), (n_neurons,))
        self.grads = [np.zeros_like(p) for p in self.params]

    def forward(self, inputs):
        W, b = self.params
        self.inputs = inputs
        self.output = inputs @ W + b

    def backward(self, dvalues):
        W, _ = self.params
        self.grads = [self.inputs.T @ dvalues, dvalues.sum(axis=0)]
        self.dinputs = dvalues @ W.T


class ListDense_DWPerSample(ListDense):
    def backward(self, dvalues):
        W, _ = self.params
        # BUG: dW divided by the batch size (the loss already averaged)
        self.grads = [self.inputs.T @ dvalues / len(dvalues), dvalues.sum(axis=0)]
        self.dinputs = dvalues @ W.T


# ----------------------------------------------------------- held sub-layers


class Block:
    """A block holding a Dense and a ReLU; the gradients are the Dense's own attributes."""

    def __init__(self, dense_cls=Dense, n_inputs=4, n_neurons=4, seed=5):
        self.dense = dense_cls(n_inputs, n_neurons, seed=seed)
        self.act = ReLU()

    def forward(self, inputs):
        self.dense.forward(inputs)
        self.act.forward(self.dense.output)
        self.output = self.act.output

    def backward(self, dvalues):
        self.act.backward(dvalues)
        self.dense.backward(self.act.dinputs)
        self.dinputs = self.dense.dinputs


class Sequential:
    """``self.layers = [Dense, ReLU, Dense]``; forward and backward loop over them."""

    def __init__(self, last_cls=Dense, seed=6):
        self.layers = [Dense(3, 4, seed=seed), ReLU(), last_cls(4, 2, seed=seed + 1)]

    def forward(self, inputs):
        for layer in self.layers:
            layer.forward(inputs)
            inputs = layer.output
        self.output = inputs

    def backward(self, dvalues):
        for layer in reversed(self.layers):
            layer.backward(dvalues)
            dvalues = layer.dinputs
        self.dinputs = dvalues


class TwiceDense:
    """One Dense applied twice (shared weights): its gradients sum both uses."""

    def __init__(self, n_features=4, seed=7):
        self.dense = Dense(n_features, n_features, seed=seed)

    def forward(self, inputs):
        self.inputs = inputs
        self.dense.forward(inputs)
        self.hidden = self.dense.output
        self.dense.forward(self.hidden)
        self.output = self.dense.output

    def backward(self, dvalues):
        self.dense.inputs = self.hidden  # second use
        self.dense.backward(dvalues)
        dweights, dbiases = self.dense.dweights, self.dense.dbiases
        self.dense.inputs = self.inputs  # first use
        self.dense.backward(self.dense.dinputs)
        self.dense.dweights = self.dense.dweights + dweights
        self.dense.dbiases = self.dense.dbiases + dbiases
        self.dinputs = self.dense.dinputs


class TwiceDense_LastUseOnly(TwiceDense):
    def backward(self, dvalues):
        self.dense.inputs = self.hidden  # second use
        self.dense.backward(dvalues)
        dweights, dbiases = self.dense.dweights, self.dense.dbiases
        self.dense.inputs = self.inputs  # first use
        self.dense.backward(self.dense.dinputs)
        self.dense.dweights = dweights  # BUG: overwritten with the last use's, not summed
        self.dense.dbiases = self.dense.dbiases + dbiases
        self.dinputs = self.dense.dinputs


# --------------------------------------------------------------------- registry


def _x(n, f):
    return lambda rng: (batch(rng, n, f, scale=1.5),)


def _e(name, factory, what, expect=None, data=None, twin=None):
    return Entry(name=f"containers/{name}", factory=factory, kind="layer",
                 buggy=expect is not None, what=what, make_data=data, expect=expect,
                 twin=twin and f"containers/{twin}")


ENTRIES = [
    # correct
    _e("dict_params", lambda: DictDense(3, 4), "params/grads dicts keyed W, b", data=_x(5, 3)),
    _e("dict_params_dkeys", lambda: DictDenseDKeys(3, 4),
       "params dict keyed W, b; grads dict keyed dW, db, rebuilt by every backward",
       data=_x(5, 3)),
    _e("list_params", lambda: ListDense(3, 4), "params = [W, b], grads = [dW, db]",
       data=_x(5, 3)),
    _e("block", lambda: Block(), "a Block holding a Dense and a ReLU: dense.dweights",
       data=_x(5, 4)),
    _e("sequential", lambda: Sequential(), "layers = [Dense, ReLU, Dense]", data=_x(5, 3)),
    _e("shared_dense", lambda: TwiceDense(), "one Dense applied twice: gradients summed",
       data=_x(4, 4)),
    # bugs
    _e("dict_params_bias_mean", lambda: DictDense_BiasMean(3, 4), "grads['b'] = mean",
       "grads['b']|grads[\"b\"]", data=_x(5, 3), twin="dict_params"),
    _e("dict_params_dkeys_db_mean", lambda: DictDenseDKeys_DbMean(3, 4), "grads['db'] = mean",
       "grads['db']|grads[\"db\"]", data=_x(5, 3), twin="dict_params_dkeys"),
    _e("list_params_dw_per_sample", lambda: ListDense_DWPerSample(3, 4),
       "grads[0] divided by the batch size", "grads[0]", data=_x(5, 3), twin="list_params"),
    _e("block_dense_transposed", lambda: Block(Dense_DweightsTransposed),
       "the held Dense's dweights = dvalues.T @ inputs (square, shapes match)",
       "dense.dweights", data=_x(5, 4), twin="block"),
    _e("sequential_second_dense_bias_mean", lambda: Sequential(Dense_DbiasesMean),
       "layers[2] (the second Dense) averages dbiases", "layers[2].dbiases", data=_x(5, 3),
       twin="sequential"),
    _e("shared_dense_last_use_only", lambda: TwiceDense_LastUseOnly(),
       "weight sharing: dweights overwritten by the last use instead of summed",
       "dense.dweights", data=_x(4, 4), twin="shared_dense"),
]

# gradients each correct entry must report as checked (passed), named where they live
GRADIENTS = {
    "containers/dict_params": ("grads['W']", "grads['b']", "dinputs"),
    "containers/dict_params_dkeys": ("grads['dW']", "grads['db']", "dinputs"),
    "containers/list_params": ("grads[0]", "grads[1]", "dinputs"),
    "containers/block": ("dense.dweights", "dense.dbiases", "dinputs"),
    "containers/sequential": ("layers[0].dweights", "layers[0].dbiases",
                              "layers[2].dweights", "layers[2].dbiases", "dinputs"),
    "containers/shared_dense": ("dense.dweights", "dense.dbiases", "dinputs"),
}
