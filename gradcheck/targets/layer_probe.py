"""The inputs a layer takes, found by probing it.

Widths, N-D shapes, integer ids, positive domains, samples on the last axis, whether
large magnitudes are fed, and where its parameters are.

The candidates and their order come from :mod:`gradcheck.targets.shapes`; this module
calls the built object's forward (and one backward) on them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.engine import ranges
from gradcheck.errors import SkipError, UserCodeError
from gradcheck.protocol.names import is_conventional
from gradcheck.protocol.packing import float_output, is_mask
from gradcheck.protocol.params import find_candidates, gradient_of, preferred
from gradcheck.protocol.places import read_attribute
from gradcheck.protocol.roles import roles_of
from gradcheck.targets import masks as masks_
from gradcheck.targets import shapes, unbatched
from gradcheck.targets.building import (
    Constructor,
    argument_defaults,
    set_up_for,
    shape_setup,
    size_defaults,
)
from gradcheck.targets.classes import Found
from gradcheck.targets.probe_calls import REJECTED, tries, user_call
from gradcheck.targets.specs import CheckSpec

__all__ = ["masked_checks", "probe_layer"]

# Where NNFS-style code keeps a forward's result and its gradients, other spellings included
# (the protocol module decides how they are checked; discovery only must not lose them).
_OUTPUT_NAMES = ("output", "outputs", "out", "_output")


def _forward_layer(obj: Any, inputs: np.ndarray, training: bool) -> Any:
    if shape_setup(type(obj)) is not None:  # build(input_shape): for this probe's input
        set_up_for(obj, tuple(np.shape(inputs)[1:]))
    roles = roles_of(obj)
    if roles.reset is not None:  # before forward: it may empty what forward keeps
        getattr(obj, roles.reset)()
    forward = getattr(obj, roles.forward)
    return forward(inputs, True) if training else forward(inputs)


def _backward_layer(obj: Any, dvalues: np.ndarray, inputs: np.ndarray | None = None) -> Any:
    """Backward (under its own name); a ``backward(grad, learning_rate)`` at rate 0.

    ``inputs``: what forward was given, for a backward that takes it again
    (``backwardpass(lr, X, delta)``).
    """
    roles = roles_of(obj)
    backward = getattr(obj, roles.backward)  # (the reset ran before forward)
    given = () if inputs is None else (inputs,)
    return backward(*roles.backward_arguments((dvalues,), 0.0, given))


#: the widest input a probe is built with (a size default above it is not used)
_WIDEST_PROBE = 1 << 16


def probe_layer(found: Found, build: Constructor, obj: Any,
                sizes: dict[str, int]) -> CheckSpec:
    """The check of a built layer: the first candidate input its forward takes."""
    if found.inputs:
        return _probe_several(found, build, obj, sizes)
    fixed = build.fixed.get(build.input_size) if build.input_size else None
    if isinstance(fixed, int):
        widths: list[tuple[str | None, int]] = [(None, fixed)]
    elif build.sizes:
        order = [build.input_size] + [n for n in build.sizes if n != build.input_size]
        widths = [(n, sizes[n]) for n in order if n is not None]
    else:
        # sizes with defaults (n_inputs=3), then the rows of 2-D parameters (weights of
        # shape (inputs, outputs)): the width the built object expects comes first
        # (a default too large to probe with, n=10**9, is passed over: 3 rows of it
        # would not fit in memory)
        widths = [(None, w) for w in dict.fromkeys(
            [*size_defaults(found.cls), *_parameter_rows(obj), 4]) if w <= _WIDEST_PROBE]
    rng = np.random.default_rng(0)
    first_error: UserCodeError | None = None
    fallback: tuple[shapes.Candidate, np.ndarray] | None = None
    reduced = False
    arguments = {**argument_defaults(found.cls), **build.fixed, **sizes}
    channels = [int(a.shape[i]) for a in find_candidates(obj).arrays if a.ndim == 4
                for i in (1, 2)]
    # 3-D weights, (filters, channels, width) or (width, channels, filters): a 1-D
    # convolution's channel count is their middle axis
    sequence = [int(a.shape[1]) for a in find_candidates(obj).arrays if a.ndim == 3]
    for candidate in shapes.candidates(widths, arguments,
                                       sized=bool(build.sizes) and not isinstance(fixed, int),
                                       seen_channels=channels,
                                       sequence_channels=sequence):
        inputs = shapes.probe_inputs(candidate, 3, rng)
        try:
            returned = user_call(f"{found.name}.forward", _forward_layer, obj, inputs,
                                  found.training)
        except UserCodeError as exc:
            first_error = first_error or exc
            continue
        output = _output_of(obj, returned)
        if output is None:
            raise UserCodeError(f"{found.name}.forward did not set self.output to an array "
                             "(nor returned one)")
        if shapes.accepted(output, 3) and _reduces_batch(found, obj, candidate):
            reduced = True  # (a forward summing a list sums a batch the same way)
        elif shapes.accepted(output, 3):
            ids = _ids_as_floats(found, obj, candidate, arguments)
            if ids is not None:  # forward casts float ids: feed it ids
                return _layer_spec(found, build, obj, ids,
                                   shapes.probe_inputs(ids, 3, rng), sizes, fixed)
            if len(candidate.shape) == 1 and candidate.domain != "ids" \
                    and _batch_last(found, obj, candidate.shape[0], leading=3):
                # the probe's 3 samples matched the layer's 3 features by chance
                return _batch_last_spec(found, build, obj, 3, sizes, fixed)
            return _layer_spec(found, build, obj, candidate, inputs, sizes, fixed)
        if fallback is None:
            fallback = (candidate, inputs)
    if reduced:
        listed = _list_inputs(found, build, obj, sizes)
        if listed is not None:
            return listed
    columns = [int(a.shape[1]) for a in find_candidates(obj).arrays if a.ndim == 2]
    for features in dict.fromkeys([*(w for _, w in widths), *columns]):
        # (W of shape (units, features) in Z = W @ X + b: its columns are the features)
        if _batch_last(found, obj, 3, leading=features):
            return _batch_last_spec(found, build, obj, features, sizes, fixed)
    single = _unbatched_spec(found, build, obj, widths, sizes, fixed)
    if single is not None:  # forward takes one sample with no batch axis
        return single
    if fallback is not None:
        # Nothing gave a finite output that keeps the batch axis: check the first input
        # forward took, so that the check reports what is wrong with its output.
        return _layer_spec(found, build, obj, *fallback, sizes, fixed)
    assert first_error is not None
    raise first_error


def _reduces_batch(found: Found, obj: Any, candidate: shapes.Candidate) -> bool:
    """Forward takes two samples but its output does not keep them (it sums over them)."""
    if candidate.domain == "ids":
        return False
    probe = shapes.probe_inputs(candidate, 2, np.random.default_rng(6))
    output = _forward_output(found, obj, probe)
    return output is not None and output.ndim >= 1 and output.shape[0] != 2


def _list_inputs(found: Found, build: Constructor, obj: Any,
                 sizes: dict[str, int]) -> CheckSpec | None:
    """A forward taking a list of arrays (``forward([a, b])``, an Add layer), if it is one."""
    for count in (2, 3):
        found.inputs = tuple(f"inputs[{i}]" for i in range(count))
        try:
            return _probe_several(found, build, obj, sizes)
        except (UserCodeError, SkipError):
            continue
    found.inputs = ()
    return None


def _probe_several(found: Found, build: Constructor, obj: Any,
                   sizes: dict[str, int]) -> CheckSpec:
    """Several inputs (``forward(a, b)``, ``forward(q, k, v)``): their per-sample shapes.

    Tried in order: every input of one shape (the usual candidates: Add, Multiply,
    self-attention), then one width per input from the rows of the 2-D parameters in
    the order they are held (``forward(x, h)`` with ``Wx`` and ``Wh``), then the same with
    a sequence for the first (``forward(x, h0)`` over ``(n, T, D)``). Sequences are
    then given other lengths and widths after the first input where forward and backward
    take them (attention with ``Lq != Lk`` and ``dv != d``): all dimensions different, so
    that a backward mixing them up shows. A mask argument is a constant: the value that
    masks nothing (:func:`gradcheck.targets.masks.neutral`); :func:`masked_checks` adds a
    causal one.
    """
    masks = [i for i, name in enumerate(found.inputs) if is_mask(name)]
    count = len(found.inputs) - len(masks)
    arguments = {**argument_defaults(found.cls), **build.fixed, **sizes}
    widths: list[tuple[str | None, int]] = [
        (None, w) for w in dict.fromkeys([*_parameter_rows(obj), 4, 3])]
    tried: list[tuple[tuple[int, ...], ...]] = []
    for candidate in shapes.candidates(widths, arguments, sized=False):
        if candidate.domain == "real":
            tried.append((candidate.shape,) * count)
    rows = _parameter_rows(obj)
    if len(rows) >= count:
        tried.insert(1, tuple((r,) for r in rows[:count]))
        # a recurrent layer over a whole sequence: forward(x, h0), x (n, T, D), h0 (n, H)
        tried.insert(2, ((4, rows[0]), *((r,) for r in rows[1:count])))
    rng = np.random.default_rng(0)
    first_error: UserCodeError | None = None
    forward = getattr(obj, roles_of(obj).forward)
    as_list = found.inputs[0] == "inputs[0]"
    constants: tuple[tuple[int, str, Any], ...] = ()
    for parts in dict.fromkeys(tried):
        probe = [rng.uniform(-1.0, 1.0, (3, *shape)) for shape in parts]
        if masks:  # (observed on the shapes forward is given)
            constants = masks_.neutral(functools.partial(_call_forward, obj, probe), masks,
                                       found.inputs, parts)
        try:
            returned = user_call(f"{found.name}.{roles_of(obj).forward}", forward,
                                 *_arguments(probe, constants, as_list))
        except UserCodeError as exc:
            first_error = first_error or exc
            continue
        output = _output_of(obj, returned)
        if output is None and isinstance(returned, (tuple, list)) and returned \
                and isinstance(returned[0], np.ndarray):
            output = returned[0]
        if output is None or not shapes.accepted(output, 3):
            continue
        if not as_list:
            parts, constants = _all_different(obj, parts, constants) or (parts, constants)
        build.fixed.update(sizes)
        build.shown.update(sizes)
        build.sizes, build.input_size = [], None
        total = sum(int(np.prod(s)) for s in parts)
        spec = CheckSpec(found, build, "layer", params=_parameters(obj, output),
                         input_parts=parts, input_constants=constants)
        spec.input_shape, spec.input_width = (total,), total
        return spec
    if first_error is not None:
        raise first_error
    raise SkipError(f"no inputs found that forward({', '.join(found.inputs)}) takes")


def _arguments(parts: list[np.ndarray], constants: tuple[tuple[int, str, Any], ...],
               as_list: bool) -> tuple[Any, ...]:
    """Forward's arguments: the parts, each constant (a mask) where it stands."""
    if as_list:
        return (parts,)
    out: list[Any] = list(parts)
    for position, _, value in constants:
        out.insert(position, value)
    return tuple(out)


