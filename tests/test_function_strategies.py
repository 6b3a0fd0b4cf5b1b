"""The conventions' strategies: valid arguments, drawn where bugs hide.

Each convention's arguments must be accepted by our correct zoo function (no false alarm
on any drawn configuration), and the strategy must reach the configurations that expose
the zoo's bugs (Hypothesis finds a failing example for each broken twin).
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
import zoo_functional  # noqa: F401 - puts the CS231n-like assignment on sys.path
from cs231n import buggy_layers as bug
from cs231n import buggy_rnn_layers as rbug
from cs231n import layer_utils as lu
from cs231n import layers as ly
from cs231n import rnn_layers as rnn
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis.errors import InvalidArgument

from gradcheck import check_function
from gradcheck import strategies as gs

CELLS = importlib.import_module("zoo_networks.dlai.rnn_cells")
BUGGY_CELLS = importlib.import_module("zoo_networks.dlai.buggy_rnn_cells")

FEW = settings(max_examples=15, deadline=None, database=None, derandomize=True,
               suppress_health_check=list(HealthCheck))

CORRECT = {
    "affine": (ly.affine_forward, ly.affine_backward),
    "relu": (ly.relu_forward, ly.relu_backward),
    "batchnorm": (ly.batchnorm_forward, ly.batchnorm_backward),
    "layernorm": (ly.layernorm_forward, ly.layernorm_backward),
    "dropout": (ly.dropout_forward, ly.dropout_backward),
    "conv": (ly.conv_forward_naive, ly.conv_backward_naive),
    "max_pool": (ly.max_pool_forward_naive, ly.max_pool_backward_naive),
    "spatial_batchnorm": (ly.spatial_batchnorm_forward, ly.spatial_batchnorm_backward),
    "spatial_groupnorm": (ly.spatial_groupnorm_forward, ly.spatial_groupnorm_backward),
    "svm_loss": (ly.svm_loss, None),
    "softmax_loss": (ly.softmax_loss, None),
    "rnn_step": (rnn.rnn_step_forward, rnn.rnn_step_backward),
    "rnn": (rnn.rnn_forward, rnn.rnn_backward),
    "lstm_step": (rnn.lstm_step_forward, rnn.lstm_step_backward),
    "lstm": (rnn.lstm_forward, rnn.lstm_backward),
    "word_embedding": (rnn.word_embedding_forward, rnn.word_embedding_backward),
    "temporal_affine": (rnn.temporal_affine_forward, rnn.temporal_affine_backward),
    "temporal_softmax_loss": (rnn.temporal_softmax_loss, None),
    "affine_relu": (lu.affine_relu_forward, lu.affine_relu_backward),
    "conv_relu": (lu.conv_relu_forward, lu.conv_relu_backward),
    "conv_relu_pool": (lu.conv_relu_pool_forward, lu.conv_relu_pool_backward),
    "rnn_cell": (CELLS.rnn_cell_forward, CELLS.rnn_cell_backward),
    "lstm_cell": (CELLS.lstm_cell_forward, CELLS.lstm_cell_backward),
}

BROKEN = {
    "conv": (ly.conv_forward_naive, bug.conv_backward_naive_pad_slice),
    "max_pool": (ly.max_pool_forward_naive, bug.max_pool_backward_naive_overwrite),
    "relu": (ly.relu_forward, bug.relu_backward_in_place),
    "batchnorm": (ly.batchnorm_forward, bug.batchnorm_backward_keepdims),
    "dropout": (ly.dropout_forward, bug.dropout_backward_unscaled),
    "rnn": (rnn.rnn_forward, rbug.rnn_backward_last_step),
    "word_embedding": (rnn.word_embedding_forward, rbug.word_embedding_backward_fancy),
    "temporal_softmax_loss": (rbug.temporal_softmax_unmasked_loss, None),
    "softmax_loss": (bug.softmax_shifted_in_place_loss, None),
    "lstm_step": (rnn.lstm_step_forward, rbug.lstm_step_backward_in_place),
    "rnn_cell": (CELLS.rnn_cell_forward, BUGGY_CELLS.rnn_cell_backward),
    "lstm_cell": (CELLS.lstm_cell_forward, BUGGY_CELLS.lstm_cell_backward),
}


def check(pair, arguments):
    args, kwargs = arguments
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return check_function(*pair, *args, raise_on_failure=False, **kwargs)


def test_the_table_covers_every_convention():
    assert set(CORRECT) == set(gs.FUNCTION_CONVENTIONS)


@pytest.mark.parametrize("name", gs.FUNCTION_CONVENTIONS)
def test_correct_functions_pass_on_every_drawn_configuration(name):
    @FEW
    @given(gs.function_arguments(name))
    def prop(arguments):
        report = check(CORRECT[name], arguments)
        # all-zero outputs (ReLU of negative inputs) verify nothing: inconclusive
        assert report.status in ("passed", "inconclusive"), report.message

    prop()


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_strategy_reaches_the_configuration_that_exposes_the_bug(name):
    found = find(gs.function_arguments(name), lambda a: check(BROKEN[name], a).status == "failed",
                 settings=settings(max_examples=200, database=None, derandomize=True,
                                   phases=(Phase.generate,),
                                   suppress_health_check=list(HealthCheck)))
    assert check(BROKEN[name], found).status == "failed"


@given(gs.function_arguments("conv"))
@FEW
def test_conv_sizes_fit_the_stride(arguments):
    (x, w, b, conv), _ = arguments
    for size, kernel in ((x.shape[2], w.shape[2]), (x.shape[3], w.shape[3])):
        assert (size + 2 * conv["pad"] - kernel) % conv["stride"] == 0
        assert size + 2 * conv["pad"] >= kernel
    assert b.shape == (w.shape[0],) and x.shape[1] == w.shape[1]


@given(gs.function_arguments("spatial_groupnorm"))
@FEW
def test_groupnorm_gamma_is_broadcastable_and_groups_divide_channels(arguments):
    (x, gamma, beta, groups, _), _ = arguments
    assert gamma.shape == beta.shape == (1, x.shape[1], 1, 1)
    assert x.shape[1] % groups == 0


@given(gs.function_arguments("temporal_softmax_loss"))
@FEW
def test_masks_are_boolean_and_labels_in_range(arguments):
    (x, y, mask), _ = arguments
    assert mask.dtype == bool and mask.shape == y.shape == x.shape[:2]
    assert y.min() >= 0 and y.max() < x.shape[2]


def test_pool_and_conv_params_draw_overlap_padding_zero_and_strides():
    pools = [find(gs.pool_params(), lambda p: p["stride"] < p["pool_height"]),
             find(gs.pool_params(), lambda p: p["pool_height"] != p["pool_width"])]
    assert pools[0]["stride"] < pools[0]["pool_height"]
    assert find(gs.conv_params(), lambda c: c["pad"] == 2 and c["stride"] == 2)


def test_nd_arrays_have_the_shape_and_no_ties():
    x = find(gs.nd_arrays((2, 3, 4, 4)), lambda a: True)
    assert x.shape == (2, 3, 4, 4) and np.unique(x).size == x.size
    assert find(gs.nd_arrays((4, 4), zeros=True), lambda a: np.any(a == 0)).shape == (4, 4)


def test_bad_arguments_name_the_fix():
    with pytest.raises(InvalidArgument, match="expected one of affine"):
        gs.function_arguments("convolution")
    with pytest.raises(InvalidArgument, match="shape"):
        gs.nd_arrays([2, 3])
    with pytest.raises(InvalidArgument, match="max_stride"):
        gs.conv_params(max_stride=0)
