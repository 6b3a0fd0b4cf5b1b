"""Layers on arrays of any ndim: conv (NCHW), max-pool, flatten, a vanilla RNN over
``(N, T, D)``, single-head attention, an embedding fed integer ids, and a layer that keeps
the batch on the LAST axis (``Z = W @ X + b``, deeplearning.ai style).

Kept tiny: a check may cost one forward call per element of the inputs and parameters.
Reports must index elements with full N-D indices; integer ids (``INTEGER_INPUTS``) have
no input gradient.
"""

import numpy as np

from ._entry import Entry


def _normal(seed, *shapes, scale=0.6):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(shape) for shape in shapes]


# ------------------------------------------------------------------------ conv


class Conv2D:
    """Naive NCHW convolution (cross-correlation), stride 1, zero padding ``pad``."""

    def __init__(self, in_channels=2, filters=2, kernel=3, pad=0, seed=41):
        self.W, self.b = _normal(seed, (filters, in_channels, kernel, kernel), (filters,))
        self.pad = pad

    def forward(self, inputs):
        self.inputs = inputs
        p = self.pad
        xp = np.pad(inputs, ((0, 0), (0, 0), (p, p), (p, p)))
        F, _, kh, kw = self.W.shape
        Ho, Wo = xp.shape[2] - kh + 1, xp.shape[3] - kw + 1
        out = np.empty((inputs.shape[0], F, Ho, Wo))
        for i in range(Ho):
            for j in range(Wo):
                patch = xp[:, :, i:i + kh, j:j + kw]
                out[:, :, i, j] = np.tensordot(patch, self.W, axes=([1, 2, 3], [1, 2, 3]))
        self.output = out + self.b[None, :, None, None]

    def backward(self, dvalues):
        p = self.pad
        N, C, H, W = self.inputs.shape
        xp = np.pad(self.inputs, ((0, 0), (0, 0), (p, p), (p, p)))
        dxp = np.zeros_like(xp)
        _, _, kh, kw = self.W.shape
        self.dW = np.zeros_like(self.W)
        self.db = dvalues.sum(axis=(0, 2, 3))
        for i in range(dvalues.shape[2]):
            for j in range(dvalues.shape[3]):
                g = dvalues[:, :, i, j]  # (N, F)
                self.dW += np.tensordot(g, xp[:, :, i:i + kh, j:j + kw], axes=([0], [0]))
                dxp[:, :, i:i + kh, j:j + kw] += np.tensordot(g, self.W, axes=([1], [0]))
        self.dinputs = dxp[:, :, p:p + H, p:p + W]


class Conv2D_PaddingNotCropped(Conv2D):
    def backward(self, dvalues):
        p = self.pad
        N, C, H, W = self.inputs.shape
        xp = np.pad(self.inputs, ((0, 0), (0, 0), (p, p), (p, p)))
        dxp = np.zeros_like(xp)
        _, _, kh, kw = self.W.shape
        self.dW = np.zeros_like(self.W)
        self.db = dvalues.sum(axis=(0, 2, 3))
        for i in range(dvalues.shape[2]):
            for j in range(dvalues.shape[3]):
                g = dvalues[:, :, i, j]  # (N, F)
                self.dW += np.tensordot(g, xp[:, :, i:i + kh, j:j + kw], axes=([0], [0]))
                dxp[:, :, i:i + kh, j:j + kw] += np.tensordot(g, self.W, axes=([1], [0]))
        self.dinputs = dxp[:, :, :H, :W]  # BUG: cropped at the corner, padding not removed


class Conv2D_FlippedKernel(Conv2D):
    def backward(self, dvalues):
        p = self.pad
        N, C, H, W = self.inputs.shape
        xp = np.pad(self.inputs, ((0, 0), (0, 0), (p, p), (p, p)))
        dxp = np.zeros_like(xp)
        _, _, kh, kw = self.W.shape
        self.dW = np.zeros_like(self.W)
        self.db = dvalues.sum(axis=(0, 2, 3))
        for i in range(dvalues.shape[2]):
            for j in range(dvalues.shape[3]):
                g = dvalues[:, :, i, j]  # (N, F)
                self.dW += np.tensordot(g, xp[:, :, i:i + kh, j:j + kw], axes=([0], [0]))
                # BUG: kernel flipped (the convolution's formula for a cross-correlation)
                dxp[:, :, i:i + kh, j:j + kw] += np.tensordot(g, self.W[:, :, ::-1, ::-1],
                                                              axes=([1], [0]))
        self.dinputs = dxp[:, :, p:p + H, p:p + W]


