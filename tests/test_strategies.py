"""The strategies draw what their docstrings promise: shapes, regions, labels, errors."""

import doctest

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import gradcheck.strategies as gs

# find() without the shrink phase: these tests ask "is this region ever drawn?", and the
# first hit answers it; shrinking it to a minimal array would only cost time.
FIRST_HIT = settings(phases=[Phase.generate], max_examples=200, database=None,
                     derandomize=True)


def first(strategy, condition):
    return find(strategy, condition, settings=FIRST_HIT)


class TinyDense:
    """A stand-in layer_class, so these tests do not depend on nnfs_core."""

    def __init__(self, n_inputs, n_neurons):
        self.weights = np.full((n_inputs, n_neurons), 7.0, dtype=np.float32)
        self.biases = np.full((1, n_neurons), 7.0, dtype=np.float32)


# ----------------------------------------------------------------------------- sizes and inputs
@given(gs.batch_sizes(min_value=2, max_value=5))
def test_batch_sizes_stay_within_their_bounds(n):
    assert isinstance(n, int) and 2 <= n <= 5


@given(gs.input_batches(min_samples=2, max_samples=4, min_features=3, max_features=5,
                        max_magnitude=2.5))
def test_input_batches_are_2d_float64_within_shape_and_magnitude_bounds(x):
    assert x.dtype == np.float64 and x.ndim == 2
    assert 2 <= x.shape[0] <= 4 and 3 <= x.shape[1] <= 5
    assert np.isfinite(x).all() and (np.abs(x) <= 2.5).all()


@given(gs.input_batches(n_samples=3, n_features=st.integers(1, 2)))
def test_input_batches_accept_an_int_or_a_strategy_for_sizes(x):
    assert x.shape[0] == 3 and x.shape[1] in (1, 2)


def test_input_batches_draw_exact_zeros_on_purpose():
    x = first(gs.input_batches(min_samples=2, min_features=2),
             lambda a: (a == 0).any() and (a != 0).any())
    assert (x == 0).any()


def test_input_batches_include_one_sample_and_one_feature():
    assert first(gs.input_batches(), lambda a: a.shape[0] == 1).shape[0] == 1
    assert first(gs.input_batches(), lambda a: a.shape[1] == 1).shape[1] == 1


@given(gs.input_batches(zeros=False, max_magnitude=4.0))
def test_input_batches_without_zeros_stay_away_from_zero(x):
    assert (np.abs(x) >= 4.0 / 100).all() and (np.abs(x) <= 4.0).all()


def test_input_batches_without_zeros_reach_as_close_to_zero_as_allowed():
    x = first(gs.input_batches(zeros=False, max_magnitude=4.0), lambda a: (np.abs(a) == 0.04).any())
    assert (np.abs(x) == 0.04).any()


SMALLEST_NORMAL = np.finfo(np.float64).tiny


@given(gs.input_batches(max_magnitude=1e300))
def test_input_batches_hold_no_nan_infinity_or_subnormal_number(x):
    magnitude = np.abs(x)
    assert np.isfinite(x).all() and (magnitude <= 1e300).all()
    assert not ((magnitude > 0) & (magnitude < SMALLEST_NORMAL)).any()


def test_input_batches_draw_the_bounds():
    x = first(gs.input_batches(max_magnitude=3.0), lambda a: (np.abs(a) == 3.0).any())
    assert np.abs(x).max() == 3.0


def test_input_batches_draw_tiny_normal_magnitudes_next_to_large_ones():
    # many decades in one array, down to the last decades above the smallest normal
    x = first(gs.input_batches(), lambda a: ((a != 0) & (np.abs(a) < 1e-300)).any()
              and (np.abs(a) > 1e-3).any())
    tiny = np.abs(x[(x != 0) & (np.abs(x) < 1e-300)])
    assert (tiny >= SMALLEST_NORMAL).all()


def test_input_batches_draw_arrays_of_round_values():
    x = first(gs.input_batches(min_samples=2, min_features=3),
              lambda a: (a == np.round(a)).all() and len(np.unique(a)) >= 3)
    assert (x == np.round(x)).all()