def masked_checks(found: Found, obj: Any, spec: CheckSpec) -> list[CheckSpec]:
    """The check of a layer taking a mask again, with a causal mask instead of a neutral one.

    ``spec`` gives the mask the value that masks nothing; a backward that lets the
    gradient flow through masked positions passes there. This check gives a causal mask
    of the scores' shape (:func:`gradcheck.targets.masks.causal`), where that bug shows;
    none when the layer takes no mask, or none fits.
    """
    if spec.input_parts is None or not spec.input_constants:
        return []
    positions = [position for position, _, _ in spec.input_constants]
    rng = np.random.default_rng(8)
    probe = [rng.uniform(-1.0, 1.0, (3, *shape)) for shape in spec.input_parts]
    given = masks_.causal(functools.partial(_call_forward, obj, probe), positions,
                          found.inputs, spec.input_parts, spec.input_constants)
    if given is None:
        return []
    return [dataclasses.replace(spec, input_constants=given)]


def _call_forward(obj: Any, probe: list[np.ndarray],
                  constants: tuple[tuple[int, str, Any], ...]) -> np.ndarray | None:
    """Forward's output on ``probe`` and ``constants``, or ``None`` when it raises."""
    forward = getattr(obj, roles_of(obj).forward)
    returned = tries(forward, *_arguments(probe, constants, False), rejected=REJECTED)
    if returned is REJECTED:
        return None
    output = _output_of(obj, returned)
    if output is None or output.dtype.kind not in "fc" or not np.all(np.isfinite(output)):
        return None
    return np.array(output, dtype=np.float64)


