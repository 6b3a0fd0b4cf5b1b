"""The documented contracts around the gradients: bad labels and sizes are rejected with
a message naming the argument, gradients keep NumPy's float dtype, the document's
Jacobian loop refuses mismatched ``dvalues``, and documented defaults are the real ones.

These were written to kill mutants that survived the gradient properties (see
docs/mutation.md): each mutant changed one of these contracts without changing a
float64 gradient. Each check has a broken twin that it must reject.
"""

import ast
import inspect
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from twin_settings import NO_SHRINK

import gradcheck.strategies as gs
import nnfs_core
from nnfs_core import (
    Activation_ReLU,
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Loss_CategoricalCrossentropy,
)
from nnfs_core.train import train_spiral

Fused = Activation_Softmax_Loss_CategoricalCrossentropy


# ----------------------------------------------------------------------------- bad labels
class BookCrossentropy(Loss_CategoricalCrossentropy):
    """The document's loss: no validation, so bad labels fail deep inside NumPy or not
    at all (a negative label silently wraps around to the last class)."""

    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(samples), y_true]
        else:
            confidences = np.sum(clipped * y_true, axis=1)
        return -np.log(confidences)

    def backward(self, dvalues, y_true):
        if len(y_true.shape) == 1:
            y_true = np.eye(len(dvalues[0]))[y_true]
        self.dinputs = -y_true / dvalues / len(dvalues)


@st.composite
def bad_labels(draw):
    """Probabilities and labels that are wrong in one way, with the expected message: a
    regular expression in which ``{name}`` is the array the labels are checked against."""
    probs = draw(gs.probability_batches(min_classes=2))
    n, c = probs.shape
    y = draw(gs.sparse_labels(n_samples=n, n_classes=c))
    kind = draw(st.sampled_from(["wrong length", "float class indices", "out of range",
                                 "not one-hot"]))
    if kind == "wrong length":
        y = np.concatenate([y, y[:1].repeat(draw(st.integers(1, 3)))])
        return probs, y, (f"y_true has {len(y)} labels but {{name}} has {n} samples; "
                          "pass one label per sample")
    if kind == "float class indices":
        return probs, y.astype(float), (
            r"sparse y_true must hold integer class indices, got dtype float64; "
            r"convert with y_true\.astype\(int\) or pass one-hot rows of shape \(N, C\)"
        )
    if kind == "out of range":
        y = y.copy()
        y[draw(st.integers(0, n - 1))] = draw(st.sampled_from([-1, c, c + 5]))
        return probs, y, (rf"y_true has class indices out of range \[0, {c}\) "
                          rf"\(min {y.min()}, max {y.max()}\); {{name}} has {c} classes")
    one_hot = np.eye(c)[y]
    one_hot[draw(st.integers(0, n - 1))] *= draw(st.sampled_from([0.0, 2.0, 0.5]))
    return probs, one_hot, (r"one-hot y_true must have a single 1 per row and zeros "
                            r"elsewhere; row \d+ is \[.*\]")


def bad_labels_are_rejected(loss_class, fused_class):
    @given(bad_labels())
    def prop(case):
        probs, y, expected = case
        calls = [
            ("y_pred", lambda: loss_class().forward(probs, y)),
            ("dvalues", lambda: loss_class().backward(probs, y)),
            ("y_pred", lambda: fused_class().forward(probs, y)),
            ("dvalues", lambda: fused_class().backward(probs, y)),
        ]
        for name, call in calls:
            try:
                call()
            except ValueError as error:
                message = str(error)
            except Exception as error:  # the wrong kind of error is itself the finding
                raise AssertionError(
                    f"{type(error).__name__} instead of ValueError: {error}"
                ) from error
            else:
                raise AssertionError(f"no error for bad labels {y!r} ({name})")
            # the whole message: it names the argument and says how to fix the labels
            wanted = expected.replace("{name}", name)
            assert re.fullmatch(wanted, message), f"message {message!r} is not {wanted!r}"

    return prop


def test_bad_labels_are_rejected_with_a_message_naming_the_argument_and_the_fix():
    """Oracle: the label contract of ``Loss_CategoricalCrossentropy`` (class docstring).

    Proves that wrong-length, float, out-of-range and not-one-hot labels raise
    ``ValueError`` from both losses' forward and backward, naming the argument they are
    compared with (``y_pred`` in forward, ``dvalues`` in backward) and how to fix them.
    """
    bad_labels_are_rejected(Loss_CategoricalCrossentropy, Fused)()


