"""Float arrays that are not parameters: masks, offsets, scales, running statistics,
aliases and views. A correct class must pass, and the report must list what it treated
as constant (``report.constants``, or the notes); a wrong gradient of a real parameter
must still fail, and so must the book's typo ``self.bias`` for ``self.dbiases`` and a
conventional parameter name (``beta``) left without a gradient.
"""

import numpy as np

from ._entry import Entry, batch


def _normal(seed, *shapes, scale=0.6):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(shape) for shape in shapes]


# ------------------------------------------------------------------------ mask


class MaskedDense:
    """A fixed 0/1 float pruning mask multiplied into the weights (no ``dmask``)."""

    def __init__(self, n_inputs=3, n_neurons=4, seed=21):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))
        rng = np.random.default_rng(seed + 100)
        self.mask = (rng.random((n_inputs, n_neurons)) < 0.6).astype(np.float64)
        self.mask[0, 0], self.mask[1, 0] = 0.0, 1.0  # both kinds present

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights * self.mask) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues) * self.mask
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, (self.weights * self.mask).T)


class MaskedDense_MaskForgotten(MaskedDense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)  # BUG: pruned weights get gradients
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, (self.weights * self.mask).T)


class MaskedDense_BiasTypo(MaskedDense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues) * self.mask
        self.bias = np.sum(dvalues, axis=0, keepdims=True)  # BUG: the book's typo, no dbiases
        self.dinputs = np.dot(dvalues, (self.weights * self.mask).T)


# ---------------------------------------------------------------------- offset


class CenteredDense:
    """Inputs centred by a fixed offset (a data mean kept from preprocessing)."""

    def __init__(self, n_inputs=3, n_neurons=4, seed=22):
        self.weights, self.biases, self.offset = _normal(
            seed, (n_inputs, n_neurons), (1, n_neurons), (n_inputs,))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs - self.offset, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot((self.inputs - self.offset).T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class CenteredDense_Uncentred(CenteredDense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)  # BUG: the offset forgotten
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


# ----------------------------------------------------------------- 0-d scale


class ScaledDense:
    """Output multiplied by a 0-d float array ``np.array(2.0)``."""

    def __init__(self, n_inputs=3, n_neurons=4, seed=23):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))
        self.scale = np.array(2.0)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = self.scale * (np.dot(inputs, self.weights) + self.biases)

    def backward(self, dvalues):
        dz = self.scale * dvalues
        self.dweights = np.dot(self.inputs.T, dz)
        self.dbiases = np.sum(dz, axis=0, keepdims=True)
        self.dinputs = np.dot(dz, self.weights.T)


class ScaledDense_ScaleForgottenInBias(ScaledDense):
    def backward(self, dvalues):
        dz = self.scale * dvalues
        self.dweights = np.dot(self.inputs.T, dz)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)  # BUG: the scale forgotten
        self.dinputs = np.dot(dz, self.weights.T)


# ---------------------------------------------------- running statistics in place


class BatchNormInPlace:
    """Batch norm (training) whose running statistics are updated in place."""

    def __init__(self, n_features=3, momentum=0.9, epsilon=1e-5, seed=24):
        g, self.beta = _normal(seed, (n_features,), (n_features,))
        self.gamma = 1.0 + g
        self.running_mean = np.zeros(n_features)
        self.running_var = np.ones(n_features)
        self.momentum = momentum
        self.epsilon = epsilon

    def forward(self, inputs):
        mean = inputs.mean(axis=0)
        var = inputs.var(axis=0)
        self.running_mean *= self.momentum
        self.running_mean += (1 - self.momentum) * mean
        self.running_var *= self.momentum
        self.running_var += (1 - self.momentum) * var
        self.std = np.sqrt(var + self.epsilon)
        self.xhat = (inputs - mean) / self.std
        self.output = self.gamma * self.xhat + self.beta

    def backward(self, dvalues):
        self.dgamma = np.sum(dvalues * self.xhat, axis=0)
        self.dbeta = np.sum(dvalues, axis=0)
        dxhat = dvalues * self.gamma
        self.dinputs = (dxhat - dxhat.mean(axis=0)
                        - self.xhat * (dxhat * self.xhat).mean(axis=0)) / self.std


