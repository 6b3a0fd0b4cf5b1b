"""Forwards that are hard on the rounding model: cancellation and sub-step wiggles."""

import numpy as np

_C = np.sqrt(2 / np.pi)


class GELU_Tanh:
    """tanh-approximated GELU: ``1 + tanh(u)`` cancels for x in [-7, -4]."""

    def forward(self, inputs):
        self.inputs = inputs
        self.t = np.tanh(_C * (inputs + 0.044715 * inputs**3))
        self.output = 0.5 * inputs * (1 + self.t)

    def backward(self, dvalues):
        x = self.inputs
        du = _C * (1 + 3 * 0.044715 * x**2)
        self.dinputs = dvalues * (0.5 * (1 + self.t) + 0.5 * x * (1 - self.t**2) * du)


class GELU_Tanh_NoChainU(GELU_Tanh):
    def backward(self, dvalues):
        x = self.inputs
        # BUG: the derivative of the inner polynomial is left out
        self.dinputs = dvalues * (0.5 * (1 + self.t) + 0.5 * x * (1 - self.t**2) * _C)


class Sigmoid_ViaTanh:
    """The logistic function written as ``0.5 * (1 + tanh(x / 2))``: cancels for x <= -20."""

    def forward(self, inputs):
        self.output = 0.5 * (1 + np.tanh(inputs / 2))

    def backward(self, dvalues):
        self.dinputs = dvalues * self.output * (1 - self.output)


class Sigmoid_ViaTanh_Halved(Sigmoid_ViaTanh):
    def backward(self, dvalues):
        self.dinputs = 0.5 * dvalues * self.output * (1 - self.output)  # BUG: a stray 0.5


class Wiggle:
    """``x + 1e-3 sin(1e7 x)``: varies on a scale far below any finite-difference step."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs + 1e-3 * np.sin(1e7 * inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 + 1e4 * np.cos(1e7 * self.inputs))


class Wiggle_Doubled(Wiggle):
    def backward(self, dvalues):
        self.dinputs = 2 * dvalues * (1 + 1e4 * np.cos(1e7 * self.inputs))  # BUG: factor 2


class WiggleThenTanh:
    """The sub-step wiggle on the first half of the features, ``tanh`` on the rest."""

    def forward(self, inputs):
        self.inputs = inputs
        half = inputs.shape[1] // 2
        self.output = np.concatenate(
            [inputs[:, :half] + 1e-3 * np.sin(1e7 * inputs[:, :half]),
             np.tanh(inputs[:, half:])], axis=1)

    def backward(self, dvalues):
        half = self.inputs.shape[1] // 2
        x = self.inputs
        self.dinputs = dvalues * np.concatenate(
            [1 + 1e4 * np.cos(1e7 * x[:, :half]), self._tanh_slope(x[:, half:])], axis=1)

    def _tanh_slope(self, x):
        return 1 - np.tanh(x) ** 2


class WiggleThenTanh_Squared(WiggleThenTanh):
    def _tanh_slope(self, x):
        return 1 - np.tanh(x)  # BUG: the square is lost, on the smooth features only


class Sqrt:
    """Elementwise square root (inputs >= 0); one input may sit at 1e-10."""

    def forward(self, inputs):
        self.output = np.sqrt(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * 0.5 / self.output


class Sqrt_Doubled(Sqrt):
    def backward(self, dvalues):
        self.dinputs = dvalues / self.output  # BUG: 2x wrong on every element


class Sigmoid:
    def forward(self, inputs):
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


class Sigmoid_NoOutput(Sigmoid):
    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output)  # BUG: `* self.output` missing


class Tanh_Doubled:
    def forward(self, inputs):
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = 2 * dvalues * (1 - self.output**2)  # BUG: a factor 2 too many


class ReLU_WrongSide:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs >= 0] = 0  # BUG: masks the positive side