def test_bad_label_check_rejects_the_documents_unvalidated_loss():
    with pytest.raises(AssertionError):
        NO_SHRINK(bad_labels_are_rejected(BookCrossentropy, Fused))()


@given(st.integers(-3, 0), st.integers(1, 4), st.booleans())
def test_dense_rejects_non_positive_sizes_naming_the_argument(bad, good, bad_first):
    """Oracle: ``Layer_Dense``'s documented sizes (positive integers)."""
    name = "n_inputs" if bad_first else "n_neurons"
    sizes = (bad, good) if bad_first else (good, bad)
    with pytest.raises(ValueError, match=rf"^{name} must be a positive integer, got {bad}$"):
        Layer_Dense(*sizes)
    # the twin: the same call with the bad size made positive is accepted
    fixed = (1 - bad, good) if bad_first else (good, 1 - bad)
    assert Layer_Dense(*fixed).weights.shape == fixed


# ----------------------------------------------------------------------------- dtypes
def _float(dtype):
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


DTYPES = [np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64)]


class SoftmaxLoopAlwaysFloat64(Activation_Softmax):
    """Broken dtype: the loop allocates float64 even for float32 inputs and dvalues."""

    def backward_jacobian(self, dvalues):
        dvalues = np.asarray(dvalues)
        self.dinputs = np.empty(dvalues.shape)
        for i, p in enumerate(self.output):
            p = p.reshape(-1, 1)
            self.dinputs[i] = (np.diagflat(p) - p @ p.T) @ dvalues[i]


def gradients_keep_numpys_float_dtype(softmax_class):
    @given(gs.logit_batches(max_magnitude=5.0), st.data(),
           st.sampled_from(DTYPES[:2]), st.sampled_from(DTYPES))
    def prop(logits, data, logit_dtype, dvalue_dtype):
        dvalues = data.draw(gs.input_batches(n_samples=logits.shape[0],
                                             n_features=logits.shape[1]))
        x, d = logits.astype(logit_dtype), np.round(dvalues).astype(dvalue_dtype)
        relu = Activation_ReLU()
        relu.forward(x)
        relu.backward(d)
        assert relu.dinputs.dtype == _float(d.dtype), "ReLU dinputs dtype"
        softmax = softmax_class()
        softmax.forward(x)
        expected = np.result_type(softmax.output, _float(d.dtype))
        for method in ("backward", "backward_jacobian"):
            getattr(softmax, method)(d)
            assert softmax.dinputs.dtype == expected, (
                f"softmax.{method} gave {softmax.dinputs.dtype} for {x.dtype} logits and "
                f"{d.dtype} dvalues; expected {expected}"
            )

    return prop


def test_gradients_keep_numpys_float_dtype_and_never_an_integer_one():
    """Oracle: NumPy's type promotion, with integer ``dvalues`` counted as float64.

    Proves that float32 stays float32 (``nnfs.init()`` users keep their precision),
    that integer ``dvalues`` (the document's cells feed integer arrays) give float
    gradients rather than truncated ones, and that the document's Jacobian loop gives the
    same dtype as the vectorized backward.
    """
    gradients_keep_numpys_float_dtype(Activation_Softmax)()


def test_dtype_check_rejects_a_loop_that_always_allocates_float64():
    with pytest.raises(AssertionError, match="softmax.backward_jacobian gave float64"):
        NO_SHRINK(gradients_keep_numpys_float_dtype(SoftmaxLoopAlwaysFloat64))()


class FusedCopyKeepsDtype(Fused):
    """Broken dtype: the backward's copy keeps ``dvalues``' dtype, so integer ``dvalues``
    give an integer gradient (or, with the in-place ``/=``, a casting error)."""

    def backward(self, dvalues, y_true):
        dvalues = np.asarray(dvalues)
        y_true = np.asarray(y_true)
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(len(dvalues)), y_true] -= 1
        self.dinputs /= len(dvalues)


def fused_gradient_is_floating(fused_class):
    @given(gs.probability_batches(min_classes=2), st.data(), st.sampled_from(DTYPES),
           st.booleans())
    def prop(probs, data, dtype, one_hot):
        n, c = probs.shape
        y = data.draw(gs.sparse_labels(n_samples=n, n_classes=c))
        labels = np.eye(c, dtype=np.int64)[y] if one_hot else y
        # integer dvalues: the softmax output of a fully confident network, rounded
        d = np.round(probs).astype(dtype) if dtype.kind == "i" else probs.astype(dtype)
        before = d.copy()
        fused = fused_class()
        try:
            fused.backward(d, labels)
        except Exception as error:  # a casting error is the same bug, told differently
            raise AssertionError(
                f"fused backward raised {error!r} for {d.dtype} dvalues") from error
        expected_dtype = _float(d.dtype)
        assert fused.dinputs.dtype == expected_dtype, (
            f"fused backward gave {fused.dinputs.dtype} for {d.dtype} dvalues; "
            f"expected {expected_dtype}"
        )
        oracle = (d.astype(np.float64) - np.eye(c)[y]) / n
        tolerance = 1e-6 if expected_dtype == np.float32 else 1e-12
        np.testing.assert_allclose(fused.dinputs, oracle, rtol=tolerance, atol=tolerance)
        assert np.array_equal(d, before) and d.dtype == before.dtype, "dvalues modified"

    return prop