def _all_different(obj: Any, parts: tuple[tuple[int, ...], ...],
                   constants: tuple[tuple[int, str, Any], ...]
                   ) -> tuple[tuple[tuple[int, ...], ...],
                              tuple[tuple[int, str, Any], ...]] | None:
    """Sequences of other lengths (and a last input of another width) after the first.

    ``forward(q, k, v)`` on ``q (n, 4, d)``, ``k (n, 5, d)``, ``v (n, 5, d + 2)``: tried
    when every part is a sequence of one shape; kept where forward gives an output and
    backward runs on it (a layer whose inputs must agree refuses it: then one shape).
    Returns the shapes and the constants for them (a mask array remade for the scores'
    new shape).
    """
    if len(parts) < 2 or len(set(parts)) != 1 or len(parts[0]) < 2:
        return None
    length, *rest = parts[0]
    later = (length + 1, *rest)
    tries_: list[tuple[tuple[int, ...], ...]] = []
    if len(parts) >= 3:
        wider = (length + 1, *rest[:-1], rest[-1] + 2)
        tries_.append((parts[0], *[later] * (len(parts) - 2), wider))
    tries_.append((parts[0], *[later] * (len(parts) - 1)))
    rng = np.random.default_rng(4)
    for shapes_ in tries_:
        probe = [rng.uniform(-1.0, 1.0, (3, *shape)) for shape in shapes_]
        given = masks_.fitted(constants, shapes_)
        output = _call_forward(obj, probe, given)
        if output is None or not shapes.accepted(output, 3):
            continue
        ones = np.ones_like(output)
        if tries(_backward_layer, obj, ones, rejected=REJECTED) is not REJECTED:
            return shapes_, given
    return None


