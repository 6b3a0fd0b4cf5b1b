"""Dense layers: the book's (ch. 9 and ch. 14), correct rewrites, and single-mistake bugs.

Each bug class overrides one method of the book class and differs from it in one line
(marked ``# BUG``), the way a reader's copy goes wrong.
"""

import numpy as np

from ._entry import Entry, batch, set_params


class Layer_Dense:
    """The book's dense layer with the ch. 14 regularizers."""

    def __init__(self, n_inputs, n_neurons, weight_regularizer_l1=0, weight_regularizer_l2=0,
                 bias_regularizer_l1=0, bias_regularizer_l2=0):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))
        self.weight_regularizer_l1 = weight_regularizer_l1
        self.weight_regularizer_l2 = weight_regularizer_l2
        self.bias_regularizer_l1 = bias_regularizer_l1
        self.bias_regularizer_l2 = bias_regularizer_l2

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        if self.weight_regularizer_l1 > 0:
            dL1 = np.ones_like(self.weights)
            dL1[self.weights < 0] = -1
            self.dweights += self.weight_regularizer_l1 * dL1
        if self.weight_regularizer_l2 > 0:
            self.dweights += 2 * self.weight_regularizer_l2 * self.weights
        if self.bias_regularizer_l1 > 0:
            dL1 = np.ones_like(self.biases)
            dL1[self.biases < 0] = -1
            self.dbiases += self.bias_regularizer_l1 * dL1
        if self.bias_regularizer_l2 > 0:
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases
        self.dinputs = np.dot(dvalues, self.weights.T)


# ------------------------------------------------------------ correct variants


class Dense_Einsum(Layer_Dense):
    """Same maths through einsum (a reader who prefers index notation)."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.einsum("nf,fm->nm", inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.einsum("nf,nm->fm", self.inputs, dvalues)
        self.dbiases = dvalues.sum(axis=0)[None, :]
        self.dinputs = np.einsum("nm,fm->nf", dvalues, self.weights)


def _dot32(a, b):
    # what nnfs.init() installs as np.dot: compute in float64, hand back float32
    return np.dot(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)).astype(
        np.float32)


class Dense_Float32Dot(Layer_Dense):
    """Book layer run the way nnfs.init() makes it run: float32 dot products."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = _dot32(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = _dot32(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True).astype(np.float32)
        self.dinputs = _dot32(dvalues, self.weights.T)


class Dense_Training(Layer_Dense):
    """Book ch. 16+ signature: forward(inputs, training) (argument unused by dense)."""

    def forward(self, inputs, training):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases


# ------------------------------------------------------------------------ bugs


class Dense_DbiasesAxis1(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)  # BUG: sums over neurons
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_DbiasesNoKeepdims(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0)  # BUG: shape (M,), biases are (1, M)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_DbiasesMean(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # BUG: mean, not sum
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_DinputsNoTranspose(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights)  # BUG: weights not transposed