def test_input_batches_draw_nonzero_ties_within_a_row():
    def has_tie(a):
        return any(len(set(row[row != 0])) < np.count_nonzero(row) for row in a)

    assert has_tie(first(gs.input_batches(min_features=3), has_tie))


def test_input_batches_draw_equal_rows():
    def equal_rows(a):
        return any((a[i] == a[i - 1]).all() and len(set(a[i])) > 1 for i in range(1, len(a)))

    assert equal_rows(first(gs.input_batches(min_samples=2, min_features=2), equal_rows))


def test_input_batches_draw_rows_with_a_single_nonzero_entry():
    x = first(gs.input_batches(min_features=3),
              lambda a: (np.count_nonzero(a, axis=1) == 1).any())
    assert (np.count_nonzero(x, axis=1) == 1).any()


def test_input_batches_draw_constant_arrays():
    x = first(gs.input_batches(min_samples=2, min_features=2),
              lambda a: (a == a.flat[0]).all() and a.flat[0] != 0)
    assert len(np.unique(x)) == 1


def test_a_failing_input_batch_shrinks_to_a_small_round_array():
    # Shrinking on (the default phases): the minimal example of "two rows and a negative
    # entry" is two rows of one feature holding round values (the constant design).
    x = find(gs.input_batches(), lambda a: len(a) >= 2 and (a < 0).any(),
             settings=settings(database=None, derandomize=True))
    assert x.shape == (2, 1) and (x == np.round(x)).all() and (x < 0).any()


# ----------------------------------------------------------------------------- layers
@given(gs.dense_layers(min_inputs=2, max_inputs=3, min_neurons=4, max_neurons=6,
                       layer_class=TinyDense))
def test_dense_layers_have_drawn_float64_parameters_of_the_right_shape(layer):
    n_in, n_out = layer.weights.shape
    assert 2 <= n_in <= 3 and 4 <= n_out <= 6
    assert layer.biases.shape == (1, n_out)
    assert layer.weights.dtype == np.float64 and layer.biases.dtype == np.float64
    # the constructor's 7.0 is overwritten by values in [-1, 1]
    assert (np.abs(layer.weights) <= 1).all() and (np.abs(layer.biases) <= 1).all()


def test_dense_layers_draw_square_weight_matrices():
    layer = first(gs.dense_layers(layer_class=TinyDense, min_inputs=2),
                 lambda lay: lay.weights.shape[0] == lay.weights.shape[1])
    assert layer.weights.shape[0] == layer.weights.shape[1] >= 2


def test_dense_layers_draw_non_square_weight_matrices():
    layer = first(gs.dense_layers(layer_class=TinyDense),
                 lambda lay: lay.weights.shape[0] != lay.weights.shape[1])
    assert layer.weights.shape[0] != layer.weights.shape[1]


def test_dense_layers_draw_zero_biases():
    layer = first(gs.dense_layers(layer_class=TinyDense), lambda lay: (lay.biases == 0).all())
    assert (layer.biases == 0).all()


def test_dense_layers_draw_exact_zero_weights_among_others():
    layer = first(gs.dense_layers(layer_class=TinyDense, min_inputs=2),
                  lambda lay: (lay.weights == 0).any() and (lay.weights != 0).any())
    assert (layer.weights == 0).any()


def test_dense_layers_draw_weights_at_the_books_initialisation_scale():
    # 0.01 * randn: every weight small, not all zero
    layer = first(gs.dense_layers(layer_class=TinyDense, min_inputs=2),
                  lambda lay: 0 < np.abs(lay.weights).max() <= 0.05)
    assert 0 < np.abs(layer.weights).max() <= 0.05


@given(gs.dense_layers(n_inputs=3, n_neurons=st.just(2), layer_class=TinyDense))
def test_dense_layers_honour_fixed_sizes(layer):
    assert layer.weights.shape == (3, 2)


@given(gs.dense_layers_with_inputs(layer_class=TinyDense, min_samples=2, max_samples=3,
                                   max_inputs=4))
