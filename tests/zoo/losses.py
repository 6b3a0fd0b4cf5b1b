"""Losses (per-sample forward, backward of the MEAN loss): book versions and bugs."""

import numpy as np

from ._entry import Entry, batch, labels_of, probabilities


class Loss:
    def calculate(self, output, y):
        return np.mean(self.forward(output, y))


# ------------------------------------------------------ categorical cross-entropy


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
            y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / dvalues
        self.dinputs = self.dinputs / samples


class CCE_MissingSamples(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / dvalues  # BUG: gradient of the sum, not the mean


class CCE_DividedTwice(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / dvalues / samples
        self.dinputs = self.dinputs / samples  # BUG: normalised twice


class CCE_SignFlip(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = y_true / dvalues  # BUG: d(-log p) = -1/p
        self.dinputs = self.dinputs / samples


class CCE_OneHotNotAssigned(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            np.eye(labels)[y_true]  # BUG: result dropped; (N,) labels broadcast along rows
        self.dinputs = -y_true / dvalues
        self.dinputs = self.dinputs / samples


class CCE_OneHotArgmaxNoAxis(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true)  # BUG: no axis: one flat index, sample 0's label
        y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / dvalues
        self.dinputs = self.dinputs / samples


class CCE_IntegerBuffer(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            y_true = np.eye(labels, dtype=int)[y_true]  # 0/1 fit in ints
        self.dinputs = np.zeros_like(y_true)  # BUG: int buffer for sparse labels
        self.dinputs[:] = -y_true / dvalues / samples  # silently truncated to int


class CCE_BackwardClipTooWide(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        labels = len(dvalues[0])
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        dvalues = np.clip(dvalues, 1e-3, 1 - 1e-3)  # BUG: forward clips at 1e-7, not 1e-3
        self.dinputs = -y_true / dvalues
        self.dinputs = self.dinputs / samples


# -------------------------------------------------------------- regression losses


class Loss_MeanSquaredError(Loss):
    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


class MSE_BackwardFromForwardCache(Loss_MeanSquaredError):
    """Backward reads the prediction stored by forward (same array as dvalues here)."""

    def forward(self, y_pred, y_true):
        self.y_pred = y_pred
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples, outputs = self.y_pred.shape
        self.dinputs = -2 * (y_true - self.y_pred) / outputs / samples


class MSE_MissingOutputs(Loss_MeanSquaredError):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = -2 * (y_true - dvalues)  # BUG: forward averages over outputs too
        self.dinputs = self.dinputs / samples


class MSE_SignFlip(Loss_MeanSquaredError):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = 2 * (y_true - dvalues) / outputs  # BUG: sign
        self.dinputs = self.dinputs / samples


class MSE_MutatesDvalues(Loss_MeanSquaredError):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = dvalues  # BUG: in place on the caller's predictions
        self.dinputs -= y_true
        self.dinputs *= 2 / outputs / samples


class Loss_MeanAbsoluteError(Loss):
    """MAE with the correct derivative sign(y_pred - y_true)."""

    def forward(self, y_pred, y_true):
        return np.mean(np.abs(y_true - y_pred), axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -np.sign(y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


class MAE_BookSign(Loss_MeanAbsoluteError):
    """Copied verbatim by many readers from the book's MAE."""

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = np.sign(y_true - dvalues) / outputs  # BUG: missing the minus
        self.dinputs = self.dinputs / samples


class Loss_BinaryCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        sample_losses = -(y_true * np.log(y_pred_clipped)
                          + (1 - y_true) * np.log(1 - y_pred_clipped))
        return np.mean(sample_losses, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / clipped_dvalues
                         - (1 - y_true) / (1 - clipped_dvalues)) / outputs
        self.dinputs = self.dinputs / samples


class BCE_WrongDenominator(Loss_BinaryCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / clipped_dvalues
                         - (1 - y_true) / clipped_dvalues) / outputs  # BUG: 1 - p dropped
        self.dinputs = self.dinputs / samples


class BCE_MissingOutputs(Loss_BinaryCrossentropy):
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        # BUG: forward averages over outputs, backward does not
        self.dinputs = -(y_true / clipped_dvalues - (1 - y_true) / (1 - clipped_dvalues))
        self.dinputs = self.dinputs / samples


# --------------------------------------------------------------------- registry


def _cce_data(kind, n=5, c=4):
    def make(rng):
        return probabilities(rng, n, c), labels_of(kind, rng, n, c)
    return make


def _small_probabilities(rng):
    """True-class probabilities down to 2e-4: inside the forward's clip (1e-7), but a
    finite-difference step of 1e-3 would leave the domain."""
    p = probabilities(rng, 5, 4)
    y = np.array([0, 1, 2, 3, 0])
    for row, tiny in [(0, 2e-4), (2, 5e-4), (4, 3e-3)]:
        p[row] *= (1 - tiny) / (1 - p[row, y[row]])
        p[row, y[row]] = tiny
    return p, y


def _regression(n=4, o=3, ties=0):
    def make(rng):
        y_pred = batch(rng, n, o)
        y_true = batch(rng, n, o)
        if ties:  # y_pred == y_true exactly: |.|'s kink for MAE
            idx = rng.choice(y_pred.size, size=ties, replace=False)
            y_true.reshape(-1)[idx] = y_pred.reshape(-1)[idx]
        return y_pred, y_true
    return make


def _near_ties(rng):
    y_pred, y_true = batch(rng, 4, 3), batch(rng, 4, 3)
    gaps = [1e-12, -1e-12, 1e-10, -1e-9, 1e-8, -1e-8]
    y_true.reshape(-1)[:6] = y_pred.reshape(-1)[:6] + np.array(gaps)
    return y_pred, y_true


def _binary(n=4, o=3):
    def make(rng):
        y_pred = rng.uniform(0.05, 0.95, size=(n, o))
        y_true = rng.integers(0, 2, size=(n, o)).astype(np.float64)
        return y_pred, y_true
    return make


TWINS = {"cce": "book", "mse": "book", "mae": "correct_sign", "bce": "book"}


def _e(family, name, cls, what, expect=None, data=None, labels=None, twin=None):
    suffix = f"[{labels}]" if labels else ""
    if expect is not None and twin is None:
        twin = f"{family}/{TWINS[family]}{suffix}"
    return Entry(name=f"{family}/{name}{suffix}", factory=cls, kind="loss",
                 buggy=expect is not None, what=what, make_data=data, expect=expect,
                 labels=labels, twin=twin or None)


ENTRIES = [
    # correct
    _e("cce", "book", Loss_CategoricalCrossentropy, "the book's CCE, sparse path",
       data=_cce_data("sparse"), labels="sparse"),
    _e("cce", "book", Loss_CategoricalCrossentropy, "the book's CCE, one-hot path",
       data=_cce_data("one_hot"), labels="one_hot"),
    _e("cce", "book_square", Loss_CategoricalCrossentropy, "sparse labels, batch == classes",
       data=_cce_data("sparse", n=4, c=4), labels="sparse"),
    _e("cce", "book_small_probs", Loss_CategoricalCrossentropy,
       "true-class probabilities 2e-4..3e-3: steps must stay inside (0, 1)",
       data=_small_probabilities, labels="sparse"),
    _e("mse", "book", Loss_MeanSquaredError, "MSE averaged over outputs and samples",
       data=_regression()),
    _e("cce", "book_int_one_hot", Loss_CategoricalCrossentropy,
       "one-hot labels as an int64 array (np.eye(C, dtype=int)[y])",
       data=lambda rng: (probabilities(rng, 5, 4), np.eye(4, dtype=int)[
           labels_of("sparse", rng, 5, 4)]), labels="one_hot"),
    _e("mse", "backward_from_forward_cache", MSE_BackwardFromForwardCache,
       "backward uses self.y_pred from forward instead of dvalues", data=_regression()),
    _e("mae", "all_ties", Loss_MeanAbsoluteError, "y_pred == y_true everywhere: all kinks",
       data=lambda rng: (lambda y: (y, y.copy()))(batch(rng, 3, 2))),
    _e("mae", "near_ties", Loss_MeanAbsoluteError,
       "y_pred - y_true = +-1e-12 .. +-1e-8 at some elements: steps straddle the kink",
       data=_near_ties),
    _e("mae", "correct_sign", Loss_MeanAbsoluteError,
       "MAE, sign(y_pred - y_true), with y_pred == y_true at 3 elements (kinks)",
       data=_regression(ties=3)),
    _e("bce", "book", Loss_BinaryCrossentropy, "binary cross-entropy, clipped consistently",
       data=_binary()),
    # bugs
    _e("cce", "missing_samples", CCE_MissingSamples, "no / samples: gradient of the sum",
       "dinputs", data=_cce_data("sparse"), labels="sparse"),
    _e("cce", "divided_twice", CCE_DividedTwice, "/ samples applied twice", "dinputs",
       data=_cce_data("one_hot"), labels="one_hot"),
    _e("cce", "sign_flip", CCE_SignFlip, "+y/p instead of -y/p", "dinputs",
       data=_cce_data("one_hot"), labels="one_hot"),
    _e("cce", "one_hot_not_assigned_square", CCE_OneHotNotAssigned,
       "np.eye(labels)[y] not assigned: sparse labels broadcast; batch == classes, no error",
       "dinputs", data=_cce_data("sparse", n=4, c=4), labels="sparse",
       twin="cce/book_square[sparse]"),
    _e("cce", "one_hot_argmax_no_axis", CCE_OneHotArgmaxNoAxis,
       "one-hot path uses np.argmax(y) without axis: every row gets sample 0's label; "
       "sparse path fine", "dinputs", data=_cce_data("one_hot"), labels="one_hot"),
    _e("cce", "integer_buffer", CCE_IntegerBuffer,
       "np.zeros_like of int one-hot labels: gradient truncated to ints", "dinputs",
       data=_cce_data("sparse"), labels="sparse"),
    _e("cce", "backward_clip_too_wide", CCE_BackwardClipTooWide,
       "backward clips at 1e-3 (forward at 1e-7): wrong only where p < 1e-3", "dinputs",
       data=_small_probabilities, labels="sparse", twin="cce/book_small_probs[sparse]"),
    _e("mse", "missing_outputs", MSE_MissingOutputs, "no / outputs", "dinputs",
       data=_regression()),
    _e("mse", "sign_flip", MSE_SignFlip, "2 (y - p) instead of -2 (y - p)", "dinputs",
       data=_regression()),
    _e("mse", "mutates_dvalues", MSE_MutatesDvalues,
       "dinputs = dvalues; -= y_true in place: y_pred clobbered (values right)", "mutat|in place",
       data=_regression()),
    _e("mae", "book_sign", MAE_BookSign,
       "the book's MAE: np.sign(y_true - dvalues) without the minus", "dinputs",
       data=_regression(ties=3)),
    _e("bce", "wrong_denominator", BCE_WrongDenominator, "(1 - y) / p instead of (1 - y) / (1 - p)",
       "dinputs", data=_binary()),
    _e("bce", "missing_outputs", BCE_MissingOutputs, "no / outputs", "dinputs", data=_binary()),
]
