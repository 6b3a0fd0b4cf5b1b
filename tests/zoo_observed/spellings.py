"""Gradients delivered in other ways than the book's, each correct class with a buggy twin.

Written here for the checker's tests (numpy only): a codebase that spells everything in
the singular, gradients returned as a tuple, gradients in a dict under other keys,
gradients that accumulate until the class's own reset method. Each bug is one line
marked ``# BUG``. Sizes are all different (batch 5, 3 inputs, 4 outputs) so that shapes
tell the arrays apart.
"""

import numpy as np


def _normal(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [0.5 * rng.standard_normal(shape) for shape in shapes]


# ------------------------------------------------------------ singular spellings


class DenseSingular:
    """``weight``, ``bias``, ``input``, ``dweight``, ``dbias``, ``dinput``, ``weight_L2``."""

    def __init__(self, n_in=3, n_out=4, weight_L2=0.0):
        self.weight, self.bias = _normal(1, (n_in, n_out), (1, n_out))
        self.weight_L2 = weight_L2

    def forward(self, input):  # noqa: A002 - the codebase's own spelling
        self.input = input
        self.output = input @ self.weight + self.bias

    def backward(self, dvalue):
        self.dweight = self.input.T @ dvalue + 2 * self.weight_L2 * self.weight
        self.dbias = dvalue.sum(axis=0, keepdims=True)
        self.dinput = dvalue @ self.weight.T


class DenseSingular_DbiasMean(DenseSingular):
    def backward(self, dvalue):
        self.dweight = self.input.T @ dvalue + 2 * self.weight_L2 * self.weight
        self.dbias = dvalue.mean(axis=0, keepdims=True)  # BUG: mean beside a summed dweight
        self.dinput = dvalue @ self.weight.T


class DenseSingular_L2Factor(DenseSingular):
    def __init__(self, n_in=3, n_out=4, weight_L2=0.1):
        super().__init__(n_in, n_out, weight_L2)

    def backward(self, dvalue):
        self.dweight = self.input.T @ dvalue + self.weight_L2 * self.weight  # BUG: 2 lost
        self.dbias = dvalue.sum(axis=0, keepdims=True)
        self.dinput = dvalue @ self.weight.T


class ReLUSingular:
    def forward(self, input):  # noqa: A002
        self.input = input
        self.output = np.maximum(0, input)

    def backward(self, dvalue):
        self.dinput = dvalue * (self.input > 0)


class ReLUSingular_Inverted(ReLUSingular):
    def backward(self, dvalue):
        self.dinput = dvalue * (self.input < 0)  # BUG: mask inverted


# ------------------------------------------------------------- returned gradients


class DenseReturns:
    """Backward returns ``(dx, dW, db)`` and stores nothing."""

    def __init__(self, n_in=3, n_out=4):
        self.W, self.b = _normal(2, (n_in, n_out), (n_out,))

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad):
        return grad @ self.W.T, self.x.T @ grad, grad.sum(axis=0)


class DenseReturns_DbMean(DenseReturns):
    def backward(self, grad):
        return grad @ self.W.T, self.x.T @ grad, grad.mean(axis=0)  # BUG: mean, not sum


# ------------------------------------------------------- a dict under other keys


class LayerNormGradDict:
    """Gradients kept as ``self.gradients['dLdGamma']``: gamma and beta share a shape."""

    def __init__(self, n_features=4):
        self.gamma, self.beta = _normal(3, (1, n_features), (1, n_features))
        self.gamma += 1.0
        self.gradients = {}

    def forward(self, x):
        self.mu = x.mean(axis=1, keepdims=True)
        self.inv = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
        self.xhat = (x - self.mu) * self.inv
        self.output = self.gamma * self.xhat + self.beta

    def backward(self, dLdY):
        n = dLdY.shape[1]
        dxhat = dLdY * self.gamma
        self.gradients["dLdGamma"] = (dLdY * self.xhat).sum(axis=0, keepdims=True)
        self.gradients["dLdBeta"] = dLdY.sum(axis=0, keepdims=True)
        self.gradients["dLdX"] = self.inv / n * (
            n * dxhat - dxhat.sum(axis=1, keepdims=True)
            - self.xhat * (dxhat * self.xhat).sum(axis=1, keepdims=True))


class LayerNormGradDict_Swapped(LayerNormGradDict):
    def backward(self, dLdY):
        n = dLdY.shape[1]
        dxhat = dLdY * self.gamma
        self.gradients["dLdBeta"] = (dLdY * self.xhat).sum(axis=0, keepdims=True)  # BUG: keys
        self.gradients["dLdGamma"] = dLdY.sum(axis=0, keepdims=True)  # swapped
        self.gradients["dLdX"] = self.inv / n * (
            n * dxhat - dxhat.sum(axis=1, keepdims=True)
            - self.xhat * (dxhat * self.xhat).sum(axis=1, keepdims=True))


class DenseGradsByOtherName:
    """``self.g['weight']`` (a container no list names) and ``self.delta_in``."""

    def __init__(self, n_in=3, n_out=4):
        self.weights, self.biases = _normal(4, (n_in, n_out), (1, n_out))
        self.g = {}

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.g["weight"] = self.inputs.T @ dvalues
        self.g["bias"] = dvalues.sum(axis=0, keepdims=True)
        self.delta_in = dvalues @ self.weights.T


class DenseGradsByOtherName_DeltaNoTranspose(DenseGradsByOtherName):
    def backward(self, dvalues):
        self.g["weight"] = self.inputs.T @ dvalues
        self.g["bias"] = dvalues.sum(axis=0, keepdims=True)
        self.delta_in = dvalues @ self.weights.T / len(dvalues)  # BUG: divided by the batch


# ---------------------------------------------- accumulation with a reset method


class DenseAccumulates:
    """Gradients accumulate across backward calls until ``flush_gradients()``."""

    def __init__(self, n_in=3, n_out=4):
        self.W, self.b = _normal(5, (n_in, n_out), (1, n_out))
        self.flush_gradients()

    def flush_gradients(self):
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)

    def forward(self, X):
        self.X = X
        return X @ self.W + self.b

    def backward(self, dLdY):
        self.dW += self.X.T @ dLdY
        self.db += dLdY.sum(axis=0, keepdims=True)
        return dLdY @ self.W.T


class DenseAccumulates_FlushMissesBias(DenseAccumulates):
    def flush_gradients(self):
        self.dW = np.zeros_like(self.W)
        if not hasattr(self, "db"):  # BUG: the bias gradient is never reset
            self.db = np.zeros_like(self.b)
