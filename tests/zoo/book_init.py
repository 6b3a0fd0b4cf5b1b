"""A reader's module exactly as the book sets it up: ``nnfs.init()`` at import.

``nnfs.init()`` patches numpy for the whole process (float32 ``np.dot``, ``np.zeros``,
``np.eye``, ``np.random.randn``; seed 0). NEVER import this module in the test process:
load it in a subprocess only, e.g. ``python -c "import zoo.book_init"`` with ``tests/``
on ``sys.path`` (``tests/test_zoo.py`` and ``benchmarks/detection.py`` do so).
"""

# ruff: noqa: B905  (zip without strict=: the book's own loops, kept verbatim)

import nnfs
import numpy as np

from ._entry import Entry, batch, labels_of, logits, probabilities

nnfs.init()


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


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Activation_Softmax:
    def forward(self, inputs):
        self.inputs = inputs
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)

    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(zip(self.output, dvalues)):
            single_output = single_output.reshape(-1, 1)
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)


class Loss:
    def calculate(self, output, y):
        return np.mean(self.forward(output, y))


class Loss_CategoricalCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            correct_confidences = y_pred_clipped[range(samples), y_true]
        elif len(y_true.shape) == 2:
            correct_confidences = np.sum(y_pred_clipped * y_true, axis=1)
        return -np.log(correct_confidences)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]  # float32 under nnfs.init
        self.dinputs = -y_true / dvalues
        self.dinputs = self.dinputs / samples


class Activation_Softmax_Loss_CategoricalCrossentropy:
    def __init__(self):
        self.activation = Activation_Softmax()
        self.loss = Loss_CategoricalCrossentropy()

    def forward(self, inputs, y_true):
        self.activation.forward(inputs)
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Layer_Dropout:
    def __init__(self, rate):
        self.rate = 1 - rate

    def forward(self, inputs, training):
        self.inputs = inputs
        if not training:
            self.output = inputs.copy()
            return
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.output = inputs * self.binary_mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.binary_mask


# ------------------------------------------------------------------------ bugs


class Fused_Document(Activation_Softmax_Loss_CategoricalCrossentropy):
    """The document's final cell: no copy, so self.output is edited in place."""

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues  # BUG
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Dense_DinputsNoTranspose(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights)  # BUG


class Dense_DbiasesMean(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # BUG
        self.dinputs = np.dot(dvalues, self.weights.T)


class ReLU_MaskInverted(Activation_ReLU):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs > 0] = 0  # BUG


# --------------------------------------------------------------------- registry


def _x(n, f, zeros=0):
    return lambda rng: (batch(rng, n, f, zeros=zeros),)


def _cce(kind, n=5, c=4):
    return lambda rng: (probabilities(rng, n, c), labels_of(kind, rng, n, c))


def _fused(kind, n=5, c=4):
    return lambda rng: (logits(rng, n, c), labels_of(kind, rng, n, c))


def _e(name, factory, kind, what, data, expect=None, labels=None, options=None, twin=None):
    return Entry(name=f"book_init/{name}", factory=factory, kind=kind,
                 buggy=expect is not None, what=what, make_data=data, expect=expect,
                 labels=labels, options=options or {}, twin=twin and f"book_init/{twin}")


ENTRIES = [
    _e("dense", lambda: Layer_Dense(3, 4), "layer", "book init: float32 weights, float32 dot",
       _x(5, 3)),
    _e("dense_square", lambda: Layer_Dense(4, 4), "layer", "float32 dot, square weights",
       _x(5, 4)),
    _e("relu", Activation_ReLU, "layer", "book ReLU with exact zeros under nnfs.init",
       _x(5, 4, zeros=5)),
    _e("softmax", Activation_Softmax, "layer", "book softmax Jacobian loop", _x(5, 4)),
    _e("cce[sparse]", Loss_CategoricalCrossentropy, "loss", "np.eye gives float32 one-hot",
       _cce("sparse"), labels="sparse"),
    _e("cce[one_hot]", Loss_CategoricalCrossentropy, "loss", "one-hot path", _cce("one_hot"),
       labels="one_hot"),
    _e("fused[sparse]", Activation_Softmax_Loss_CategoricalCrossentropy, "fused",
       "book fused with copy", _fused("sparse"), labels="sparse"),
    _e("dropout", lambda: Layer_Dropout(0.2), "layer", "global RNG seeded by nnfs.init",
       _x(6, 5), options={"training": True}),
    _e("fused_document_mutation[sparse]", Fused_Document, "fused",
       "the document's final cell under nnfs.init: self.output mutated", _fused("sparse"),
       expect="mutat|in place", labels="sparse", twin="fused[sparse]"),
    _e("dense_dinputs_no_transpose_square", lambda: Dense_DinputsNoTranspose(4, 4), "layer",
       "dvalues @ W, square W, float32 dot", _x(5, 4), expect="dinputs",
       twin="dense_square"),
    _e("dense_dbiases_mean", lambda: Dense_DbiasesMean(3, 4), "layer",
       "mean instead of sum, float32", _x(5, 3), expect="dbiases",
       twin="dense"),
    _e("relu_mask_inverted", ReLU_MaskInverted, "layer", "mask inputs > 0", _x(5, 4, zeros=5),
       expect="dinputs", twin="relu"),
]
