"""Draw docs/figures/heatmap_dbiases_mean.png: the --plot heatmaps of a real bug.

A dense layer whose backward takes the mean of dvalues for ``dbiases`` (a stray
``/ samples``) and forgets to transpose a square ``dweights``, checked with
``check_layer`` on a batch of 6; the heatmaps are drawn by the same code as
``gradcheck --plot``, from the verdict's own per-element data. Run from the repository
root: ``python docs/figures/make_heatmap.py`` (needs matplotlib).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gradcheck import check_layer
from gradcheck.cli.plot import plot_report

HERE = Path(__file__).resolve().parent


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        rng = np.random.default_rng(1)
        self.weights = 0.5 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = 0.5 * rng.standard_normal((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(dvalues.T, self.inputs)  # BUG: transposed (square weights)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # BUG: a stray / samples
        self.dinputs = np.dot(dvalues, self.weights.T)


def main() -> None:
    x = np.random.default_rng(0).standard_normal((6, 4))
    report = check_layer(Layer_Dense(4, 4), x, raise_on_failure=False)
    print(report)
    print(plot_report(report, HERE / "heatmap_dense_bugs.png"))


if __name__ == "__main__":
    main()