class BatchNormInPlace_DbetaWithXhat(BatchNormInPlace):
    def backward(self, dvalues):
        self.dgamma = np.sum(dvalues * self.xhat, axis=0)
        self.dbeta = np.sum(dvalues * self.xhat, axis=0)  # BUG: dgamma's formula copied
        dxhat = dvalues * self.gamma
        self.dinputs = (dxhat - dxhat.mean(axis=0)
                        - self.xhat * (dxhat * self.xhat).mean(axis=0)) / self.std


class BatchNormInPlace_NoDbeta(BatchNormInPlace):
    def backward(self, dvalues):
        self.dgamma = np.sum(dvalues * self.xhat, axis=0)
        # BUG: the line setting self.dbeta = np.sum(dvalues, axis=0) was forgotten
        dxhat = dvalues * self.gamma
        self.dinputs = (dxhat - dxhat.mean(axis=0)
                        - self.xhat * (dxhat * self.xhat).mean(axis=0)) / self.std


# ----------------------------------------------------------------------- alias


class AliasDense:
    """``self.W`` is ``self.weights`` (one array, two names); forward uses ``W``."""

    def __init__(self, n_inputs=3, n_neurons=4, seed=25):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))
        self.W = self.weights

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.W) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.W.T)


class AliasDense_DecayInGradient(AliasDense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues) + 0.1 * self.W  # BUG: decay not in loss
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.W.T)


# ------------------------------------------------------------ views of one vector


class FlatThetaDense:
    """One flat parameter vector ``theta``; ``W`` and ``b`` are views into it."""

    def __init__(self, n_inputs=3, n_neurons=4, seed=26):
        k = n_inputs * n_neurons
        (self.theta,) = _normal(seed, (k + n_neurons,))
        self.W = self.theta[:k].reshape(n_inputs, n_neurons)
        self.b = self.theta[k:]

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.W + self.b

    def backward(self, dvalues):
        self.dW = self.inputs.T @ dvalues
        self.db = dvalues.sum(axis=0)
        self.dinputs = dvalues @ self.W.T


class FlatThetaDense_DbMean(FlatThetaDense):
    def backward(self, dvalues):
        self.dW = self.inputs.T @ dvalues
        self.db = dvalues.mean(axis=0)  # BUG: mean, not sum
        self.dinputs = dvalues @ self.W.T


class FlatThetaGradDense(FlatThetaDense):
    """Same views, but backward sets only the flat ``dtheta``."""

    def backward(self, dvalues):
        dW = self.inputs.T @ dvalues
        db = dvalues.sum(axis=0)
        self.dtheta = np.concatenate([dW.ravel(), db])
        self.dinputs = dvalues @ self.W.T


class FlatThetaGradDense_FortranOrder(FlatThetaGradDense):
    def backward(self, dvalues):
        dW = self.inputs.T @ dvalues
        db = dvalues.sum(axis=0)
        self.dtheta = np.concatenate([dW.ravel(order="F"), db])  # BUG: column-major order
        self.dinputs = dvalues @ self.W.T


# --------------------------------------------------------- the book's typo, plain


