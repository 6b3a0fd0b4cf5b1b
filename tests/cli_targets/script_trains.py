"""A learner's script: layers, then data loading and a training loop at the top level.

Checked without running that code: the loop below would take a minute and writes a
marker file first; the data loader module does not exist. ``cv2_stand_in`` (not
installed either) is used by a function that no check calls.
"""

import time
from pathlib import Path

import gc_missing_data_loader  # only the module-level code below uses it
import gc_missing_image_lib as cv2
import numpy as np

EPSILON = 1e-7


def load_image(path):
    return cv2.imread(path)


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Activation_Softplus:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.log1p(np.exp(-np.abs(inputs))) + np.maximum(inputs, 0) + 0 * EPSILON

    def backward(self, dvalues):
        self.dinputs = dvalues / (1 + np.exp(-self.inputs))


class Activation_Swish:
    # a slip: the derivative of x * sigmoid(x) misses the x * s * (1 - s) term
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues / (1 + np.exp(-self.inputs))


Path(__file__).with_name("script_trains.marker").write_text("module-level code ran\n")
X, y = gc_missing_data_loader.load("train")
dense = Layer_Dense(2, 3)
start = time.time()
while time.time() - start < 60:
    dense.forward(X)
print("trained")