# ---------------------------------------------------------------------- pooling


class MaxPool2D:
    """Max pooling over ``size x size`` windows with ``stride``; overlapping windows add."""

    def __init__(self, size=2, stride=2):
        self.size, self.stride = size, stride

    def _windows(self, shape):
        k, s = self.size, self.stride
        for i in range((shape[2] - k) // s + 1):
            for j in range((shape[3] - k) // s + 1):
                yield i, j, slice(i * s, i * s + k), slice(j * s, j * s + k)

    def forward(self, inputs):
        self.inputs = inputs
        k, s = self.size, self.stride
        windows = np.lib.stride_tricks.sliding_window_view(inputs, (k, k), axis=(2, 3))
        self.output = windows[:, :, ::s, ::s].max(axis=(4, 5))

    def backward(self, dvalues):
        self.dinputs = np.zeros_like(self.inputs)
        N, C = self.inputs.shape[:2]
        n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
        for i, j, rows, cols in self._windows(self.inputs.shape):
            window = self.inputs[:, :, rows, cols].reshape(N, C, -1)
            # one winner per window, also at a tie (a mask of every tied maximum would
            # give the window's gradient twice there)
            r, q = np.divmod(window.argmax(axis=2), self.size)
            self.dinputs[n, c, rows.start + r, cols.start + q] += dvalues[:, :, i, j]


class MaxPool2D_Assign(MaxPool2D):
    def backward(self, dvalues):
        self.dinputs = np.zeros_like(self.inputs)
        for i, j, rows, cols in self._windows(self.inputs.shape):
            window = self.inputs[:, :, rows, cols]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            self.dinputs[:, :, rows, cols] = mask * dvalues[:, :, i, j][:, :, None, None]  # BUG


class MaxPool2D_NoMask(MaxPool2D):
    def backward(self, dvalues):
        self.dinputs = np.zeros_like(self.inputs)
        for i, j, rows, cols in self._windows(self.inputs.shape):
            window = self.inputs[:, :, rows, cols]
            mask = window == window.max(axis=(2, 3), keepdims=True)  # noqa: F841
            self.dinputs[:, :, rows, cols] += dvalues[:, :, i, j][:, :, None, None]  # BUG: no mask


# ---------------------------------------------------------------------- flatten


class Flatten:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs.reshape(inputs.shape[0], -1)

    def backward(self, dvalues):
        self.dinputs = dvalues.reshape(self.inputs.shape)


class Flatten_ChannelsLast(Flatten):
    def backward(self, dvalues):
        N, C, H, W = self.inputs.shape
        self.dinputs = dvalues.reshape(N, H, W, C).transpose(0, 3, 1, 2)  # BUG: NHWC order


# -------------------------------------------------------------------------- RNN


class VanillaRNN:
    """h_t = tanh(x_t Wx + h_{t-1} Wh + b), h_0 = 0; output: every h_t, ``(N, T, H)``."""

    def __init__(self, input_dim=3, hidden_dim=4, seed=42):
        self.Wx, self.Wh, self.b = _normal(seed, (input_dim, hidden_dim),
                                           (hidden_dim, hidden_dim), (hidden_dim,), scale=0.5)

    def forward(self, inputs):
        self.inputs = inputs
        N, T, _ = inputs.shape
        h = np.zeros((N, self.Wh.shape[0]))
        self.hs = np.empty((N, T + 1, h.shape[1]))
        self.hs[:, 0] = h
        for t in range(T):
            h = np.tanh(inputs[:, t] @ self.Wx + h @ self.Wh + self.b)
            self.hs[:, t + 1] = h
        self.output = self.hs[:, 1:].copy()

    def backward(self, dvalues):
        N, T, _ = self.inputs.shape
        self.dWx = np.zeros_like(self.Wx)
        self.dWh = np.zeros_like(self.Wh)
        self.db = np.zeros_like(self.b)
        self.dinputs = np.zeros_like(self.inputs)
        dh_next = np.zeros((N, self.Wh.shape[0]))
        for t in reversed(range(T)):
            dh = dvalues[:, t] + dh_next
            dz = dh * (1 - self.hs[:, t + 1] ** 2)
            self.dWx += self.inputs[:, t].T @ dz
            self.dWh += self.hs[:, t].T @ dz
            self.db += dz.sum(axis=0)
            self.dinputs[:, t] = dz @ self.Wx.T
            dh_next = dz @ self.Wh.T


class VanillaRNN_NoCarry(VanillaRNN):
    def backward(self, dvalues):
        N, T, _ = self.inputs.shape
        self.dWx = np.zeros_like(self.Wx)
        self.dWh = np.zeros_like(self.Wh)
        self.db = np.zeros_like(self.b)
        self.dinputs = np.zeros_like(self.inputs)
        dh_next = np.zeros((N, self.Wh.shape[0]))
        for t in reversed(range(T)):
            dh = dvalues[:, t]  # BUG: the gradient carried from step t + 1 is dropped
            dz = dh * (1 - self.hs[:, t + 1] ** 2)
            self.dWx += self.inputs[:, t].T @ dz
            self.dWh += self.hs[:, t].T @ dz
            self.db += dz.sum(axis=0)
            self.dinputs[:, t] = dz @ self.Wx.T
            dh_next = dz @ self.Wh.T  # noqa: F841


# -------------------------------------------------------------------- attention


def _softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Attention:
    """Single-head scaled dot-product self-attention over ``(N, T, D)``."""

    def __init__(self, dim=3, seed=43):
        self.Wq, self.Wk, self.Wv = _normal(seed, (dim, dim), (dim, dim), (dim, dim), scale=0.8)

    def forward(self, inputs):
        self.inputs = inputs
        self.Q, self.K, self.V = inputs @ self.Wq, inputs @ self.Wk, inputs @ self.Wv
        self.A = _softmax(self.Q @ self.K.transpose(0, 2, 1) / np.sqrt(inputs.shape[-1]))
        self.output = self.A @ self.V

    def backward(self, dvalues):
        x, A = self.inputs, self.A
        dA = dvalues @ self.V.transpose(0, 2, 1)
        dV = A.transpose(0, 2, 1) @ dvalues
        dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))
        dS = dS / np.sqrt(x.shape[-1])
        dQ, dK = dS @ self.K, dS.transpose(0, 2, 1) @ self.Q
        self.dWq = np.einsum("ntd,nte->de", x, dQ)
        self.dWk = np.einsum("ntd,nte->de", x, dK)
        self.dWv = np.einsum("ntd,nte->de", x, dV)
        self.dinputs = dQ @ self.Wq.T + dK @ self.Wk.T + dV @ self.Wv.T


