"""Layers set up with ``initialize(optimizer)`` and updating through it in backward.

Written here in the style of a much-starred from-scratch library: a network calls
``layer.set_input_shape(...)`` and ``layer.initialize(optimizer)`` when a layer is added;
``backward_pass(accum_grad)`` updates the weights through the optimizer copies the layer
keeps (``self.W = self.W_opt.update(self.W, grad_w)``) and returns the input gradient;
activations are looked up by name in a module dict. Before: every dense layer was an
``error`` (its weights are None until initialize), and ``Activation(name)`` was built
with ``name='layer'`` (KeyError). Each correct class has a buggy twin.
"""

import copy

import numpy as np


class Sigmoid:
    def __call__(self, x):
        return 1 / (1 + np.exp(-x))

    def gradient(self, x):
        s = self(x)
        return s * (1 - s)


class Softsign:
    def __call__(self, x):
        return x / (1 + np.abs(x))

    def gradient(self, x):
        return 1 / (1 + np.abs(x)) ** 2


ACTIVATIONS = {"sigmoid": Sigmoid, "softsign": Softsign}


class Softsign_SquareMissing:
    def __call__(self, x):
        return x / (1 + np.abs(x))

    def gradient(self, x):
        return 1 / (1 + np.abs(x))


TWIN_ACTIVATIONS = {"sigmoid": Sigmoid, "softsign": Softsign_SquareMissing}


class Layer:
    def set_input_shape(self, shape):
        self.input_shape = shape

    def forward_pass(self, X, training=True):
        raise NotImplementedError()

    def backward_pass(self, accum_grad):
        raise NotImplementedError()


class Dense(Layer):
    def __init__(self, n_units, input_shape=None):
        self.input_shape = input_shape
        self.n_units = n_units
        self.W = None
        self.w0 = None

    def initialize(self, optimizer):
        rng = np.random.default_rng(11)
        self.W = rng.uniform(-0.5, 0.5, (self.input_shape[0], self.n_units))
        self.w0 = np.zeros((1, self.n_units))
        self.W_opt = copy.copy(optimizer)
        self.w0_opt = copy.copy(optimizer)

    def forward_pass(self, X, training=True):
        self.layer_input = X
        return X @ self.W + self.w0

    def backward_pass(self, accum_grad):
        W = self.W
        grad_w = self.layer_input.T @ accum_grad
        grad_w0 = accum_grad.sum(axis=0, keepdims=True)
        self.W = self.W_opt.update(self.W, grad_w)
        self.w0 = self.w0_opt.update(self.w0, grad_w0)
        return accum_grad @ W.T


class Dense_GradientAfterUpdate(Dense):
    def backward_pass(self, accum_grad):
        grad_w = self.layer_input.T @ accum_grad
        grad_w0 = accum_grad.sum(axis=0, keepdims=True)
        self.W = self.W_opt.update(self.W, grad_w)
        self.w0 = self.w0_opt.update(self.w0, grad_w0)
        return accum_grad @ self.W.T


class Scale(Layer):
    """Updates in place through the optimizer it keeps (the result not bound)."""

    def __init__(self, input_shape=None):
        self.input_shape = input_shape

    def initialize(self, optimizer):
        self.gain = np.linspace(0.5, 1.5, self.input_shape[0])
        self.optimizer = optimizer

    def forward_pass(self, X, training=True):
        self.X = X
        return X * self.gain

    def backward_pass(self, accum_grad):
        dx = accum_grad * self.gain
        self.optimizer.step(self.gain, (accum_grad * self.X).sum(axis=0))
        return dx


class Scale_BatchMean(Scale):
    def backward_pass(self, accum_grad):
        dx = accum_grad * self.gain
        self.optimizer.step(self.gain, (accum_grad * self.X).mean(axis=0))
        return dx


class Activation(Layer):
    def __init__(self, name):
        self.activation_func = ACTIVATIONS[name]()

    def forward_pass(self, X, training=True):
        self.layer_input = X
        return self.activation_func(X)

    def backward_pass(self, accum_grad):
        return accum_grad * self.activation_func.gradient(self.layer_input)


class Activation_TwinTable(Activation):
    """Its table's softsign derivative lacks the square: wrong in that branch only."""

    def __init__(self, name):
        self.activation_func = TWIN_ACTIVATIONS[name]()
