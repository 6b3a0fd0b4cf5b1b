"""Regression losses, each with a twin: a flipped sign, and a bug only large errors reach.

``Loss_AbsoluteError`` is correct; ``Loss_AbsoluteErrorFlipped`` takes the sign of
``y_true - y_pred`` (the gradient points the wrong way everywhere). ``Loss_LogCosh``
is correct at any magnitude; ``Loss_LogCoshExpanded`` writes tanh as a ratio of
exponentials, right for small errors and NaN (inf / inf) once an error passes ~710.
"""

import numpy as np


class Loss_AbsoluteError:
    def forward(self, y_pred, y_true):
        return np.mean(np.abs(y_pred - y_true), axis=-1)

    def backward(self, dvalues, y_true):
        n, width = dvalues.shape
        self.dinputs = np.sign(dvalues - y_true) / (width * n)


class Loss_AbsoluteErrorFlipped:
    def forward(self, y_pred, y_true):
        return np.mean(np.abs(y_pred - y_true), axis=-1)

    def backward(self, dvalues, y_true):
        n, width = dvalues.shape
        self.dinputs = np.sign(y_true - dvalues) / (width * n)


class Loss_LogCosh:
    def forward(self, y_pred, y_true):
        error = np.abs(y_pred - y_true)
        # log(cosh(e)) = |e| + log(1 + exp(-2|e|)) - log(2), finite for any error
        return np.mean(error + np.log1p(np.exp(-2.0 * error)) - np.log(2.0), axis=-1)

    def backward(self, dvalues, y_true):
        n, width = dvalues.shape
        self.dinputs = np.tanh(dvalues - y_true) / (width * n)


class Loss_LogCoshExpanded:
    def forward(self, y_pred, y_true):
        error = np.abs(y_pred - y_true)
        return np.mean(error + np.log1p(np.exp(-2.0 * error)) - np.log(2.0), axis=-1)

    def backward(self, dvalues, y_true):
        n, width = dvalues.shape
        error = dvalues - y_true
        up, down = np.exp(error), np.exp(-error)
        self.dinputs = (up - down) / (up + down) / (width * n)