class Attention_NoSoftmaxJacobian(Attention):
    def backward(self, dvalues):
        x, A = self.inputs, self.A
        dA = dvalues @ self.V.transpose(0, 2, 1)
        dV = A.transpose(0, 2, 1) @ dvalues
        dS = A * dA  # BUG: the softmax Jacobian's - A * sum(A * dA) term is missing
        dS = dS / np.sqrt(x.shape[-1])
        dQ, dK = dS @ self.K, dS.transpose(0, 2, 1) @ self.Q
        self.dWq = np.einsum("ntd,nte->de", x, dQ)
        self.dWk = np.einsum("ntd,nte->de", x, dK)
        self.dWv = np.einsum("ntd,nte->de", x, dV)
        self.dinputs = dQ @ self.Wq.T + dK @ self.Wk.T + dV @ self.Wv.T


# -------------------------------------------------------------------- embedding


class Embedding:
    """``forward(ids)``: integer ids ``(N, T)`` -> ``W[ids]`` ``(N, T, D)``; no dinputs."""

    def __init__(self, vocab=5, dim=3, seed=44):
        (self.W,) = _normal(seed, (vocab, dim))

    def forward(self, ids):
        self.ids = ids
        self.output = self.W[ids]

    def backward(self, dvalues):
        self.dW = np.zeros_like(self.W)
        np.add.at(self.dW, self.ids, dvalues)


