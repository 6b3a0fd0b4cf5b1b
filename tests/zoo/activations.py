"""Activations and dropout: book versions, correct rewrites, single-mistake bugs."""

# ruff: noqa: B905  (zip without strict=: the book's own loops, kept verbatim)

import numpy as np

from ._entry import Entry, batch, logits

# ------------------------------------------------------------------------ ReLU


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class ReLU_StrictMask(Activation_ReLU):
    """Subgradient 1 at x == 0 instead of 0: also valid."""

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs < 0] = 0


class ReLU_OutputMask(Activation_ReLU):
    """Mask from the output: output <= 0 exactly where inputs <= 0."""

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.output <= 0] = 0


class ReLU_Multiply(Activation_ReLU):
    def backward(self, dvalues):
        self.dinputs = dvalues * (self.inputs > 0)


class ReLU_MaskCachedInForward(Activation_ReLU):
    def forward(self, inputs):
        self.mask = inputs > 0
        self.output = inputs * self.mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.mask


class ReLU_ForgotChainRule(Activation_ReLU):
    def backward(self, dvalues):
        self.dinputs = (self.inputs > 0).astype(float)  # BUG: local derivative only, no dvalues


class ReLU_MaskInverted(Activation_ReLU):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs > 0] = 0  # BUG: keeps the negative side


class ReLU_MaskOnDvalues(Activation_ReLU):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[dvalues <= 0] = 0  # BUG: masks by the incoming gradient


class ReLU_OutputMaskLessThan(Activation_ReLU):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.output < 0] = 0  # BUG: output is never < 0, nothing is masked


class ReLU_ForwardInPlace(Activation_ReLU):
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs, out=inputs)  # BUG: clips the caller's array


class ReLU_BackwardMutatesDvalues(Activation_ReLU):
    def backward(self, dvalues):
        self.dinputs = dvalues  # BUG: no copy, the next line zeroes the caller's gradient
        self.dinputs[self.inputs <= 0] = 0


class ReLU_DinputTypo(Activation_ReLU):
    def backward(self, dvalues):
        self.dinput = dvalues.copy()  # BUG: dinput, not dinputs
        self.dinput[self.inputs <= 0] = 0


class Activation_LeakyReLU:
    def __init__(self, alpha=0.1):
        self.alpha = alpha

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.where(inputs > 0, inputs, self.alpha * inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] *= self.alpha


class LeakyReLU_SlopeAssigned(Activation_LeakyReLU):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = self.alpha  # BUG: = alpha, not *= alpha


# --------------------------------------------------------------------- softmax


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


class Softmax_Vectorized(Activation_Softmax):
    """J^T dv = s * (dv - <s, dv>) for every row at once."""

    def backward(self, dvalues):
        dot = np.sum(self.output * dvalues, axis=1, keepdims=True)
        self.dinputs = self.output * (dvalues - dot)


class Softmax_JacobianFromInputs(Activation_Softmax):
    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_input, single_dvalues) in enumerate(zip(self.inputs, dvalues)):
            s = single_input.reshape(-1, 1)  # BUG: the logits, not the softmax output
            jacobian_matrix = np.diagflat(s) - np.dot(s, s.T)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)


class Softmax_OuterTermMissing(Activation_Softmax):
    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(zip(self.output, dvalues)):
            single_output = single_output.reshape(-1, 1)
            jacobian_matrix = np.diagflat(single_output)  # BUG: - s s^T dropped
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)


class Softmax_InnerProduct(Activation_Softmax):
    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(zip(self.output, dvalues)):
            single_output = single_output.reshape(-1, 1)
            # BUG: s^T s (1x1, broadcast) instead of the outer product s s^T
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output.T, single_output)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)


class Softmax_VectorizedNoKeepdims(Softmax_Vectorized):
    def backward(self, dvalues):
        dot = np.sum(self.output * dvalues, axis=1)  # BUG: (N,) broadcasts along rows
        self.dinputs = self.output * (dvalues - dot)


class Softmax_LoopSkipsLastRow(Activation_Softmax):
    def backward(self, dvalues):
        self.dinputs = np.zeros_like(dvalues)
        for index in range(len(dvalues) - 1):  # BUG: last sample left at zero
            single_output = self.output[index].reshape(-1, 1)
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian_matrix, dvalues[index])


class Softmax_LoopVariableTypo(Activation_Softmax):
    """The document's own cell: the loop binds single_davlues, the body reads single_dvalues."""

    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_davlues) in enumerate(zip(self.output, dvalues)):  # noqa: B007
            single_output = single_output.reshape(-1, 1)
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)  # noqa: F821  BUG


# A notebook that ran the earlier per-sample cells still has this global: the same typo
# then runs, silently, against a stale vector.
_NOTEBOOK_SINGLE_DVALUES = np.array([1.0, 0.5, -0.25, 2.0])


class Softmax_LoopTypoWithStaleGlobal(Activation_Softmax):
    def backward(self, dvalues):
        single_dvalues = _NOTEBOOK_SINGLE_DVALUES  # what the notebook's global scope held
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_davlues) in enumerate(zip(self.output, dvalues)):  # noqa: B007
            single_output = single_output.reshape(-1, 1)
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)  # BUG: stale global


