"""Dropout drawing from random sources the object does not hold."""

import numpy as np

MODULE_RNG = np.random.default_rng(7)


class Dropout_ModuleGenerator:
    """Draws its mask from a Generator that is a global of this module."""

    rate = 0.3

    def forward(self, inputs):
        self.mask = MODULE_RNG.binomial(1, 1 - self.rate, size=inputs.shape) / (1 - self.rate)
        self.output = inputs * self.mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.mask


class Dropout_ModuleGenerator_NoMask(Dropout_ModuleGenerator):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()  # BUG: the mask is not applied


class Dropout_ClassGenerator:
    """Draws its mask from a Generator held as a class attribute."""

    rng = np.random.default_rng(11)

    def forward(self, inputs):
        self.mask = self.rng.binomial(1, 0.7, size=inputs.shape) / 0.7
        self.output = inputs * self.mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.mask


class Dropout_ClassGenerator_NoScale(Dropout_ClassGenerator):
    def backward(self, dvalues):
        self.dinputs = dvalues * (self.mask > 0)  # BUG: the 1 / 0.7 scale is lost


class Dropout_FreshGenerator:
    """A fresh, unseeded Generator on every call: no one can hold its state."""

    def forward(self, inputs):
        self.mask = np.random.default_rng().binomial(1, 0.7, size=inputs.shape) / 0.7
        self.output = inputs * self.mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.mask
