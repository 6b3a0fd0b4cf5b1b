"""Print the diagnosis the checker gives for each misleading case of issue 17.

Run on two commits to compare (the classes are defined here, our own code)::

    python benchmarks/diagnoses.py

Each case prints its name and the report's message (the text a GradientError carries).
"""

from __future__ import annotations

import warnings

import numpy as np

from gradcheck import check_layer


class SigmoidNoOutput:
    def forward(self, inputs):
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output)  # BUG: `* self.output` missing


class TanhDoubled:
    def forward(self, inputs):
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = 2 * dvalues * (1 - self.output**2)  # BUG: a factor 2 too many


class DenseLastFeatureDropped:
    def __init__(self):
        rng = np.random.default_rng(0)
        self.weights = rng.standard_normal((3, 4))
        self.biases = rng.standard_normal((1, 4))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dweights[-1] = 0.0  # BUG: the last input feature's row never filled
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class ReLUNoMask:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()  # BUG: the mask is never applied


class MaxEveryTied:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs.max(axis=1, keepdims=True)

    def backward(self, dvalues):
        self.dinputs = (self.inputs == self.output) * dvalues  # BUG: sum doubles at a tie


class ReLUDoubledAtZero:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (self.inputs > 0) + 1.5 * dvalues * (self.inputs == 0)  # BUG


class DenseBiasShape:
    def __init__(self):
        rng = np.random.default_rng(0)
        self.weights = rng.standard_normal((3, 2))
        self.biases = np.zeros((1, 2))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0)  # BUG: shape (2,), keepdims=True missing
        self.dinputs = dvalues @ self.weights.T


class Layer_Dense:
    def __init__(self):
        self.weights = np.ones((2, 2))
        self.biases = np.zeros((1, 2))

    def forward(self, inputs):
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        raise RuntimeError("not written yet")


def cases():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3))
    x[:, 0] = -np.abs(x[:, 0])  # column 0 holds the negative inputs
    x[:, 1:] = np.abs(x[:, 1:])
    tie = rng.standard_normal((3, 4))
    tie[0, 2] = tie[0, 3] = tie[0].max() + 1.0  # one tie, in row 0
    zeros = rng.standard_normal((3, 4))
    zeros[1, 1] = 0.0
    return [
        ("sigmoid missing * output, shrunk to x = 0 (1x1)", SigmoidNoOutput(), np.zeros((1, 1))),
        ("sigmoid missing * output, every input 0 (3x2)", SigmoidNoOutput(), np.zeros((3, 2))),
        ("sigmoid missing * output, ordinary inputs", SigmoidNoOutput(), rng.normal(size=(4, 3))),
        ("tanh 2x wrong on a batch of 2", TanhDoubled(), rng.normal(size=(2, 3))),
        ("tanh 2x wrong on a batch of 5", TanhDoubled(), rng.normal(size=(5, 3))),
        ("dweights: last input feature's row wrong", DenseLastFeatureDropped(),
         rng.normal(size=(5, 3))),
        ("ReLU without its mask; column 0 holds the negative inputs", ReLUNoMask(), x),
        ("max routing to every tied maximum, one tie", MaxEveryTied(), tie),
        ("ReLU with 1.5 * dvalues at exact zeros (a kink)", ReLUDoubledAtZero(), zeros),
        ("dbiases of the wrong shape", DenseBiasShape(), rng.normal(size=(3, 3))),
        ("backward raises", Layer_Dense(), rng.normal(size=(2, 2))),
    ]


def main() -> None:
    warnings.simplefilter("ignore")
    for name, layer, inputs in cases():
        report = check_layer(layer, inputs, raise_on_failure=False)
        print(f"== {name}")
        print(report.message)
        print()


if __name__ == "__main__":
    main()
