"""Fused softmax + categorical cross-entropy: forward(logits, y) -> mean loss.

backward(self.output, y_true) must set dinputs = (softmax - one_hot) / samples, the
gradient of the mean loss w.r.t. the logits, and leave its argument alone.
"""

import numpy as np

from ._entry import Entry, labels_of, logits
from .activations import Activation_Softmax
from .losses import Loss_CategoricalCrossentropy


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


_Fused = Activation_Softmax_Loss_CategoricalCrossentropy


class Fused_OneHotSubtract(_Fused):
    """Correct alternative: subtract the one-hot matrix instead of indexing."""

    def backward(self, dvalues, y_true):
        samples, labels = dvalues.shape
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = (dvalues - y_true) / samples


class Fused_DocumentMutation(_Fused):
    """The document's final cell, verbatim in substance."""

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues  # BUG: no .copy(): the next line edits self.output
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Fused_NoSubtract(_Fused):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()  # BUG: the -1 at the true class is missing
        self.dinputs = self.dinputs / samples


class Fused_SubtractAtPrediction(_Fused):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), np.argmax(dvalues, axis=1)] -= 1  # BUG: predicted class
        self.dinputs = self.dinputs / samples


class Fused_ColumnIndex(_Fused):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[:, y_true] -= 1  # BUG: every row, at every label present in the batch
        self.dinputs = self.dinputs / samples


class Fused_OneHotArgmaxAxis0(_Fused):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=0)  # BUG: per class, not per sample
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Fused_MissingSamples(_Fused):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1  # BUG: / samples forgotten


class Fused_DocumentInitTypo:
    """The document's class as typed: `def __int__`, so __init__ never runs."""

    def __int__(self):  # BUG: the document's typo for __init__
        self.activation = Activation_Softmax()
        self.loss = Loss_CategoricalCrossentropy()

    def forward(self, inputs, y_true):
        self.activation.forward(inputs)  # AttributeError: no self.activation
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


# --------------------------------------------------------------------- registry


def _data(kind, n=5, c=4, scale=2.0, pred_differs=True):
    def make(rng):
        z = logits(rng, n, c, scale=scale)
        y = labels_of("sparse", rng, n, c)
        if pred_differs:  # some rows where the predicted class is not the label
            y[0] = (np.argmax(z[0]) + 1) % c
        if n == c:  # labels whose per-class argmax (axis 0) differs from the labels
            while np.array_equal(np.argmax(np.eye(c)[y], axis=0), y):
                y = rng.permutation(y) if len(set(y)) > 1 else labels_of("sparse", rng, n, c)
        return z, (y if kind == "sparse" else np.eye(c)[y])
    return make


def _large(kind):
    def make(rng):
        z = logits(rng, 4, 5, scale=40.0)
        z[1] = [300.0, -300.0, 299.0, 0.0, 1.0]  # near tie between two huge logits
        y = np.argmax(z, axis=1)
        y[1] = 2  # the runner-up: probability 1/(1+e), not the argmax
        # labels keep a probability > 1e-7: below it the book's forward clips the loss
        # (flat) while backward does not, a real mismatch, not a checker false alarm
        return z, (y if kind == "sparse" else np.eye(5)[y])
    return make


def _e(name, cls, what, expect=None, labels="sparse", data=None, twin="book"):
    return Entry(name=f"fused/{name}[{labels}]", factory=cls, kind="fused",
                 buggy=expect is not None, what=what, make_data=data or _data(labels),
                 expect=expect, labels=labels,
                 twin=f"fused/{twin}[{labels}]" if expect is not None else None)


ENTRIES = [
    # correct
    _e("book", _Fused, "the book's fused backward with dvalues.copy(), sparse labels"),
    _e("book", _Fused, "the book's fused backward, one-hot labels converted by argmax",
       labels="one_hot"),
    _e("one_hot_subtract", Fused_OneHotSubtract, "(softmax - one_hot) / samples",
       labels="one_hot"),
    _e("book_square", _Fused, "one-hot labels, batch == classes", labels="one_hot",
       data=_data("one_hot", n=4, c=4)),
    _e("large_logits", _Fused,
       "logits up to +-300, a near tie: other classes' probabilities underflow to 0",
       data=_large("sparse")),
    # bugs
    _e("document_mutation", Fused_DocumentMutation,
       "the document's cell: dinputs = dvalues (no copy) then -= 1 edits self.output",
       "mutat|in place"),
    _e("document_mutation", Fused_DocumentMutation, "the same, one-hot labels", "mutat|in place",
       labels="one_hot"),
    _e("no_subtract", Fused_NoSubtract, "softmax / samples: the -1 is missing", "dinputs"),
    _e("subtract_at_prediction", Fused_SubtractAtPrediction,
       "-1 at argmax of the predictions, not at the label", "dinputs"),
    _e("column_index", Fused_ColumnIndex, "[:, y_true] instead of [range(samples), y_true]",
       "dinputs"),
    _e("one_hot_argmax_axis0_square", Fused_OneHotArgmaxAxis0,
       "one-hot argmax over axis 0; batch == classes so indexing still works; sparse fine",
       "dinputs", labels="one_hot", data=_data("one_hot", n=4, c=4), twin="book_square"),
    _e("missing_samples", Fused_MissingSamples, "no / samples", "dinputs"),
    _e("document_init_typo", Fused_DocumentInitTypo,
       "the document's `def __int__`: forward raises AttributeError", "AttributeError"),
]