def _ids_as_floats(found: Found, obj: Any, candidate: shapes.Candidate,
                   arguments: dict[str, Any]) -> shapes.Candidate | None:
    """The ids candidate of this shape, when forward casts floats to ids.

    Seen as an output that whole-number inputs below the vocabulary size give, and that a
    quarter step leaves exactly as it is (a cast truncates or rounds).
    """
    vocab = shapes.vocabulary(arguments)
    if vocab is None or candidate.domain == "ids":
        return None
    ids = shapes.Candidate(candidate.shape, "ids", high=vocab)
    whole = shapes.probe_inputs(ids, 3, np.random.default_rng(5)).astype(np.float64)
    base = _forward_output(found, obj, whole)
    if base is None:
        return None
    base = base.copy()
    for step in (0.25, -0.25):
        moved = _forward_output(found, obj, whole + step)
        if moved is not None and moved.shape == base.shape and np.array_equal(moved, base):
            return ids
    return None


def _parameter_rows(obj: Any) -> list[int]:
    """Widths the object's float arrays suggest: rows of 2-D ones, then 1-D lengths.

    The rows of a weight matrix are its input size; a 1-D array (an elementwise scale
    ``w`` of shape ``(D,)``) suggests ``D``.
    """
    arrays = find_candidates(obj).arrays
    return [*(int(a.shape[0]) for a in arrays if a.ndim == 2),
            *(int(a.shape[0]) for a in arrays if a.ndim == 1 and a.shape[0] > 1)]