def test_dense_layers_with_inputs_fit_together(pair):
    layer, x = pair
    assert x.shape[1] == layer.weights.shape[0] <= 4
    assert 2 <= x.shape[0] <= 3 and x.dtype == np.float64


def test_dense_layers_use_nnfs_core_layer_dense_by_default():
    nnfs_core = pytest.importorskip("nnfs_core")
    if not hasattr(nnfs_core, "Layer_Dense"):
        pytest.skip("nnfs_core.Layer_Dense not written yet")
    layer = first(gs.dense_layers(), lambda lay: True)
    assert type(layer) is nnfs_core.Layer_Dense


def test_dense_layers_reject_a_class_without_weights():
    class NoWeights:
        def __init__(self, n_inputs, n_neurons):
            pass

    with pytest.raises(InvalidArgument, match="weights"):
        first(gs.dense_layers(layer_class=NoWeights), lambda lay: True)


# ----------------------------------------------------------------------------- logits
@given(gs.logit_batches(min_classes=2, max_classes=4, max_samples=3, max_magnitude=30.0))
def test_logit_batches_are_finite_and_bounded(z):
    assert z.dtype == np.float64 and z.shape[0] <= 3 and 2 <= z.shape[1] <= 4
    assert np.isfinite(z).all() and (np.abs(z) <= 30.0).all()


def test_logit_batches_draw_large_magnitudes_on_purpose():
    z = first(gs.logit_batches(), lambda a: (np.abs(a) == 50.0).any())
    assert np.abs(z).max() == 50.0


def test_logit_batches_draw_exact_zeros():
    z = first(gs.logit_batches(min_classes=2), lambda a: (a == 0).any() and (a != 0).any())
    assert (z == 0).any()


def test_logit_batches_draw_ties_within_a_row():
    z = first(gs.logit_batches(min_classes=3),
             lambda a: any(len(set(row)) < len(row) for row in a))
    assert any(len(set(row)) < len(row) for row in z)


def test_logit_batches_draw_rows_spanning_beyond_exp_overflow_of_a_naive_softmax():
    # a span > 709 makes np.exp overflow without the max-subtraction; 100 is the default's
    # worst case, so we ask for the whole span with a larger bound.
    z = first(gs.logit_batches(min_classes=2, max_magnitude=400.0),
             lambda a: (a.max(axis=1) - a.min(axis=1) > 709).any())
    assert (z.max(axis=1) - z.min(axis=1)).max() > 709


# ----------------------------------------------------------------------------- probabilities
@given(gs.probability_batches(min_classes=2, max_classes=6, max_samples=5,
                              min_probability=1e-4))
def test_probability_rows_sum_to_one_and_respect_the_floor(p):
    assert p.dtype == np.float64 and 2 <= p.shape[1] <= 6 and p.shape[0] <= 5
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=4 * np.finfo(float).eps)
    assert (p >= 1e-4).all()


@given(gs.probability_batches())
def test_default_probabilities_stay_out_of_the_book_clip_region(p):
    assert (p >= 1e-6).all()
    if p.shape[1] > 1:
        assert (p <= 1 - 1e-7).all()


def test_probability_batches_draw_confident_rows():
    p = first(gs.probability_batches(min_classes=3), lambda a: (a.max(axis=1) > 0.999).any())
    assert p.max() > 0.999


def test_probability_batches_put_entries_exactly_at_the_floor_in_unconfident_rows():
    p = first(gs.probability_batches(min_classes=3),
              lambda a: (a == 1e-6).any() and (a.max(axis=1) < 0.999).all())
    assert (p == 1e-6).any()


def test_probability_batches_draw_entries_just_above_the_floor():
    # tiny weights: the entry exceeds the floor by many orders of magnitude less than it
    p = first(gs.probability_batches(min_classes=2), lambda a: ((a > 1e-6) & (a < 2e-6)).any())
    assert ((p > 1e-6) & (p < 2e-6)).any()


