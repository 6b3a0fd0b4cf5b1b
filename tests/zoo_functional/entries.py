"""Zoo entries: a function pair, the arguments that show its bug, the verdict it must get.

``expect``: ``"passed"``; ``"failed"`` (a wrong or misshapen gradient); ``"wrote"`` (every
gradient right, failed only for writing into an array it was given); ``"error"``.
``says``: a fragment the report's message must contain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from cs231n import buggy_layers as bug
from cs231n import buggy_rnn_layers as rbug
from cs231n import layer_utils as lu
from cs231n import layers as ly
from cs231n import rnn_layers as rnn


@dataclass
class Entry:
    """One zoo function pair (backward None: a loss) and how to call it."""

    name: str
    forward: Callable[..., Any]
    backward: Callable[..., Any] | None
    arguments: Callable[[np.random.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
    expect: str = "passed"
    says: str = ""
    twin: str | None = None  # the correct twin's entry name, for bugs
    options: dict[str, Any] = field(default_factory=dict)

    def args(self, seed: int = 0) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The arguments, drawn from ``seed``."""
        return self.arguments(np.random.default_rng(seed))


def _n(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _affine(rng):
    return (_n(rng, 2, 3, 2), _n(rng, 6, 4), _n(rng, 4)), {}


def _relu(rng):
    x = _n(rng, 3, 4)
    x[0, :2] = 0.0  # the kink: any subgradient in [0, 1] is right
    return (x,), {}


def _bn(rng):
    return (_n(rng, 4, 3), _n(rng, 3), _n(rng, 3), {"mode": "train"}), {}


def _bn_running(rng):
    # running statistics already in the dict, as after a few training steps
    param = {"mode": "train", "momentum": 0.9, "running_mean": _n(rng, 3),
             "running_var": 1 + rng.random(3)}
    return (_n(rng, 4, 3), _n(rng, 3), _n(rng, 3), param), {}


def _ln(rng):
    return (_n(rng, 3, 4), _n(rng, 4), _n(rng, 4), {}), {}


def _dropout(seed: bool):
    def build(rng):
        param = {"mode": "train", "p": 0.7}
        if seed:
            param["seed"] = 123
        return (_n(rng, 4, 5), param), {}
    return build


def _conv(pad: int, stride: int):
    def build(rng):
        # non-square input and kernel; sizes fit: (H + 2 pad - HH) % stride == 0
        hh, ww = 3, 2
        h = hh - 2 * pad + 2 * stride if hh - 2 * pad + 2 * stride > 0 else hh + stride
        wd = ww - 2 * pad + 3 * stride if ww - 2 * pad + 3 * stride > 0 else ww + stride
        return (_n(rng, 2, 2, h, wd), _n(rng, 3, 2, hh, ww), _n(rng, 3),
                {"stride": stride, "pad": pad}), {}
    return build


def _pool(ph: int, pw: int, stride: int):
    def build(rng):
        h, w = ph + 2 * stride, pw + 3 * stride
        return (_n(rng, 2, 2, h, w), {"pool_height": ph, "pool_width": pw, "stride": stride}), {}
    return build


def _sbn(rng):
    return (_n(rng, 2, 3, 2, 3), _n(rng, 3), _n(rng, 3), {"mode": "train"}), {}


def _sgn(rng):
    return (_n(rng, 2, 4, 2, 3), _n(rng, 1, 4, 1, 1), _n(rng, 1, 4, 1, 1), 2, {}), {}


def _labels(rng):
    return (_n(rng, 5, 4), rng.integers(0, 4, 5)), {}


def _rnn_step(rng):
    return (_n(rng, 3, 4), _n(rng, 3, 2), _n(rng, 4, 2), _n(rng, 2, 2), _n(rng, 2)), {}


def _rnn(rng):
    return (_n(rng, 2, 3, 4), _n(rng, 2, 2), _n(rng, 4, 2), _n(rng, 2, 2), _n(rng, 2)), {}


def _lstm_step(rng):
    return (_n(rng, 3, 4), _n(rng, 3, 2), _n(rng, 3, 2), _n(rng, 4, 8), _n(rng, 2, 8),
            _n(rng, 8)), {}


def _lstm(rng):
    return (_n(rng, 2, 3, 4), _n(rng, 2, 2), _n(rng, 4, 8), _n(rng, 2, 8), _n(rng, 8)), {}


def _embedding(rng):
    x = np.array([[0, 2, 0], [1, 2, 2]])  # repeated word ids
    return (x, _n(rng, 4, 3)), {}


def _temporal_affine(rng):
    return (_n(rng, 2, 3, 4), _n(rng, 4, 5), _n(rng, 5)), {}


def _temporal_loss(rng):
    mask = np.array([[True, True, False], [True, False, False]])  # zeros in the mask
    return (_n(rng, 2, 3, 4), rng.integers(0, 4, (2, 3)), mask), {}


def _conv_relu_pool(rng):
    return (_n(rng, 2, 2, 5, 6), _n(rng, 2, 2, 2, 3), _n(rng, 2), {"stride": 1, "pad": 0},
            {"pool_height": 2, "pool_width": 2, "stride": 1}), {}


def _conv_relu(rng):
    return (_n(rng, 1, 2, 4, 3), _n(rng, 2, 2, 3, 3), _n(rng, 2), {"stride": 1, "pad": 1}), {}


CORRECT = [
    Entry("affine", ly.affine_forward, ly.affine_backward, _affine),
    Entry("relu", ly.relu_forward, ly.relu_backward, _relu),
    Entry("batchnorm", ly.batchnorm_forward, ly.batchnorm_backward, _bn),
    Entry("batchnorm_alt", ly.batchnorm_forward, ly.batchnorm_backward_alt, _bn),
    Entry("batchnorm_running_stats", ly.batchnorm_forward, ly.batchnorm_backward, _bn_running),
    Entry("layernorm", ly.layernorm_forward, ly.layernorm_backward, _ln),
    Entry("dropout_seed", ly.dropout_forward, ly.dropout_backward, _dropout(True)),
    Entry("dropout_no_seed", ly.dropout_forward, ly.dropout_backward, _dropout(False)),
    Entry("conv_pad0", ly.conv_forward_naive, ly.conv_backward_naive, _conv(0, 1)),
    Entry("conv_pad1", ly.conv_forward_naive, ly.conv_backward_naive, _conv(1, 1)),
    Entry("conv_pad2_stride2", ly.conv_forward_naive, ly.conv_backward_naive, _conv(2, 2)),
    Entry("max_pool_overlap", ly.max_pool_forward_naive, ly.max_pool_backward_naive,
          _pool(3, 2, 1)),
    Entry("max_pool_tiles", ly.max_pool_forward_naive, ly.max_pool_backward_naive,
          _pool(2, 2, 2)),
    Entry("spatial_batchnorm", ly.spatial_batchnorm_forward, ly.spatial_batchnorm_backward,
          _sbn),
    Entry("spatial_groupnorm", ly.spatial_groupnorm_forward, ly.spatial_groupnorm_backward,
          _sgn),
    Entry("svm_loss", ly.svm_loss, None, _labels),
    Entry("softmax_loss", ly.softmax_loss, None, _labels),
    Entry("rnn_step", rnn.rnn_step_forward, rnn.rnn_step_backward, _rnn_step),
    Entry("rnn", rnn.rnn_forward, rnn.rnn_backward, _rnn),
    Entry("lstm_step", rnn.lstm_step_forward, rnn.lstm_step_backward, _lstm_step),
    Entry("lstm", rnn.lstm_forward, rnn.lstm_backward, _lstm),
    Entry("word_embedding", rnn.word_embedding_forward, rnn.word_embedding_backward,
          _embedding),
    Entry("temporal_affine", rnn.temporal_affine_forward, rnn.temporal_affine_backward,
          _temporal_affine),
    Entry("temporal_softmax_loss", rnn.temporal_softmax_loss, None, _temporal_loss),
    Entry("affine_relu", lu.affine_relu_forward, lu.affine_relu_backward, _affine),
    Entry("conv_relu", lu.conv_relu_forward, lu.conv_relu_backward, _conv_relu),
    Entry("conv_relu_pool", lu.conv_relu_pool_forward, lu.conv_relu_pool_backward,
          _conv_relu_pool),
]

BUGS = [
    Entry("conv_pad_slice", ly.conv_forward_naive, bug.conv_backward_naive_pad_slice,
          _conv(0, 1), "failed", "dx has shape", twin="conv_pad0"),
    Entry("conv_stride", ly.conv_forward_naive, bug.conv_backward_naive_stride, _conv(2, 2),
          "failed", "dw", twin="conv_pad2_stride2"),
    Entry("max_pool_overwrite", ly.max_pool_forward_naive,
          bug.max_pool_backward_naive_overwrite, _pool(3, 2, 1), "failed", "dx",
          twin="max_pool_overlap"),
    Entry("relu_in_place", ly.relu_forward, bug.relu_backward_in_place, _relu, "wrote",
          "relu_backward_in_place modified its upstream gradient dout", twin="relu"),
    Entry("lstm_step_in_place", rnn.lstm_step_forward, rbug.lstm_step_backward_in_place,
          _lstm_step, "wrote", "modified its upstream gradient dout_2", twin="lstm_step"),
    Entry("batchnorm_keepdims", ly.batchnorm_forward, bug.batchnorm_backward_keepdims, _bn,
          "failed", "dgamma has shape (1, 3), expected (3,)", twin="batchnorm"),
    Entry("batchnorm_running_in_train", bug.batchnorm_forward_running,
          bug.batchnorm_backward_running, _bn_running, "failed", "dx",
          twin="batchnorm_running_stats"),
    Entry("dropout_unscaled_seed", ly.dropout_forward, bug.dropout_backward_unscaled,
          _dropout(True), "failed", "dx", twin="dropout_seed"),
    Entry("dropout_unscaled_no_seed", ly.dropout_forward, bug.dropout_backward_unscaled,
          _dropout(False), "failed", "dx", twin="dropout_no_seed"),
    Entry("layernorm_axis0", ly.layernorm_forward, bug.layernorm_backward_axis0, _ln,
          "failed", "dx", twin="layernorm"),
    Entry("svm_unscaled", bug.svm_unscaled_loss, None, _labels, "failed", "batch",
          twin="svm_loss"),
    Entry("softmax_shift_in_place", bug.softmax_shifted_in_place_loss, None, _labels,
          "wrote", "modified its x argument in place", twin="softmax_loss"),
    Entry("rnn_last_step", rnn.rnn_forward, rbug.rnn_backward_last_step, _rnn, "failed",
          "dWx", twin="rnn"),
    Entry("word_embedding_fancy", rnn.word_embedding_forward,
          rbug.word_embedding_backward_fancy, _embedding, "failed", "dW",
          twin="word_embedding"),
    Entry("temporal_softmax_unmasked", rbug.temporal_softmax_unmasked_loss, None,
          _temporal_loss, "failed", "dx", twin="temporal_softmax_loss"),
]

ENTRIES = {e.name: e for e in CORRECT + BUGS}