def _layer_spec(found: Found, build: Constructor, obj: Any, candidate: shapes.Candidate,
                inputs: np.ndarray, sizes: dict[str, int], fixed: Any, *,
                batch_last: bool = False) -> CheckSpec:
    one_sample = _one_sample(found, obj, inputs, batch_last=batch_last)
    if one_sample:
        inputs = inputs[..., :1] if batch_last else inputs[:1]
    returned = user_call(f"{found.name}.forward", _forward_layer, obj, inputs, found.training)
    output = _output_of(obj, returned)
    assert output is not None
    params = _parameters(obj, output, inputs, functools.partial(
        user_call, f"{found.name}.forward", _forward_layer, obj, inputs, found.training))
    large = None
    if candidate.domain != "ids":
        big = shapes.probe_inputs(candidate, 3, np.random.default_rng(1),
                                  magnitude=shapes.LARGE_MAGNITUDE)
        large = _forward_output(found, obj, big)
    spec = CheckSpec(found, build, "layer", training=found.training, params=params,
                     input_domain=candidate.domain, one_sample=one_sample)
    moderate = np.asarray(output, dtype=np.float64) if output.dtype.kind in "fc" else None
    if moderate is not None and large is not None and not np.all(np.isfinite(large)) \
            and np.all(np.abs(moderate) <= 1.0 + 1e-12):
        # bounded, yet not finite at large magnitudes (tanh written with np.exp): a range
        # finding with its threshold, apart from the gradient verdict (checked below it)
        threshold = _overflow_threshold(found, obj, candidate)
        if threshold is not None:
            spec.range_finding = ranges.finding(threshold, fix=ranges.LAYER_FIX)
        elif shapes.takes_large_inputs(moderate, large):
            spec.max_magnitude = shapes.LARGE_MAGNITUDE
    elif moderate is not None and shapes.takes_large_inputs(moderate, large):
        spec.max_magnitude = shapes.LARGE_MAGNITUDE
    if candidate.sized:
        build.input_size = candidate.size_name
    elif isinstance(fixed, int) and candidate.shape == (fixed,):
        spec.input_width = fixed
    elif not build.sizes and len(candidate.shape) == 1 and candidate.domain != "ids" \
            and _any_width(found, obj, candidate):
        pass  # a width-free layer (an activation): widths are drawn per example
    else:
        # The shape depends on the sizes used here: keep both fixed for the checks.
        build.fixed.update(sizes)
        build.shown.update(sizes)
        build.sizes = []
        build.input_size = None
        spec.input_shape = candidate.shape
        spec.input_high = candidate.high
        if len(candidate.shape) == 1:
            spec.input_width = candidate.shape[0]
    return spec


def _unbatched_spec(found: Found, build: Constructor, obj: Any,
                    widths: list[tuple[str | None, int]], sizes: dict[str, int],
                    fixed: Any) -> CheckSpec | None:
    """The check of a layer whose forward takes one sample with no batch axis, if it is one.

    Tried when no batched probe kept the batch axis: an image ``(6, 8)``, one with
    channels last or first, then a vector as wide as the constructor's sizes. The first
    one sample forward returns a finite array for is the check's input shape, always
    one sample (:mod:`gradcheck.targets.unbatched`).
    """
    if not unbatched.supports(found.cls):
        return None
    forward = getattr(obj, roles_of(obj).forward)
    rng = np.random.default_rng(0)
    for shape in dict.fromkeys([*unbatched.SINGLE_SHAPES, *((w,) for _, w in widths)]):
        if not unbatched.accepts_one_sample(
                forward, functools.partial(_backward_layer, obj), shape, rng):
            continue
        try:
            unbatched.with_batch_axis(obj)
        except TypeError:  # (a class whose instances cannot take a subclass: __slots__)
            return None
        candidate = shapes.Candidate(shape)
        spec = _layer_spec(found, build, obj, candidate,
                           shapes.probe_inputs(candidate, 1, rng), sizes, fixed)
        spec.one_sample = spec.unbatched = True
        return spec
    return None


