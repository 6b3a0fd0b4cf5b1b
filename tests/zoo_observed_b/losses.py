"""Losses of other shapes: per-element outputs, one-hot branches, fused classes whose
forward is the activation alone, a loss supporting one output column, and a layer whose
backward takes labels it ignores."""

import numpy as np


# ---------------------------------------------------------------- per-element losses
class BCE_Elementwise:
    """forward returns the (N, C) losses; backward is the gradient of their mean."""

    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))

    def backward(self, dvalues, y_true):
        p = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / p - (1 - y_true) / (1 - p)) / dvalues.size


class BCE_Elementwise_Bug(BCE_Elementwise):
    def backward(self, dvalues, y_true):
        p = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / p - (1 - y_true) / p) / dvalues.size  # BUG: 1 - p


class MSE_ElementwiseSum:
    """forward returns the (N, C) squared errors; backward is the gradient of their sum."""

    def forward(self, y_pred, y_true):
        return (y_pred - y_true) ** 2

    def backward(self, dvalues, y_true):
        self.dinputs = 2 * (dvalues - y_true)


class MSE_ElementwiseSum_Bug(MSE_ElementwiseSum):
    def backward(self, dvalues, y_true):
        self.dinputs = 2 * (y_true - dvalues)  # BUG: the sign


# ---------------------------------------------------------------- one-hot branches
class CCE_Branches:
    def forward(self, y_pred, y_true):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(len(y_pred)), y_true]
        elif len(y_true.shape) == 2:
            confidences = np.sum(clipped * y_true, axis=1)
        return -np.log(confidences)

    def backward(self, dvalues, y_true):
        samples, labels = dvalues.shape
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / dvalues / samples


class CCE_OneHotTypo_Bug(CCE_Branches):
    def forward(self, y_pred, y_true):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(len(y_pred)), y_true]
        elif len(y_true.shape) == 2:
            confidences = np.sum(clipped * y_true, axis=1).squeez()  # BUG: a typo
        return -np.log(confidences)


# ------------------------------------------- fused: forward is the softmax alone
class Softmax_CCE_Fused:
    def forward(self, inputs):
        exp = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp / np.sum(exp, axis=1, keepdims=True)
        return self.output

    def backward(self, dvalues, y_true=None):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Softmax_CCE_Fused_Bug(Softmax_CCE_Fused):
    def backward(self, dvalues, y_true=None):
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y_true] -= 1  # BUG: not divided by the samples


# ------------------------------------------------ a layer ignoring the labels
class Tanh_IgnoresLabels:
    """Every layer of some networks takes ``backward(dz, y)`` and ignores ``y``."""

    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dz, y):
        self.dinputs = dz * (1 - self.out ** 2)
        return self.dinputs


class Tanh_IgnoresLabels_Bug(Tanh_IgnoresLabels):
    def backward(self, dz, y):
        self.dinputs = dz * (1 - self.out)  # BUG: 1 - tanh, not 1 - tanh^2
        return self.dinputs


# ------------------------------------- sigmoid + BCE that supports one output column
class SigmoidBCE_OneColumn:
    def forward(self, logits, y):
        self.p = 1 / (1 + np.exp(-logits))
        y = y.reshape(-1, 1)
        p = np.clip(self.p, 1e-7, 1 - 1e-7)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def backward(self, dvalues, y):
        y = y.reshape(-1, 1)
        self.dinputs = (self.p - y) / len(y)


class SigmoidBCE_OneColumn_Bug(SigmoidBCE_OneColumn):
    def backward(self, dvalues, y):
        y = y.reshape(-1, 1)
        self.dinputs = (y - self.p) / len(y)  # BUG: the sign


class CCE_SparseTypo_Bug(CCE_Branches):
    def forward(self, y_pred, y_true):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            confidences = clipped[range(len(y_pred)), y_true.astype(np.int)]  # BUG: np.int
        else:
            confidences = np.sum(clipped * y_true, axis=1)
        return -np.log(confidences)


class Softmax_CCE_Branches:
    """Softmax + cross-entropy in one class: forward returns the mean loss."""

    def forward(self, inputs, y_true):
        exp = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp / np.sum(exp, axis=1, keepdims=True)
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1)
        return float(np.mean(-np.log(self.output[range(len(inputs)), y_true])))

    def backward(self, dvalues, y_true):
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y_true] -= 1
        self.dinputs = self.dinputs / len(dvalues)


class Softmax_CCE_OneHotTypo_Bug(Softmax_CCE_Branches):
    def forward(self, inputs, y_true):
        exp = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp / np.sum(exp, axis=1, keepdims=True)
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1, keepdim=True)  # BUG: keepdims
        return float(np.mean(-np.log(self.output[range(len(inputs)), y_true])))