class Embedding_FancyIndexAdd(Embedding):
    def backward(self, dvalues):
        self.dW = np.zeros_like(self.W)
        self.dW[self.ids] += dvalues  # BUG: buffered: a repeated id counts once


# ------------------------------------------------------------------- batch last


class DenseBatchLast:
    """deeplearning.ai style: ``X`` is ``(features, samples)``, ``Z = W @ X + b``."""

    def __init__(self, n_inputs=3, n_neurons=3, seed=45):
        self.W, self.b = _normal(seed, (n_neurons, n_inputs), (n_neurons, 1))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = self.W @ inputs + self.b

    def backward(self, dvalues):
        self.dW = dvalues @ self.inputs.T
        self.db = np.sum(dvalues, axis=1, keepdims=True)
        self.dinputs = self.W.T @ dvalues


class DenseBatchLast_NoTranspose(DenseBatchLast):
    def backward(self, dvalues):
        self.dW = dvalues @ self.inputs.T
        self.db = np.sum(dvalues, axis=1, keepdims=True)
        self.dinputs = self.W @ dvalues  # BUG: W, not W.T (square, shapes match)


class DenseBatchLast_DbOverM(DenseBatchLast):
    def backward(self, dvalues):
        self.dW = dvalues @ self.inputs.T
        self.db = np.sum(dvalues, axis=1, keepdims=True) / dvalues.shape[1]  # BUG: 1/m twice
        self.dinputs = self.W.T @ dvalues


# --------------------------------------------------------------------- data


def _images(n=2, c=2, h=4, w=4):
    return lambda rng: (rng.standard_normal((n, c, h, w)),)


def _distinct(n, c, h, w):
    """Values 0.1 apart (no near-ties inside a pooling window), in random order."""
    def make(rng):
        size = n * c * h * w
        x = 0.1 * (rng.permutation(size) - size / 2) + 0.01 * rng.random(size)
        return (x.reshape(n, c, h, w),)
    return make


def _sequence(n=2, t=3, d=3):
    return lambda rng: (rng.standard_normal((n, t, d)),)


def _ids(rng):
    ids = rng.integers(0, 5, size=(3, 4))
    ids[0, 1] = ids[0, 0]  # repeated ids, within a row and across rows
    ids[2, 3] = ids[0, 0]
    ids[1, 2] = ids[1, 0]
    return (ids.astype(np.int64),)


def _columns(rng):
    return (1.5 * rng.standard_normal((3, 4)),)  # 3 features, 4 samples


def _e(name, factory, what, expect=None, data=None, twin=None):
    return Entry(name=f"ndim/{name}", factory=factory, kind="layer",
                 buggy=expect is not None, what=what, make_data=data, expect=expect,
                 twin=twin and f"ndim/{twin}")


