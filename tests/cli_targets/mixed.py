"""Hand-written NNFS-style classes of every sort discovery has to sort out (plain numpy)."""

import numpy as np
from _shared import Activation_Imported  # noqa: F401 - imported, so not checked here

GRADCHECK_ARGS = {"Layer_Scale": {"factor": 3.0}}


class Activation_Tanh:
    def forward(self, inputs):
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output**2)


class Activation_Doubled:
    # Wrong on purpose: forward doubles, backward forgets the factor 2.
    def forward(self, inputs):
        self.output = 2 * inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()


class Layer_Scale:
    # A constructor argument that cannot be guessed, given in GRADCHECK_ARGS above.
    def __init__(self, factor):
        self.factor = factor

    def forward(self, inputs):
        self.output = self.factor * inputs

    def backward(self, dvalues):
        self.dinputs = self.factor * dvalues


class Layer_Mystery:
    # Nobody says what `mystery` is: skipped with the reason.
    def __init__(self, mystery):
        self.mystery = mystery

    def forward(self, inputs):
        self.output = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues


class Layer_Linear:
    # Sizes named in another style; the input size comes second.
    def __init__(self, out_features, in_features, scale=1.0):
        self.weights = scale * np.ones((in_features, out_features))
        self.biases = np.zeros((1, out_features))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class Layer_Base:
    # A base class with a forward but no backward.
    def forward(self, inputs):
        raise NotImplementedError


class Optimizer_Plain:
    def __init__(self, learning_rate=0.1):
        self.learning_rate = learning_rate

    def update_params(self, layer):
        layer.weights -= self.learning_rate * layer.dweights


class Network:
    # A model: forward(X) with backward(output, y) is not a layer or a loss.
    def __init__(self):
        self.layers = []

    def forward(self, X):
        return X

    def backward(self, output, y):
        pass


def helper(x):
    return x