def test_probability_batches_draw_uniform_rows():
    p = first(gs.probability_batches(min_classes=3),
             lambda a: np.allclose(a, 1.0 / a.shape[1]))
    np.testing.assert_allclose(p, 1.0 / p.shape[1])


# ----------------------------------------------------------------------------- labels
@given(st.data(), st.integers(1, 6), st.integers(1, 5))
def test_sparse_labels_are_int64_in_range(data, n, c):
    y = data.draw(gs.sparse_labels(n_samples=n, n_classes=c))
    assert y.dtype == np.int64 and y.shape == (n,)
    assert ((0 <= y) & (y < c)).all()


@given(st.data(), st.integers(1, 6), st.integers(1, 5))
def test_one_hot_labels_have_exactly_one_one_per_row(data, n, c):
    y = data.draw(gs.one_hot_labels(n_samples=n, n_classes=c))
    assert y.dtype == np.float64 and y.shape == (n, c)
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert (y.sum(axis=1) == 1.0).all()


@given(gs.one_hot_labels(n_samples=4, n_classes=st.integers(2, 5)))
def test_one_hot_labels_agree_with_a_drawn_class_count(y):
    assert y.shape[0] == 4 and 2 <= y.shape[1] <= 5 and (y.sum(axis=1) == 1).all()


def test_sparse_labels_leave_classes_absent():
    y = first(gs.sparse_labels(n_samples=6, n_classes=3), lambda a: len(np.unique(a)) < 3)
    assert len(np.unique(y)) < 3


def test_sparse_labels_draw_a_single_repeated_class():
    y = first(gs.sparse_labels(n_samples=5, n_classes=4),
              lambda a: len(np.unique(a)) == 1 and a[0] != 0)
    assert len(np.unique(y)) == 1


def test_sparse_labels_draw_every_class():
    y = first(gs.sparse_labels(n_samples=6, n_classes=3), lambda a: len(np.unique(a)) == 3)
    assert set(y) == {0, 1, 2}


def test_one_hot_labels_leave_classes_absent():
    y = first(gs.one_hot_labels(n_samples=6, n_classes=3), lambda a: (a.sum(axis=0) == 0).any())
    assert (y.sum(axis=0) == 0).any()


def test_label_batches_draw_both_kinds():
    labels = gs.label_batches(n_samples=3, n_classes=4)
    assert first(labels, lambda y: y.ndim == 1).shape == (3,)
    assert first(labels, lambda y: y.ndim == 2).shape == (3, 4)


@given(gs.label_batches(n_samples=3, n_classes=4, kinds=("one_hot",)))
def test_label_batches_draw_only_the_kinds_asked_for(y):
    assert y.shape == (3, 4)


# ----------------------------------------------------------------------------- bad arguments
BAD_ARGUMENTS = [
    (lambda: gs.batch_sizes(min_value=0), "min_value=0"),
    (lambda: gs.batch_sizes(min_value=5, max_value=2), "min_value=5"),
    (lambda: gs.batch_sizes(max_value=2.5), "max_value=2.5"),
    (lambda: gs.input_batches(n_samples=0), "n_samples=0"),
    (lambda: gs.input_batches(n_features=True), "n_features=True"),
    (lambda: gs.input_batches(min_features=3, max_features=1), "min_features=3"),
    (lambda: gs.input_batches(max_magnitude=-1.0), "max_magnitude=-1.0"),
    (lambda: gs.input_batches(max_magnitude=float("inf")), "max_magnitude=inf"),
    (lambda: gs.input_batches(zeros="yes"), "zeros='yes'"),
    (lambda: gs.dense_layers(n_inputs=0), "n_inputs=0"),
    (lambda: gs.dense_layers(min_neurons=4, max_neurons=3), "min_neurons=4"),
    (lambda: gs.dense_layers(layer_class=3), "layer_class=3"),
    (lambda: gs.dense_layers_with_inputs(max_samples=0), "max_samples=0"),
    (lambda: gs.dense_layers_with_inputs(n_samples=3), "n_samples"),
    (lambda: gs.logit_batches(n_classes=-2), "n_classes=-2"),
    (lambda: gs.logit_batches(max_magnitude=0), "max_magnitude=0"),
    (lambda: gs.probability_batches(min_probability=-0.1), "min_probability=-0.1"),
    (lambda: gs.probability_batches(min_probability=0.5, n_classes=3), "min_probability=0.5"),
    (lambda: gs.probability_batches(min_probability=0.2), "min_probability=0.2"),
    (lambda: gs.sparse_labels(n_samples=None, n_classes=3), "n_samples=None"),
    (lambda: gs.sparse_labels(n_samples=3, n_classes=0), "n_classes=0"),
    (lambda: gs.one_hot_labels(n_samples=2, n_classes="3"), "n_classes='3'"),
    (lambda: gs.label_batches(n_samples=2, n_classes=3, kinds=()), "kinds=()"),
    (lambda: gs.label_batches(n_samples=2, n_classes=3, kinds="sparse"), "kinds='sparse'"),
    (lambda: gs.label_batches(n_samples=2, n_classes=3, kinds=("dense",)), "'dense'"),
]