def _one_sample(found: Found, obj: Any, inputs: np.ndarray, *, batch_last: bool) -> bool:
    """Whether the layer takes one sample at a time: its own update is sized for one.

    The from-scratch tutorial's column layer (``self.bias -= learning_rate *
    output_gradient``, a bias of shape ``(units, 1)``) runs forward on any batch but its
    backward only on one column. Seen as backward (which takes a learning rate) raising on
    the whole probe batch because an in-place write into one of the object's arrays is
    shaped for one sample (numpy's "non-broadcastable output operand with shape (5,1)
    doesn't match the broadcast shape (5,3)"), while forward and backward work on the
    first sample alone. Any other exception on a batch is the layer's own: it is checked
    on batches, and a backward that only works for one sample is its ``error``.
    """
    samples = inputs.shape[-1] if batch_last else inputs.shape[0]
    if inputs.ndim < 2 or samples < 2 or not roles_of(obj).learning_rate:
        return False
    raised = _backward_raises(found, obj, inputs)
    if raised is None or not _written_for_one_sample(raised, obj, samples):
        return False
    return _backward_raises(found, obj, inputs[..., :1] if batch_last else inputs[:1]) is None


_OUTPUT_OPERAND = re.compile(r"output operand with shape \(([\d, ]*)\) doesn't match the "
                             r"broadcast shape \(([\d, ]*)\)")


def _written_for_one_sample(raised: BaseException, obj: Any, samples: int) -> bool:
    """The exception is an in-place write into an array of the object sized for one sample.

    Its target and the batch's shape differ at one axis only, where the target has 1 and
    the batch ``samples``; the object holds an array of the target's shape.
    """
    match = _OUTPUT_OPERAND.search(str(raised)) if isinstance(raised, ValueError) else None
    if match is None:
        return False
    target, batch = ([int(n) for n in group.replace(" ", "").split(",") if n]
                     for group in match.groups())
    if len(target) != len(batch):
        return False
    differ = [(t, b) for t, b in zip(target, batch, strict=True) if t != b]
    if differ != [(1, samples)]:
        return False
    return any(a.shape == tuple(target) for a in find_candidates(obj).arrays)


def _backward_raises(found: Found, obj: Any, inputs: np.ndarray) -> BaseException | None:
    """Forward then backward (ones as the upstream gradient): what raised, if anything.

    A forward that fails or gives no float output counts as raising (a ``RuntimeError``).
    """
    output = _forward_output(found, obj, inputs)
    if output is None or output.dtype.kind not in "fc":
        return RuntimeError("forward gave no float output")
    ones = np.ones_like(output, dtype=np.float64)
    try:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            _backward_layer(obj, ones, inputs)
    except Exception as exc:  # noqa: BLE001 - rejecting the data is an answer
        return exc
    return None


def _overflow_threshold(found: Found, obj: Any, candidate: shapes.Candidate) -> float | None:
    """The smallest input magnitude at which forward stops being finite (bisection).

    The probe batch scaled to a largest ``|x|`` of ``m``; ``None`` when forward is not
    finite below 10 (not an overflow at large magnitudes) or stays finite at 1e3.
    """
    base = shapes.probe_inputs(candidate, 3, np.random.default_rng(1))
    base = base / max(float(np.max(np.abs(base))), 1e-12)

    def finite(magnitude: float) -> bool:
        output = _forward_output(found, obj, base * magnitude)
        return output is not None and bool(np.all(np.isfinite(output)))

    return ranges.threshold(finite, high=shapes.LARGE_MAGNITUDE)


def _batch_last(found: Found, obj: Any, width: int, *, leading: int) -> bool:
    """Whether the samples are the last axis: forward takes ``(leading, m)`` for any ``m``.

    The deeplearning.ai layout (``Z = W @ X + b``, ``X`` of shape ``(features, samples)``).
    Seen when ``(leading, m)`` works for two sample counts with the output's last axis
    following them, while a batch-first ``(2, width)`` does not work.
    """
    rng = np.random.default_rng(3)
    first = _forward_output(found, obj, rng.uniform(-1.0, 1.0, (2, width)))
    if first is not None and shapes.accepted(first, 2):
        return False  # the leading axis is free: the batch comes first
    for samples in (2, 5):
        output = _forward_output(found, obj, rng.uniform(-1.0, 1.0, (leading, samples)))
        if output is None or output.ndim != 2 or output.shape[-1] != samples \
                or output.dtype.kind != "f" or not np.all(np.isfinite(output)):
            return False
    return True