class Dense:
    def __init__(self, n_inputs=3, n_neurons=4, seed=27):
        self.weights, self.biases = _normal(seed, (n_inputs, n_neurons), (1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_BiasTypo(Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.bias = np.sum(dvalues, axis=0, keepdims=True)  # BUG: never sets dbiases
        self.dinputs = np.dot(dvalues, self.weights.T)


# --------------------------------------------------------------------- registry


def _x(n, f, scale=1.5, shift=0.0):
    return lambda rng: (batch(rng, n, f, scale=scale) + shift,)


def _e(name, factory, what, expect=None, data=None, twin=None):
    return Entry(name=f"constants/{name}", factory=factory, kind="layer",
                 buggy=expect is not None, what=what, make_data=data, expect=expect,
                 twin=twin and f"constants/{twin}")


_BN_DATA = _x(6, 3, scale=2.0, shift=np.array([1.0, -2.0, 0.5]))

ENTRIES = [
    # correct
    _e("mask", MaskedDense, "constant 0/1 float mask multiplied into the weights",
       data=_x(5, 3)),
    _e("offset", CenteredDense, "constant offset subtracted from the inputs", data=_x(5, 3)),
    _e("scale_0d", ScaledDense, "output times a 0-d array np.array(2.0)", data=_x(5, 3)),
    _e("batchnorm_running_in_place", BatchNormInPlace,
       "running_mean *= 0.9; running_mean += 0.1 * mean, in place, in forward",
       data=_BN_DATA),
    _e("alias", AliasDense, "self.W is self.weights; forward uses W; only dweights set",
       data=_x(5, 3)),
    _e("flat_theta_views", FlatThetaDense, "W, b views into a flat theta; dW, db set",
       data=_x(5, 3)),
    _e("flat_theta_dtheta", FlatThetaGradDense, "W, b views into theta; only dtheta set",
       data=_x(5, 3)),
    _e("dense", Dense, "plain dense: the twin of the book's typo", data=_x(5, 3)),
    # bugs
    _e("mask_forgotten_in_dweights", MaskedDense_MaskForgotten,
       "dweights without * mask", "dweights", data=_x(5, 3), twin="mask"),
    _e("mask_bias_typo", MaskedDense_BiasTypo,
       "a constant beside it; backward sets self.bias, never self.dbiases", "dbiases",
       data=_x(5, 3), twin="mask"),
    _e("offset_forgotten_in_dweights", CenteredDense_Uncentred,
       "dweights from uncentred inputs", "dweights", data=_x(5, 3), twin="offset"),
    _e("scale_forgotten_in_dbiases", ScaledDense_ScaleForgottenInBias,
       "dbiases without the 0-d scale", "dbiases", data=_x(5, 3), twin="scale_0d"),
    _e("batchnorm_dbeta_with_xhat", BatchNormInPlace_DbetaWithXhat,
       "dbeta = sum(dvalues * xhat)", "dbeta", data=_BN_DATA,
       twin="batchnorm_running_in_place"),
    _e("batchnorm_no_dbeta", BatchNormInPlace_NoDbeta,
       "beta (a conventional parameter name) gets no gradient at all", "dbeta",
       data=_BN_DATA, twin="batchnorm_running_in_place"),
    _e("alias_decay_in_gradient", AliasDense_DecayInGradient,
       "dweights += 0.1 * W though the loss has no decay", "dweights", data=_x(5, 3),
       twin="alias"),
    _e("flat_theta_views_db_mean", FlatThetaDense_DbMean, "db = mean", "db", data=_x(5, 3),
       twin="flat_theta_views"),
    _e("flat_theta_dtheta_fortran_order", FlatThetaGradDense_FortranOrder,
       "dtheta packs dW column-major, theta is row-major", "dtheta", data=_x(5, 3),
       twin="flat_theta_dtheta"),
    _e("bias_typo", Dense_BiasTypo, "the book's typo: self.bias, never self.dbiases",
       "dbiases", data=_x(5, 3), twin="dense"),
]

# entry -> float arrays it holds that are constants: never reported missing; correct
# entries must list them in report.constants (or the notes)
CONSTANTS = {
    "constants/mask": ("mask",),
    "constants/offset": ("offset",),
    "constants/scale_0d": ("scale",),
    "constants/batchnorm_running_in_place": ("running_mean", "running_var"),
    "constants/alias": ("W",),
    "constants/flat_theta_views": ("theta",),
    "constants/flat_theta_dtheta": ("W", "b"),
    "constants/mask_forgotten_in_dweights": ("mask",),
    "constants/mask_bias_typo": ("mask",),
    "constants/offset_forgotten_in_dweights": ("offset",),
    "constants/scale_forgotten_in_dbiases": ("scale",),
    "constants/batchnorm_dbeta_with_xhat": ("running_mean", "running_var"),
    "constants/batchnorm_no_dbeta": ("running_mean", "running_var"),
    "constants/alias_decay_in_gradient": ("W",),
    "constants/flat_theta_views_db_mean": ("theta",),
    "constants/flat_theta_dtheta_fortran_order": ("W", "b"),
}

GRADIENTS = {
    "constants/mask": ("dweights", "dbiases", "dinputs"),
    "constants/offset": ("dweights", "dbiases", "dinputs"),
    "constants/scale_0d": ("dweights", "dbiases", "dinputs"),
    "constants/batchnorm_running_in_place": ("dgamma", "dbeta", "dinputs"),
    "constants/alias": ("dweights", "dbiases", "dinputs"),
    "constants/flat_theta_views": ("dW", "db", "dinputs"),
    "constants/flat_theta_dtheta": ("dtheta", "dinputs"),
    "constants/dense": ("dweights", "dbiases", "dinputs"),
}