@pytest.mark.parametrize(("make", "match"), BAD_ARGUMENTS,
                         ids=[m for _, m in BAD_ARGUMENTS])
def test_bad_arguments_raise_invalid_argument_when_the_strategy_is_defined(make, match):
    # Raised by the call itself, before any draw: a typo fails when the test is collected.
    with pytest.raises(InvalidArgument) as info:
        make()
    assert match in str(info.value)


def test_good_arguments_define_a_strategy_without_error():
    # The negative twin of the table above: the same calls with valid values are accepted,
    # and what they draw honours the arguments (any draw must: the first one is asked for).
    assert first(gs.batch_sizes(min_value=2, max_value=2), lambda n: True) == 2
    x = first(gs.input_batches(n_samples=1, n_features=st.just(1), max_magnitude=1,
                               zeros=False), lambda x: True)
    assert x.shape == (1, 1) and 0 < abs(x[0, 0]) <= 1
    layer = first(gs.dense_layers(n_inputs=2, min_neurons=3, max_neurons=3,
                                  layer_class=TinyDense), lambda layer: True)
    assert isinstance(layer, TinyDense) and layer.weights.shape == (2, 3)
    probs = first(gs.probability_batches(n_classes=4, min_probability=0.25), lambda p: True)
    np.testing.assert_allclose(probs, 0.25)  # 4 classes at 0.25 each: uniform rows
    labels = first(gs.label_batches(n_samples=2, n_classes=3, kinds=["one_hot"]),
                   lambda y: True)
    assert labels.shape == (2, 3) and np.array_equal(labels.sum(axis=1), [1, 1])


def test_a_bad_size_drawn_from_a_user_strategy_is_reported_at_draw_time():
    with pytest.raises(InvalidArgument, match=r"n_samples \(drawn\)=0"):
        first(gs.input_batches(n_samples=st.just(0)), lambda a: True)
    with pytest.raises(InvalidArgument, match="n_classes=5"):
        first(gs.probability_batches(n_classes=st.just(5), min_probability=0.25),
             lambda a: True)


def test_equal_arguments_give_the_same_strategy_object_and_true_is_not_one():
    # Reuse spares Hypothesis a validation per example when a test builds the strategy
    # inside its body; the cache must not confuse True with 1, or skip validation.
    assert gs.input_batches(n_samples=3) is gs.input_batches(n_samples=3)
    assert gs.sparse_labels(n_samples=2, n_classes=3) is not gs.sparse_labels(n_samples=3,
                                                                               n_classes=3)
    gs.input_batches(n_samples=1)
    with pytest.raises(InvalidArgument, match="n_samples=True"):
        gs.input_batches(n_samples=True)
    # an unhashable argument is simply not cached
    labels = gs.label_batches(n_samples=2, n_classes=3, kinds=["one_hot"])
    assert first(labels, lambda y: True).shape == (2, 3)


def test_docstring_examples_run():
    failures, attempted = doctest.testmod(gs, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failures == 0
