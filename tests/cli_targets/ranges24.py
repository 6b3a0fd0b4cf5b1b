"""Losses and derivative pairs that overflow only at large magnitudes (range findings).

Each overflowing one (``*_Naive``, ``sigmoid_prime``, ``softplus``) has its gradient
right: the overflow is a range finding, apart from the verdict. Its stable twin gets no
finding; ``*_Bug`` twins are wrong as well as overflowing; ``ExpLoss`` is huge at large
magnitudes by right (not a finding). Checked by ``tests/test_ranges_beyond_layers.py``.
"""

import numpy as np


def _softmax(z):
    exp = np.exp(z - z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


class SoftmaxCCE:
    """Softmax and categorical cross-entropy, fused: the row maximum subtracted."""

    def forward(self, inputs, y_true):
        self.output = _softmax(inputs)
        picked = self.output[np.arange(len(inputs)), y_true]
        return float(np.mean(-np.log(np.clip(picked, 1e-7, 1 - 1e-7))))

    def backward(self, dvalues, y_true):
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(len(dvalues)), y_true] -= 1
        self.dinputs /= len(dvalues)


class SoftmaxCCE_Naive(SoftmaxCCE):
    def forward(self, inputs, y_true):
        exp = np.exp(inputs)  # no maximum subtracted: inf / inf at logits above 709
        self.output = exp / exp.sum(axis=1, keepdims=True)
        picked = self.output[np.arange(len(inputs)), y_true]
        return float(np.mean(-np.log(np.clip(picked, 1e-7, 1 - 1e-7))))


class SoftmaxCCE_Naive_Bug(SoftmaxCCE_Naive):
    def backward(self, dvalues, y_true):
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(len(dvalues)), y_true] -= 1  # BUG: not divided by the batch


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))


class SigmoidBCE:
    """Sigmoid and binary cross-entropy on logits, fused: log(1 + exp(-z)) kept finite."""

    def forward(self, z, y):
        self.output = _sigmoid(z)
        return float(np.mean(np.logaddexp(0, -z) + (1 - y) * z))

    def backward(self, dvalues, y):
        self.dinputs = (dvalues - y) / dvalues.size  # dvalues: the sigmoid output


class SigmoidBCE_Naive(SigmoidBCE):
    def forward(self, z, y):
        self.output = _sigmoid(z)
        return float(np.mean(np.log(1 + np.exp(-z)) + (1 - y) * z))  # exp(-z): inf


class LogCosh:
    """A regression loss: per-sample mean of log(cosh(error)), written stably."""

    def forward(self, y_pred, y_true):
        e = np.abs(y_pred - y_true)
        return np.mean(e + np.log1p(np.exp(-2 * e)) - np.log(2), axis=1)

    def backward(self, dvalues, y_true):
        self.dinputs = np.tanh(dvalues - y_true) / dvalues.size


class LogCosh_Naive(LogCosh):
    def forward(self, y_pred, y_true):
        return np.mean(np.log(np.cosh(y_pred - y_true)), axis=1)  # cosh: inf above 710


class ExpLoss:
    """exp(y_pred - y_true): huge at large predictions by right, not a range finding."""

    def forward(self, y_pred, y_true):
        return np.mean(np.exp(y_pred - y_true), axis=1)

    def backward(self, dvalues, y_true):
        self.dinputs = np.exp(dvalues - y_true) / dvalues.size


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_prime(x):
    return np.exp(-x) / (1 + np.exp(-x)) ** 2  # inf / inf at x below -709


def logistic(x):
    return 1 / (1 + np.exp(-x))


def logistic_prime(x):
    s = logistic(x)
    return s * (1 - s)


def softplus(x):
    return np.log(1 + np.exp(x))  # inf above 709, though softplus(x) is about x


def softplus_prime(x):
    return logistic(x)


def softplus_stable(x):
    return np.logaddexp(0, x)


def softplus_stable_prime(x):
    return logistic(x)


def expo(x):
    return np.exp(x)  # inf above 709 by right: not a range finding


def expo_prime(x):
    return np.exp(x)