def test_the_fused_gradient_is_floating_point_for_integer_dvalues():
    """Oracle: ``(dvalues - one_hot(y)) / N`` in float64, and NumPy's float dtype.

    Proves that integer ``dvalues`` (a fully confident softmax output, as the document's
    integer arrays) give the float64 gradient rather than an integer one or a casting
    error, that float32 stays float32, and that ``dvalues`` is left as it was.
    """
    fused_gradient_is_floating(Fused)()


def test_fused_dtype_check_rejects_a_copy_that_keeps_the_integer_dtype():
    with pytest.raises(AssertionError, match="for int64 dvalues"):
        NO_SHRINK(fused_gradient_is_floating(FusedCopyKeepsDtype))()


# ----------------------------------------------------------------------------- mismatched rows
class BookSoftmaxLoop(Activation_Softmax):
    """The document's loop: ``zip`` stops at the shorter array, leaving rows of
    ``np.empty`` garbage when dvalues has more samples than the output."""

    def backward_jacobian(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(
                zip(self.output, dvalues)):  # noqa: B905 - the document's own code
            single_output = single_output.reshape(-1, 1)
            jacobian = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian, single_dvalues)


def loop_refuses_dvalues_of_another_batch(softmax_class):
    softmax = softmax_class()
    softmax.forward(np.zeros((2, 3)))
    softmax.backward_jacobian(np.ones((2, 3)))  # matching sizes are accepted
    with pytest.raises(ValueError):
        softmax.backward_jacobian(np.ones((3, 3)))


def test_softmax_loop_refuses_dvalues_with_another_batch_size():
    """The core's loop zips with ``strict=True``: a third row of ``dvalues`` for a batch
    of two is an error, not a row of uninitialised memory in ``dinputs``."""
    loop_refuses_dvalues_of_another_batch(Activation_Softmax)


def test_batch_size_check_rejects_the_documents_loop():
    with pytest.raises(pytest.fail.Exception):
        loop_refuses_dvalues_of_another_batch(BookSoftmaxLoop)


# ----------------------------------------------------------------------------- defaults
DEFAULT_LINE = re.compile(r"^\s*(?P<names>[\w, ]+) : [^\n]*?, default (?P<values>.+)$",
                          re.MULTILINE)


def documented_defaults(function):
    """``{parameter: value}`` from numpydoc lines such as ``epochs : int, default 10000``
    or ``samples, classes : int, default 100, 3``."""
    found = {}
    for match in DEFAULT_LINE.finditer(inspect.getdoc(function) or ""):
        names = [n.strip() for n in match["names"].split(",")]
        values = ast.literal_eval(f"({match['values']},)")
        found.update(zip(names, values, strict=True))
    return found


def assert_defaults_documented(function):
    signature = inspect.signature(function)
    documented = documented_defaults(function)
    assert documented, f"{function.__qualname__} documents no defaults"
    for name, value in documented.items():
        actual = signature.parameters[name].default
        assert actual == value and type(actual) is type(value), (
            f"{function.__qualname__}: {name} is documented as default {value!r} "
            f"but defaults to {actual!r}"
        )


DOCUMENTED = [train_spiral, nnfs_core.Optimizer_SGD]


@pytest.mark.parametrize("function", DOCUMENTED, ids=lambda f: f.__qualname__)
def test_documented_defaults_are_the_real_ones(function):
    """Oracle: the numpydoc ``default`` of each parameter (what a user reads)."""
    assert_defaults_documented(function)


def test_defaults_check_rejects_a_function_whose_docstring_disagrees():
    def train(*, epochs: int = 10_001, learning_rate: float = 2.0):
        """Train.

        Parameters
        ----------
        epochs : int, default 10000
            Updates.
        learning_rate : float, default 2.0
            Step.
        """

    with pytest.raises(AssertionError, match="epochs is documented as default 10000"):
        assert_defaults_documented(train)