class Softmax_ForwardShiftInPlace(Activation_Softmax):
    def forward(self, inputs):
        self.inputs = inputs
        inputs -= np.max(inputs, axis=1, keepdims=True)  # BUG: "saves memory", edits caller's
        exp_values = np.exp(inputs)
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)


# ------------------------------------------------------ sigmoid, tanh, linear


class Activation_Sigmoid:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


class Sigmoid_FromInputs(Activation_Sigmoid):
    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.inputs) * self.inputs  # BUG: x, not sigmoid(x)


class Sigmoid_ForgotChainRule(Activation_Sigmoid):
    def backward(self, dvalues):
        self.dinputs = (1 - self.output) * self.output  # BUG: not multiplied by dvalues


class Activation_Tanh:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output ** 2)


class Tanh_SquareMisplaced(Activation_Tanh):
    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) ** 2  # BUG: (1 - t)^2, not 1 - t^2


class Activation_Linear:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()


# --------------------------------------------------------------------- dropout


class Layer_Dropout:
    """The book's dropout: a fresh np.random mask on every training forward."""

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


class Dropout_IgnoresMask(Layer_Dropout):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()  # BUG: as if dropout were the identity


class Dropout_FreshMask(Layer_Dropout):
    def backward(self, dvalues):
        # BUG: draws a new mask instead of reusing the forward's
        mask = np.random.binomial(1, self.rate, size=dvalues.shape) / self.rate
        self.dinputs = dvalues * mask


# --------------------------------------------------------------------- registry


def _x(n, f, zeros=0, scale=1.0):
    return lambda rng: (batch(rng, n, f, zeros=zeros, scale=scale),)


def _z(n, c, scale=2.0):
    return lambda rng: (logits(rng, n, c, scale=scale),)


def _near_zero(rng):
    x = batch(rng, 4, 5)
    x.reshape(-1)[:8] = [1e-12, -1e-12, 1e-10, -1e-10, 1e-8, -1e-8, 1e-7, -1e-7]
    return (x,)


def _large_logits(rng):
    z = logits(rng, 4, 5, scale=60.0)
    z[0, :] = [500.0, 499.0, -500.0, 0.0, 498.5]  # huge and near-tied: saturates exp
    return (z,)


TWINS = {"leaky_relu": "correct", "relu": "book_le_mask", "softmax": "book_jacobian",
         "sigmoid": "book", "tanh": "book", "dropout": "book"}


def _e(family, name, cls, what, expect=None, data=None, options=None, twin=None):
    if expect is not None and twin is None:
        twin = TWINS[family]
    return Entry(name=f"{family}/{name}", factory=cls, kind="layer", buggy=expect is not None,
                 what=what, make_data=data, expect=expect, options=options or {},
                 twin=twin and f"{family}/{twin}")


RELU_DATA = _x(5, 4, zeros=5)  # exact zeros: ReLU's kink
SOFTMAX_DATA = _z(5, 4)
SIGMOID_DATA = _x(4, 3, zeros=2, scale=2.0)
TANH_DATA = _x(4, 3, zeros=2)
DROPOUT_DATA = _x(6, 5, zeros=3)
TRAINING = {"training": True}