def _batch_last_spec(found: Found, build: Constructor, obj: Any, features: int,
                     sizes: dict[str, int], fixed: Any) -> CheckSpec:
    """A check fed ``(features, n)`` batches: samples on the last axis."""
    candidate = shapes.Candidate((features,))
    inputs = np.random.default_rng(4).uniform(-1.0, 1.0, (features, 3))
    spec = _layer_spec(found, build, obj, candidate, inputs, sizes, fixed, batch_last=True)
    spec.batch_last = True
    spec.input_shape, spec.input_width = (features,), features
    spec.max_magnitude = None
    return spec


def _any_width(found: Found, obj: Any, candidate: shapes.Candidate) -> bool:
    """Forward takes every small width (not only even ones, say)."""
    rng = np.random.default_rng(2)
    for width in (1, 3, 5):
        probe = shapes.probe_inputs(shapes.Candidate((width,), candidate.domain), 3, rng)
        output = _forward_output(found, obj, probe)
        if output is None or not shapes.accepted(output, 3):
            return False
    return True


def _forward_output(found: Found, obj: Any, inputs: np.ndarray) -> np.ndarray | None:
    """Forward's output on ``inputs``, or ``None`` when it raises."""
    returned = tries(_forward_layer, obj, inputs, found.training, rejected=REJECTED)
    return None if returned is REJECTED else _output_of(obj, returned)


def _output_of(obj: Any, returned: Any) -> np.ndarray | None:
    """What forward produced: ``self.output`` (or another spelling), else its return value."""
    for name in _OUTPUT_NAMES:
        value = read_attribute(obj, name)
        if isinstance(value, np.ndarray):
            return value
    returned = float_output(returned)  # (out, indices)
    if isinstance(returned, (tuple, list)) and returned \
            and all(isinstance(r, np.ndarray) for r in returned):
        return returned[0]  # (h, c), (out, attention weights): the first sets the batch
    return returned if isinstance(returned, np.ndarray) else None


def _parameters(obj: Any, output: np.ndarray, inputs: np.ndarray | None = None,
                forward: Callable[[], Any] | None = None) -> list[str]:
    """Where the parameters live (``weights``, ``params['W']``): arrays given a gradient.

    Observed as the engine observes them (:mod:`gradcheck.protocol.params`), after one
    backward call; conventional names (``weights``, ``W``) count even without one, unless
    ``forward`` (the probe's forward again) binds a new array there on every call: what
    forward computes (``self.weights`` of an attention, kept for a plot) is no parameter.
    """
    rebound = _rebound_by(obj, forward, output) if forward is not None else set()
    with contextlib.suppress(UserCodeError, SkipError):
        user_call("backward", _backward_layer, obj, np.ones_like(output, dtype=np.float64),
                  inputs)
    labels = []
    found = find_candidates(obj, exclude=[output])
    for places in found.groups:
        if any(gradient_of(p) is not None for p in places) or any(
                is_conventional(p.name) and p.describe() not in rebound for p in places):
            labels.append(preferred(places).describe())
    return labels


def _rebound_by(obj: Any, forward: Callable[[], Any], output: np.ndarray) -> set[str]:
    """The places holding another array after ``forward`` ran again (none if it raised)."""
    held = {p.describe(): p.get() for places in find_candidates(obj, exclude=[output]).groups
            for p in places}
    try:
        forward()
    except (UserCodeError, SkipError):
        return set()
    now = {p.describe(): p.get() for places in find_candidates(obj).groups for p in places}
    return {where for where, value in held.items() if now.get(where) is not value}
