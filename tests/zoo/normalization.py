"""Batch normalisation (training mode): a layer whose rows are coupled through the batch.

Every other zoo layer maps each sample independently; here each output row depends on the
whole batch (mean and variance), and forward also updates running statistics that do not
affect the output. A checker that assumes row independence, or that treats any state
change in forward as a problem, misjudges it.
"""

import numpy as np

from ._entry import Entry, batch


class Layer_BatchNorm:
    def __init__(self, n_features, momentum=0.9, epsilon=1e-5):
        self.gamma = np.ones((1, n_features))
        self.beta = np.zeros((1, n_features))
        self.running_mean = np.zeros((1, n_features))
        self.running_var = np.ones((1, n_features))
        self.momentum = momentum
        self.epsilon = epsilon

    def forward(self, inputs):
        self.inputs = inputs
        mean = np.mean(inputs, axis=0, keepdims=True)
        var = np.var(inputs, axis=0, keepdims=True)
        self.std = np.sqrt(var + self.epsilon)
        self.xhat = (inputs - mean) / self.std
        self.output = self.gamma * self.xhat + self.beta
        # running statistics for inference: updated on every call, output unaffected
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mean
        self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var

    def backward(self, dvalues):
        self.dgamma = np.sum(dvalues * self.xhat, axis=0, keepdims=True)
        self.dbeta = np.sum(dvalues, axis=0, keepdims=True)
        dxhat = dvalues * self.gamma
        self.dinputs = (dxhat - np.mean(dxhat, axis=0, keepdims=True)
                        - self.xhat * np.mean(dxhat * self.xhat, axis=0, keepdims=True)
                        ) / self.std


class BatchNorm_StatisticsAsConstants(Layer_BatchNorm):
    def backward(self, dvalues):
        self.dgamma = np.sum(dvalues * self.xhat, axis=0, keepdims=True)
        self.dbeta = np.sum(dvalues, axis=0, keepdims=True)
        # BUG: mean and std treated as constants: the batch coupling is lost
        self.dinputs = dvalues * self.gamma / self.std


class BatchNorm_VarianceTermMissing(Layer_BatchNorm):
    def backward(self, dvalues):
        self.dgamma = np.sum(dvalues * self.xhat, axis=0, keepdims=True)
        self.dbeta = np.sum(dvalues, axis=0, keepdims=True)
        dxhat = dvalues * self.gamma
        # BUG: the mean's path is kept, the variance's path is dropped
        self.dinputs = (dxhat - np.mean(dxhat, axis=0, keepdims=True)) / self.std


class BatchNorm_DgammaNoXhat(Layer_BatchNorm):
    def backward(self, dvalues):
        self.dgamma = np.sum(dvalues, axis=0, keepdims=True)  # BUG: forgot the * xhat
        self.dbeta = np.sum(dvalues, axis=0, keepdims=True)
        dxhat = dvalues * self.gamma
        self.dinputs = (dxhat - np.mean(dxhat, axis=0, keepdims=True)
                        - self.xhat * np.mean(dxhat * self.xhat, axis=0, keepdims=True)
                        ) / self.std


def _bn(cls, n_features=3, seed=5):
    def factory():
        layer = cls(n_features)
        rng = np.random.default_rng(seed)
        layer.gamma = 1 + 0.5 * rng.standard_normal((1, n_features))
        layer.beta = 0.5 * rng.standard_normal((1, n_features))
        return layer
    return factory


def _data(rng):
    return (batch(rng, 6, 3, scale=2.0) + np.array([[1.0, -2.0, 0.5]]),)


def _e(name, cls, what, expect=None):
    return Entry(name=f"batchnorm/{name}", factory=_bn(cls), kind="layer",
                 buggy=expect is not None, what=what, make_data=_data, expect=expect,
                 twin="batchnorm/train" if expect is not None else None)


ENTRIES = [
    _e("train", Layer_BatchNorm,
       "rows coupled through batch mean/var; forward updates running stats; gamma/beta"),
    _e("statistics_as_constants", BatchNorm_StatisticsAsConstants,
       "dinputs = dvalues * gamma / std: batch coupling ignored", "dinputs"),
    _e("variance_term_missing", BatchNorm_VarianceTermMissing,
       "the variance's path through the batch dropped", "dinputs"),
    _e("dgamma_without_xhat", BatchNorm_DgammaNoXhat, "dgamma = sum(dvalues)", "dgamma"),
]
