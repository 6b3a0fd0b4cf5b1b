"""A zoo of classes that deliver the protocol in other ways than the book: by observation.

Each module is numpy-only code written here (never copied), correct classes each with a
buggy twin, so that the command line can check a module as a user's file. ``ENTRIES``
lists them as :class:`zoo._entry.Entry` records for the API tests.
"""

from zoo._entry import Entry, batch

from . import percall, rounding, spellings, state, tutorials


def _x(n=5, f=3, scale=1.0):
    return lambda rng: (batch(rng, n, f, scale=scale),)


def _e(name, cls, what, expect=None, *, data=None, twin=None, **options):
    return Entry(f"observed/{name}", cls, "layer", expect is not None, what,
                 data or _x(), expect, options=options, twin=twin)


S, T, R = spellings, tutorials, rounding
ENTRIES: list[Entry] = [
    _e("singular", S.DenseSingular, "weight, bias, input, dweight, dbias, dinput"),
    _e("singular_dbias_mean", S.DenseSingular_DbiasMean, "dbias averaged", "dbias",
       twin="observed/singular"),
    _e("singular_l2_factor", S.DenseSingular_L2Factor, "weight_L2 term without its 2",
       "dweight"),
    _e("relu_singular", S.ReLUSingular, "dinput beside self.input"),
    _e("relu_singular_inverted", S.ReLUSingular_Inverted, "mask inverted", "dinput",
       twin="observed/relu_singular"),
    _e("returns_tuple", S.DenseReturns, "backward returns (dx, dW, db)"),
    _e("returns_tuple_db_mean", S.DenseReturns_DbMean, "returned db averaged",
       "returned[2] for b", twin="observed/returns_tuple"),
    _e("grad_dict", S.LayerNormGradDict, "gradients['dLdGamma'], ['dLdBeta'], ['dLdX']",
       data=_x(5, 4)),
    _e("grad_dict_swapped", S.LayerNormGradDict_Swapped, "dLdGamma and dLdBeta swapped",
       "gradients['dLdGamma']", data=_x(5, 4), twin="observed/grad_dict"),
    _e("other_names", S.DenseGradsByOtherName, "g['weight'], g['bias'], delta_in"),
    _e("other_names_delta_per_sample", S.DenseGradsByOtherName_DeltaNoTranspose,
       "delta_in divided by the batch", "delta_in", twin="observed/other_names"),
    _e("accumulates", S.DenseAccumulates, "dW += ... until flush_gradients()"),
    _e("accumulates_flush_misses_bias", S.DenseAccumulates_FlushMissesBias,
       "flush_gradients() never resets db", "db", twin="observed/accumulates"),
    _e("update", T.Dense, "backward(output_gradient, learning_rate) updates in place"),
    _e("update_input_gradient_after", T.Dense_InputGradientAfterUpdate,
       "input gradient from the updated weights", "already updated", twin="observed/update"),
    _e("update_bias_mean", T.Dense_BiasMean, "bias update uses the batch mean",
       "update of bias at learning_rate 0.001", twin="observed/update"),
    _e("update_tanh", T.Tanh, "an activation taking a learning rate it does not use"),
    _e("update_tanh_identity", T.Tanh_Identity, "backward is the identity", "dinputs",
       twin="observed/update_tanh"),
    _e("propagation", T.FCLayer, "forward_propagation / backward_propagation"),
    _e("propagation_half_step", T.FCLayer_WeightsErrorHalved, "half a step",
       "update of weights at learning_rate 0.001", twin="observed/propagation"),
    _e("backprop", T.Linear, "forward / backprop(d, lr), rebinding W and b"),
    _e("backprop_dx_times_x", T.Linear_DxFromInputs, "dx multiplied by x", "dinputs",
       twin="observed/backprop"),
    _e("gelu", R.GELU, "tanh-approximation GELU", data=_x(5, 3, scale=2.0)),
    _e("gelu_rounded", R.GELU_RoundedConstant, "sqrt(2/pi) written with six digits",
       "relative error", data=_x(5, 3, scale=2.0), twin="observed/gelu"),
]
BY_NAME = {e.name: e for e in ENTRIES}
if len(BY_NAME) != len(ENTRIES):
    raise RuntimeError("duplicate zoo_observed entry names")


def _ids(rng):
    return (rng.integers(0, 6, size=(5, 3)).astype(float),)


ENTRIES += [
    _e("out_buffer", state.DenseOutBuffer, "forward writes into self.output in place"),
    _e("out_buffer_first_row", state.DenseOutBuffer_DbiasesFirstRow, "dbiases of one sample",
       "dbiases", twin="observed/out_buffer"),
    _e("returns_buffer", state.ReturnsBuffer, "forward returns one preallocated array"),
    _e("returns_buffer_derivative", state.ReturnsBuffer_FromBuffer, "1 - t instead of 1 - t^2",
       "dinputs", twin="observed/returns_buffer"),
    _e("float_ids", state.EmbeddingFloatIds, "ids as floats, cast in forward", data=_ids),
    _e("float_ids_assign", state.EmbeddingFloatIds_Assign, "repeated ids counted once",
       "dtable", data=_ids, twin="observed/float_ids"),
]
BY_NAME = {e.name: e for e in ENTRIES}

ENTRIES += [
    _e("input_stack", percall.DenseInputStack, "one input per call kept in a list"),
    _e("input_stack_first", percall.DenseInputStack_FirstInput, "backward reads X[0]", "dW",
       twin="observed/input_stack"),
    _e("stateful_rnn", percall.StatefulRNNStep, "hidden state carried across calls"),
    _e("stateful_rnn_no_tanh", percall.StatefulRNNStep_NoTanhDerivative,
       "tanh derivative missing", "dinputs", twin="observed/stateful_rnn"),
]
BY_NAME = {e.name: e for e in ENTRIES}