ENTRIES = [
    # correct
    _e("relu", "book_le_mask", Activation_ReLU,
       "book mask inputs <= 0, fed exact zeros (kink: subgradient 0)", data=RELU_DATA),
    _e("relu", "lt_mask", ReLU_StrictMask,
       "mask inputs < 0, fed exact zeros (kink: subgradient 1)", data=RELU_DATA),
    _e("relu", "output_mask", ReLU_OutputMask, "mask output <= 0, same set as inputs <= 0",
       data=RELU_DATA),
    _e("relu", "multiply_mask", ReLU_Multiply, "dvalues * (inputs > 0)", data=RELU_DATA),
    _e("relu", "mask_cached_in_forward", ReLU_MaskCachedInForward,
       "boolean mask stored by forward, used by backward", data=RELU_DATA),
    _e("relu", "near_zero_inputs", Activation_ReLU,
       "inputs +-1e-12 .. +-1e-7: a finite-difference step straddles the kink",
       data=_near_zero),
    _e("relu", "all_zeros", Activation_ReLU, "every input exactly 0: every element a kink",
       data=lambda rng: (np.zeros((3, 4)),)),
    _e("leaky_relu", "correct", Activation_LeakyReLU,
       "slope 0.1 below 0, fed exact zeros (kink: any value in [0.1, 1] times dvalues)",
       data=RELU_DATA),
    _e("softmax", "book_jacobian", Activation_Softmax, "the book's per-sample Jacobian loop",
       data=SOFTMAX_DATA),
    _e("softmax", "vectorized", Softmax_Vectorized, "s * (dv - sum(s * dv)): same as the loop",
       data=SOFTMAX_DATA),
    _e("softmax", "large_logits", Activation_Softmax,
       "logits up to +-500 with near ties: saturated softmax", data=_large_logits),
    _e("softmax", "vectorized_square", Softmax_Vectorized, "vectorized, batch == classes",
       data=_z(4, 4)),
    _e("sigmoid", "book", Activation_Sigmoid, "sigmoid, derivative from the output",
       data=SIGMOID_DATA),
    _e("sigmoid", "saturated", Activation_Sigmoid,
       "inputs up to +-40: output rounds to 1.0, derivative ~1e-17",
       data=lambda rng: (np.array([[40.0, -40.0, 0.0], [37.0, -36.0, 1e-3]]),)),
    _e("tanh", "book", Activation_Tanh, "tanh, 1 - output**2", data=TANH_DATA),
    _e("linear", "book", Activation_Linear, "identity, dinputs = dvalues.copy()",
       data=_x(4, 3, zeros=2)),
    _e("dropout", "book", lambda: Layer_Dropout(0.3),
       "global-RNG mask in forward(inputs, training=True): random state must be pinned",
       data=DROPOUT_DATA, options=TRAINING),
    # bugs
    _e("relu", "mask_inverted", ReLU_MaskInverted, "mask inputs > 0 (comparison flipped)",
       "dinputs", data=RELU_DATA),
    _e("relu", "forgot_chain_rule", ReLU_ForgotChainRule,
       "dinputs = (inputs > 0): local derivative, dvalues never used", "dinputs",
       data=RELU_DATA),
    _e("relu", "mask_on_dvalues", ReLU_MaskOnDvalues, "masks where dvalues <= 0",
       "dinputs", data=RELU_DATA),
    _e("relu", "output_mask_less_than", ReLU_OutputMaskLessThan,
       "mask output < 0: never true, nothing masked", "dinputs", data=RELU_DATA),
    _e("relu", "forward_in_place", ReLU_ForwardInPlace,
       "np.maximum(..., out=inputs) clips the caller's array (gradient values right)",
       "mutat|in place", data=RELU_DATA),
    _e("relu", "backward_mutates_dvalues", ReLU_BackwardMutatesDvalues,
       "dinputs = dvalues without copy, then zeroed in place (gradient values right)",
       "mutat|in place", data=RELU_DATA),
    _e("relu", "dinput_typo", ReLU_DinputTypo, "sets self.dinput: dinputs missing",
       "dinputs", data=RELU_DATA),
    _e("leaky_relu", "slope_assigned", LeakyReLU_SlopeAssigned,
       "dinputs[x <= 0] = alpha instead of *= alpha", "dinputs", data=RELU_DATA),
    _e("softmax", "jacobian_from_inputs", Softmax_JacobianFromInputs,
       "Jacobian built from the logits instead of the softmax output", "dinputs",
       data=SOFTMAX_DATA),
    _e("softmax", "outer_term_missing", Softmax_OuterTermMissing, "diag(s) only, - s s^T dropped",
       "dinputs", data=SOFTMAX_DATA),
    _e("softmax", "inner_product_not_outer", Softmax_InnerProduct,
       "s^T s (scalar, broadcast) instead of s s^T", "dinputs", data=SOFTMAX_DATA),
    _e("softmax", "vectorized_no_keepdims_square", Softmax_VectorizedNoKeepdims,
       "sum without keepdims: (N,) broadcasts along rows; batch == classes so no error",
       "dinputs", data=_z(4, 4), twin="vectorized_square"),
    _e("softmax", "loop_skips_last_row", Softmax_LoopSkipsLastRow,
       "range(len(dvalues) - 1): last row stays 0", "dinputs", data=SOFTMAX_DATA),
    _e("softmax", "document_loop_typo", Softmax_LoopVariableTypo,
       "the document's single_davlues/single_dvalues typo: NameError", "NameError",
       data=SOFTMAX_DATA),
    _e("softmax", "document_typo_stale_global", Softmax_LoopTypoWithStaleGlobal,
       "the same typo in a notebook where a global single_dvalues exists: silent", "dinputs",
       data=SOFTMAX_DATA),
    _e("softmax", "forward_shift_in_place", Softmax_ForwardShiftInPlace,
       "inputs -= max in place: the caller's logits change (gradient values right)",
       "mutat|in place", data=SOFTMAX_DATA),
    _e("sigmoid", "derivative_from_inputs", Sigmoid_FromInputs,
       "x * (1 - x) with the input instead of the output", "dinputs", data=SIGMOID_DATA),
    _e("sigmoid", "forgot_chain_rule", Sigmoid_ForgotChainRule,
       "s * (1 - s) without * dvalues", "dinputs", data=SIGMOID_DATA),
    _e("tanh", "square_misplaced", Tanh_SquareMisplaced, "(1 - t)**2 instead of 1 - t**2",
       "dinputs", data=TANH_DATA),
    _e("dropout", "backward_ignores_mask", lambda: Dropout_IgnoresMask(0.3),
       "dinputs = dvalues: mask and 1/keep scaling lost", "dinputs", data=DROPOUT_DATA,
       options=TRAINING),
    _e("dropout", "backward_fresh_mask", lambda: Dropout_FreshMask(0.3),
       "backward draws its own mask", "dinputs", data=DROPOUT_DATA, options=TRAINING),
]