class Dense_DweightsTransposed(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(dvalues.T, self.inputs)  # BUG: (M, F), the transpose
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_DweightsPerSample(Layer_Dense):
    def backward(self, dvalues):
        samples = len(dvalues)
        self.dweights = np.dot(self.inputs.T, dvalues) / samples  # BUG: loss already did it
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_BiasTypo(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.bias = np.sum(dvalues, axis=0, keepdims=True)  # BUG: never sets dbiases
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_StaleInputs(Layer_Dense):
    def forward(self, inputs):
        if not hasattr(self, "inputs"):  # BUG: caches the first batch it ever saw
            self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases


class Dense_Accumulating(Layer_Dense):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dweights = np.zeros_like(self.weights)

    def backward(self, dvalues):
        self.dweights += np.dot(self.inputs.T, dvalues)  # BUG: never reset between calls
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_LoopSkipsLastSample(Layer_Dense):
    def backward(self, dvalues):
        samples = len(dvalues)
        self.dweights = np.zeros_like(self.weights)
        for i in range(samples - 1):  # BUG: off by one, last sample dropped
            self.dweights += np.outer(self.inputs[i], dvalues[i])
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_L2MissingFactor2(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dweights += self.weight_regularizer_l2 * self.weights  # BUG: d(w^2) = 2w
        self.dbiases += 2 * self.bias_regularizer_l2 * self.biases
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_L2BiasWithWeightLambda(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dweights += 2 * self.weight_regularizer_l2 * self.weights
        self.dbiases += 2 * self.weight_regularizer_l2 * self.biases  # BUG: copy-paste lambda
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_L1SignInverted(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        dL1 = np.ones_like(self.weights)
        dL1[self.weights > 0] = -1  # BUG: comparison flipped
        self.dweights += self.weight_regularizer_l1 * dL1
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_L1AsWeights(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dweights += self.weight_regularizer_l1 * self.weights  # BUG: L1 is sign(w)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_RegularizerForgotten(Layer_Dense):
    def backward(self, dvalues):
        # BUG: the ch. 9 backward kept after adding regularization to the loss (ch. 14)
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Dense_ForwardDecaysWeights(Layer_Dense):
    def forward(self, inputs):
        self.inputs = inputs
        self.weights *= 0.999  # BUG: weight decay applied in forward: every call changes W
        self.output = np.dot(inputs, self.weights) + self.biases


class Dense_BackwardTakesSGDStep(Layer_Dense):
    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)
        # BUG: the optimizer step folded into backward: parameters change under the caller
        self.weights -= 0.1 * self.dweights
        self.biases -= 0.1 * self.dbiases


# --------------------------------------------------------------------- registry


def _dense(cls, n_in, n_out, seed=1, warm_up=None, dtype=np.float64, zero_weights=0,
           zero_biases=0, scale=0.5, book_init=False, **reg):
    def factory():
        layer = cls(n_in, n_out, **reg)
        if book_init:  # the book's own scale: 0.01 * randn weights, zero biases
            rng = np.random.default_rng(seed)
            layer.weights = 0.01 * rng.standard_normal((n_in, n_out))
            layer.biases = np.zeros((1, n_out))
        else:
            layer = set_params(layer, seed, dtype=dtype, zero_weights=zero_weights,
                               zero_biases=zero_biases, scale=scale)
        if warm_up is not None:
            # a notebook cell ran the layer on another batch before the check
            layer.forward(warm_up(np.random.default_rng(99)))
        return layer
    return factory


def _inputs(n, f, zeros=2, scale=1.0):
    return lambda rng: (batch(rng, n, f, zeros=zeros, scale=scale),)


REG = dict(weight_regularizer_l1=0.05, weight_regularizer_l2=0.1,
           bias_regularizer_l1=0.03, bias_regularizer_l2=0.2)
L2 = dict(weight_regularizer_l2=0.1, bias_regularizer_l2=0.3)
L1 = dict(weight_regularizer_l1=0.07)


def _e(name, cls, what, expect=None, n=5, f=3, m=4, options=None, twin=None, x_scale=1.0,
       **kw):
    if expect is not None and twin is None:
        twin = "book_square" if f == m else "book"
    return Entry(name=f"dense/{name}", factory=_dense(cls, f, m, **kw), kind="layer",
                 buggy=expect is not None, what=what, make_data=_inputs(n, f, scale=x_scale),
                 expect=expect, options=options or {}, twin=twin and f"dense/{twin}")


ENTRIES = [
    # correct
    _e("book", Layer_Dense, "the book's layer, non-square weights 3x4, batch 5"),
    _e("book_square", Layer_Dense, "square 4x4 weights: transposes are invisible to shapes",
       f=4, m=4),
    _e("batch_of_one", Layer_Dense, "a single sample: sums over the batch are trivial", n=1),
    _e("large_magnitudes", Layer_Dense, "weights ~50, inputs ~100: outputs ~1e4",
       scale=50.0, x_scale=100.0),
    Entry(name="dense/mixed_scales", factory=_dense(Layer_Dense, 3, 4), kind="layer",
          buggy=False, what="input columns of scale 1e6, 1 and 1e-6 in one batch",
          make_data=lambda rng: (batch(rng, 5, 3) * np.array([[1e6, 1.0, 1e-6]]),)),
    _e("book_init_scale", Layer_Dense, "0.01 * randn weights and zero biases, as the book",
       book_init=True),
    _e("einsum", Dense_Einsum, "equivalent einsum formulas, dbiases via [None, :]"),
    _e("float32_params", Layer_Dense, "float32 weights and biases, float64 inputs",
       dtype=np.float32),
    _e("float32_dot", Dense_Float32Dot, "float64 maths returned as float32, as nnfs.init's dot",
       dtype=np.float32),
    _e("training_signature", Dense_Training, "forward(inputs, training) signature",
       options={"training": True}),
    _e("regularized_l1_l2", Layer_Dense,
       "ch. 14 L1+L2 on weights and biases; some weights/biases exactly 0 (L1 kink)",
       zero_weights=3, zero_biases=1, **REG),
    _e("regularized_square", Layer_Dense, "L2 only, square weights", f=4, m=4, **L2),
    _e("regularized_l2", Layer_Dense, "L2 on weights and biases", **L2),
    _e("regularized_l1", Layer_Dense, "L1 on weights, one weight exactly 0 (kink)",
       zero_weights=1, **L1),
    # bugs
    _e("dbiases_axis1", Dense_DbiasesAxis1, "dbiases summed over axis 1", "dbiases"),
    _e("dbiases_no_keepdims", Dense_DbiasesNoKeepdims,
       "dbiases without keepdims: shape (M,) instead of (1, M)", "dbiases"),
    _e("dbiases_mean", Dense_DbiasesMean, "dbiases averaged: only wrong when batch > 1",
       "dbiases"),
    _e("dinputs_no_transpose_square", Dense_DinputsNoTranspose,
       "dvalues @ W instead of W.T; square W so shapes still match", "dinputs", f=4, m=4),
    _e("dweights_transposed_square", Dense_DweightsTransposed,
       "dweights = dvalues.T @ inputs; square W so shapes still match", "dweights", f=4, m=4),
    _e("dweights_divided_by_samples", Dense_DweightsPerSample,
       "dweights divided by the batch size a second time", "dweights"),
    _e("bias_attribute_typo", Dense_BiasTypo, "sets self.bias, never self.dbiases", "dbiases"),
    _e("stale_inputs_after_warm_up", Dense_StaleInputs,
       "caches inputs of the first forward only (the layer had seen another batch)",
       "dweights", warm_up=lambda rng: batch(rng, 5, 3)),
    _e("stale_inputs_fresh", Dense_StaleInputs,
       "caches inputs of the first forward only (fresh instance)", "dweights"),
    _e("accumulating_dweights", Dense_Accumulating,
       "self.dweights += ... never reset: the second backward doubles it", "dweights"),
    _e("forward_decays_weights", Dense_ForwardDecaysWeights,
       "self.weights *= 0.999 in forward: parameters drift on every call", "weights"),
    _e("backward_takes_sgd_step", Dense_BackwardTakesSGDStep,
       "optimizer update inside backward (gradients right, weights changed)", "weights"),
    _e("loop_skips_last_sample", Dense_LoopSkipsLastSample,
       "range(samples - 1): the last sample's contribution to dweights is lost", "dweights"),
    _e("l2_missing_factor_2", Dense_L2MissingFactor2, "L2 gradient lambda*w instead of 2*lambda*w",
       "dweights", twin="regularized_l2", **L2),
    _e("l2_bias_with_weight_lambda", Dense_L2BiasWithWeightLambda,
       "bias L2 gradient uses weight_regularizer_l2", "dbiases", twin="regularized_l2", **L2),
    _e("l1_sign_inverted", Dense_L1SignInverted, "dL1[w > 0] = -1 (comparison flipped)",
       "dweights", twin="regularized_l1", zero_weights=1, **L1),
    _e("l1_as_weights", Dense_L1AsWeights, "L1 gradient lambda*w instead of lambda*sign(w)",
       "dweights", twin="regularized_l1", zero_weights=1, **L1),
    _e("regularizer_forgotten", Dense_RegularizerForgotten,
       "regularization in the loss, not in backward", "dweights", twin="regularized_l1_l2",
       zero_weights=3, zero_biases=1, **REG),
]
