"""A GELU (tanh approximation) and a twin whose derivative uses rounded constants.

Written here for the checker's tests (numpy only). The twin's backward writes
sqrt(2 / pi) with six digits: every element of its gradient is off by a relative error
near 2e-7, a real (if small) bug whose cause is the constant, not an index.
"""

import numpy as np

_C = np.sqrt(2.0 / np.pi)


class GELU:
    def forward(self, inputs):
        self.inputs = inputs
        self.t = np.tanh(_C * (inputs + 0.044715 * inputs ** 3))
        self.output = 0.5 * inputs * (1.0 + self.t)

    def backward(self, dvalues):
        x, t = self.inputs, self.t
        dt = (1.0 - t * t) * _C * (1.0 + 3 * 0.044715 * x * x)
        self.dinputs = dvalues * (0.5 * (1.0 + t) + 0.5 * x * dt)


class GELU_RoundedConstant(GELU):
    def backward(self, dvalues):
        x = self.inputs
        t = np.tanh(0.797885 * (x + 0.044715 * x ** 3))  # BUG: sqrt(2/pi) to 6 digits
        dt = (1.0 - t * t) * 0.797885 * (1.0 + 3 * 0.044715 * x * x)
        self.dinputs = dvalues * (0.5 * (1.0 + t) + 0.5 * x * dt)


class GELU_RoundedCubic(GELU):
    def backward(self, dvalues):
        x, t = self.inputs, self.t
        dt = (1.0 - t * t) * _C * (1.0 + 3 * 0.0447 * x * x)  # BUG: 0.044715 as 0.0447
        self.dinputs = dvalues * (0.5 * (1.0 + t) + 0.5 * x * dt)