ENTRIES = [
    # correct
    _e("conv2d_pad0", Conv2D, "NCHW 2x2x4x4, 2 filters 3x3, stride 1, no padding",
       data=_images()),
    _e("conv2d_pad1", lambda: Conv2D(pad=1), "NCHW 2x2x4x4, 2 filters 3x3, padding 1",
       data=_images()),
    _e("maxpool_2x2", MaxPool2D, "2x2 windows, stride 2 (disjoint)", data=_distinct(2, 2, 4, 4)),
    _e("maxpool_3x3_overlapping", lambda: MaxPool2D(3, 1),
       "3x3 windows, stride 1: windows overlap, backward adds", data=_distinct(2, 1, 5, 5)),
    _e("flatten", Flatten, "(N, C, H, W) -> (N, C*H*W)", data=_images(2, 3, 2, 2)),
    _e("rnn", VanillaRNN, "vanilla RNN over (N, T, D) = (2, 3, 3), hidden 4, h0 = 0",
       data=_sequence()),
    _e("attention", Attention, "single-head self-attention, (N, T, D) = (2, 3, 3)",
       data=_sequence()),
    _e("embedding", Embedding, "integer ids (3, 4) with repeats; dW via np.add.at",
       data=_ids),
    _e("batch_last", DenseBatchLast, "Z = W @ X + b, X of shape (features, samples)",
       data=_columns),
    # bugs
    _e("conv2d_pad1_padding_not_cropped", lambda: Conv2D_PaddingNotCropped(pad=1),
       "dinputs cut from the padded gradient at [:H, :W] instead of [p:p+H, p:p+W]",
       "dinputs", data=_images(), twin="conv2d_pad1"),
    _e("conv2d_pad0_flipped_kernel", Conv2D_FlippedKernel,
       "dinputs through a flipped kernel", "dinputs", data=_images(), twin="conv2d_pad0"),
    _e("maxpool_3x3_overlapping_assign", lambda: MaxPool2D_Assign(3, 1),
       "dinputs[window] = ... overwrites overlapping windows instead of adding", "dinputs",
       data=_distinct(2, 1, 5, 5), twin="maxpool_3x3_overlapping"),
    _e("maxpool_2x2_no_mask", MaxPool2D_NoMask,
       "gradient routed to every element of the window, not to the max", "dinputs",
       data=_distinct(2, 2, 4, 4), twin="maxpool_2x2"),
    _e("flatten_channels_last", Flatten_ChannelsLast,
       "backward reshapes to NHWC and transposes: elements permuted", "dinputs",
       data=_images(2, 3, 2, 2), twin="flatten"),
    _e("rnn_no_carry", VanillaRNN_NoCarry, "dh from step t + 1 not added",
       "dWh|dWx|db|dinputs", data=_sequence(), twin="rnn"),
    _e("attention_no_softmax_jacobian", Attention_NoSoftmaxJacobian,
       "dS = A * dA: the softmax Jacobian's outer term dropped", "dWq|dWk|dinputs",
       data=_sequence(), twin="attention"),
    _e("embedding_fancy_index_add", Embedding_FancyIndexAdd,
       "dW[ids] += dvalues: repeated ids are added once", "dW", data=_ids, twin="embedding"),
    _e("batch_last_no_transpose", DenseBatchLast_NoTranspose, "dX = W @ dZ (square W)",
       "dinputs", data=_columns, twin="batch_last"),
    _e("batch_last_db_over_m", DenseBatchLast_DbOverM,
       "db divided by the number of samples (1/m belongs to the cost)", "db",
       data=_columns, twin="batch_last"),
]

GRADIENTS = {
    "ndim/conv2d_pad0": ("dW", "db", "dinputs"),
    "ndim/conv2d_pad1": ("dW", "db", "dinputs"),
    "ndim/maxpool_2x2": ("dinputs",),
    "ndim/maxpool_3x3_overlapping": ("dinputs",),
    "ndim/flatten": ("dinputs",),
    "ndim/rnn": ("dWx", "dWh", "db", "dinputs"),
    "ndim/attention": ("dWq", "dWk", "dWv", "dinputs"),
    "ndim/embedding": ("dW",),
    "ndim/batch_last": ("dW", "db", "dinputs"),
}

# integer inputs: no dinputs may be expected or reported missing
INTEGER_INPUTS = {"ndim/embedding", "ndim/embedding_fancy_index_add"}

# How `gradcheck zoo/ndim.py` builds the classes that entries build with arguments (the
# bugs of padding and of overlapping windows only show with these).
GRADCHECK_ARGS = {
    "Conv2D": [{}, {"pad": 1}],
    "Conv2D_PaddingNotCropped": {"pad": 1},
    "MaxPool2D": [{}, {"size": 3, "stride": 1}],
    "MaxPool2D_Assign": {"size": 3, "stride": 1},
}
