"""Functions by what they return: ``(loss, dW)``, ``(loss, grads...)``, ``(loss, dict)``.

Candidates are chosen from the source, never by calling every function: a module-level
function whose ``return`` statements return a tuple whose first element is not named
as a gradient and whose others include one that is (``return loss, dW``, ``return
loss, grads``). A function whose returned gradients are named after the module's own
arrays and not after its arguments (min-char-rnn's ``lossFun`` returning ``dWxh`` of a
module-level ``Wxh``) is a program, not a function of its arguments: left to the
program checks. Training, plotting and download helpers are never candidates.

Their arguments come from the user's config, a CS231n convention whose arguments fit
the signature, or the parameter names (:func:`roles`): weights ``W`` ``(D, C)`` at the
scales real code uses (1e-4 .. 1e-1), data ``X`` ``(N, D)``, labels ``y``, a
regularization strength ``reg`` above 0 up to 5e4, a bias ``b`` ``(C,)``.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.protocol.derivative import positional_names
from gradcheck.protocol.source import (
    SHORT_GRADIENT_NAMES,
    compared_strings,
    gradient_for,
    looks_like_gradient,
    returned_names,
    unfinished,
)

__all__ = ["NEVER_CALLED", "REG_STRENGTHS", "WEIGHT_SCALES", "choices", "describe_roles",
           "gradient_functions", "probe_arguments", "role_arguments", "roles",
           "unrolled_length"]

#: names of functions the CLI never calls (and their prefixes)
NEVER_CALLED = ("train", "main", "plot", "download", "fit", "predict", "evaluate", "run",
                "load", "save", "show", "visualize", "test", "setup", "get_data")

_WEIGHTS = {"w", "weights", "weight", "theta", "w_", "wt", "coef", "params_w"}
_DATA = {"x", "x_batch", "data", "inputs", "input", "features", "x_train", "xs", "x_tr",
         "scores", "logits", "z", "activations", "a", "a_prev", "aprev", "prev_a", "a_in"}
_LABELS = {"y", "labels", "label", "y_batch", "targets", "target", "y_train", "ys",
           "y_true", "classes"}
_REG = {"reg", "reg_strength", "lam", "lambd", "lmbda", "lambda_", "l2", "alpha",
        "weight_decay", "regularization", "reg_lambda", "lamda", "l2_reg", "reg_lambda_"}
_BIAS = {"b", "bias", "biases"}
#: every weight of a network unrolled into one vector (the Coursera exercises'
#: ``nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y,
#: lambda_)``): its length is found by calling the function (:func:`unrolled_length`)
_UNROLLED = {"nn_params", "params", "parameters", "thetas", "nn_weights", "unrolled_params",
             "params_unrolled", "theta_unrolled", "weights_unrolled", "flat_params"}
#: a layer's weights and bias by number: W1, b1, w_2, weights3, bias1
_LAYERED = re.compile(r"^(w|weights?|b|bias(?:es)?)_?([1-9])$")

#: weight scales and regularization strengths of the course and its clones
WEIGHT_SCALES = (1e-3, 1e-4, 1e-2, 1e-1)
REG_STRENGTHS = (0.1, 1.0, 1e3, 2.5e4, 5e4, 0.0)


#: a gradient :func:`gradient_functions` found as an expression, not a name
EXPRESSION = "<expression>"


def _never(name: str) -> bool:
    low = name.lower()
    return any(low == n or low.startswith(n + "_") for n in NEVER_CALLED)


def gradient_functions(module: Any, functions: dict[str, Callable[..., Any]],
                       taken: set[str]) -> list[str]:
    """The names of ``module``'s functions that return ``(loss, gradient...)``.

    Parameters
    ----------
    module : module
        The module (its globals tell a program's parameters from arguments).
    functions : dict
        Its own public functions, by name.
    taken : set of str
        Names already checked another way (CS231n pairs, ``*_loss``).
    """
    out: list[str] = []
    siblings: list[str] = []  # unfinished "*loss*" templates that return nothing yet
    for name, function in functions.items():
        if name in taken or _never(name):
            continue
        shown = returned_names(function)
        if shown is None and "loss" in name.lower() and unfinished(function):
            siblings.append(name)  # a template: a sibling of a candidate? (below)
            continue
        if shown is None or len(shown) < 2 or looks_like_gradient(shown[0]):
            continue
        grads = [n for n in shown[1:] if looks_like_gradient(n)]
        if not grads and _loss_named(name):
            # cross_entropy(...) -> (loss, d / n): short names of a loss's gradient
            shown = returned_names(function, SHORT_GRADIENT_NAMES) or shown
            grads = [n for n in shown[1:] if n in SHORT_GRADIENT_NAMES]
            if not grads and any(n is None for n in shown[1:]):
                # cost(...) -> (J, np.concatenate([G1.ravel(), G2.ravel()])): an array
                # computed where it is returned, beside the loss; matched by its shape
                grads = [EXPRESSION]
        if not grads:
            continue
        params = positional_names(function)
        if not params:
            continue
        space = vars(module)
        if any(_of_module(g, params, space) for g in grads):
            continue  # a program's gradient of module-level parameters
        out.append(name)
    signatures = {tuple(positional_names(functions[n])) for n in out}
    return out + [n for n in siblings if tuple(positional_names(functions[n])) in signatures]


_LOSS_WORDS = ("loss", "entropy", "cost", "error", "mse", "mae", "hinge", "nll",
               "likelihood", "divergence", "huber")


def _loss_named(name: str) -> bool:
    """The function's name says it is a loss (``cross_entropy``, ``mse``, ``hinge``)."""
    lowered = name.lower()
    return any(word in lowered for word in _LOSS_WORDS)


def _of_module(gradient: str | None, params: list[str], space: dict[str, Any]) -> bool:
    """``dWxh`` names a module-level array ``Wxh`` and no argument."""
    if any(gradient_for(gradient, p) for p in params):
        return False
    return any(gradient_for(gradient, k) and isinstance(v, np.ndarray)
               for k, v in space.items())


def roles(function: Callable[..., Any]) -> tuple[dict[str, str], str]:
    """Each required positional parameter's role by its name, or why one has none.

    Returns
    -------
    (dict, str)
        ``{"W": "weights", "X": "data", "y": "labels", "reg": "reg"}`` and ``""``; or
        ``{}`` and the reason (a parameter no name tells the value of).
    """
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return {}, "its signature cannot be read"
    out: dict[str, str] = {}
    chosen = choices(function)
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            continue
        low = p.name.lower()
        if p.name in chosen and p.default is p.empty:
            out[p.name] = "choice"  # activation == "relu": one check per value
            continue
        layer = _LAYERED.match(low)
        role = (("weights" if layer.group(1).startswith("w") else "bias") + layer.group(2)
                if layer is not None
                else "weights" if low in _WEIGHTS or (low.startswith("w") and len(low) <= 3)
                else "data" if low in _DATA
                else "labels" if low in _LABELS
                else "reg" if low in _REG
                else "bias" if low in _BIAS else None)
        if role is None and p.default is p.empty:
            keyed = _keyed_roles(function, p.name)  # params["W1"]: a dict of parameters
            if keyed:
                out.update(keyed)
                continue
            role = "unrolled" if low in _UNROLLED else _size_role(low)
        if role is None:
            if p.default is not p.empty:
                break  # keeps its default, and so do the parameters after it
            return {}, f"no value is known for its argument {p.name!r}"
        if role in out.values():
            return {}, f"two arguments read as {role} ({p.name!r})"
        out[p.name] = role
    unrolled = [k for k, r in out.items() if r == "unrolled"]
    if unrolled and not {"size D", "size C"} <= set(out.values()):
        # (a dict of parameters read at computed keys, parameters["W" + str(l)]: no
        # network sizes are given beside it, so it is no unrolled vector)
        return {}, f"no value is known for its argument {unrolled[0]!r}"
    if "data" not in out.values() and not any(r.startswith("weights") for r in out.values()):
        return {}, "no weights or data argument among its arguments"
    layers = _layers(out)
    if layers and (set(layers) != set(range(1, max(layers) + 1))
                   or any(not r.startswith("weights") for r in out.values()
                          if r in ("weights", "bias"))):
        return {}, ("its weights are numbered " + ", ".join(map(str, sorted(layers)))
                    + ", not 1, 2, ... one per layer")
    return out, ""


def _size_role(low: str) -> str | None:
    """The size a network's argument names, for weights unrolled into one vector.

    ``input_layer_size`` -> ``"size D"``, ``hidden_layer_size`` -> ``"size H"``,
    ``num_labels`` -> ``"size C"``; None for any other name.
    """
    tokens = set(low.split("_"))
    if not ("size" in tokens or tokens & {"num", "n"} or low.endswith("size")):
        return None
    if tokens & {"input", "in", "inputs", "features"}:
        return "size D"
    if tokens & {"hidden"}:
        return "size H"
    if tokens & {"labels", "label", "classes", "class", "output", "outputs", "out"}:
        return "size C"
    return None


def unrolled_length(function: Callable[..., Any], args: list[Any], at: int,
                    limit: int = 400) -> int | None:
    """The length of the unrolled weight vector at position ``at`` the function runs with.

    The shortest length whose call returns, after the loss, an array of that length (the
    gradient); the weights are reshaped inside, so every other length raises.
    """
    for length in range(1, limit):
        trial = list(args)
        trial[at] = np.linspace(-0.5, 0.5, length)
        try:
            with np.errstate(all="ignore"):
                result = function(*trial)
        except Exception:  # noqa: BLE001 - a length the function refuses
            continue
        if isinstance(result, tuple) and any(
                isinstance(r, np.ndarray) and r.shape == (length,) for r in result[1:]):
            return length
    return None


def _keyed_roles(function: Callable[..., Any], name: str) -> dict[str, str]:
    """``{"params['W1']": "weights1", ...}`` for a dict argument read at constant keys.

    Every key the function reads must name a weight or a bias (``W1``, ``b2``, ``W``);
    else ``{}``.
    """
    from gradcheck.protocol.source import function_tree

    tree = function_tree(function)
    keys: list[str] = []
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id == name and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, str) and node.slice.value not in keys:
            keys.append(node.slice.value)
    out: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: (k.lower().lstrip("wb_iaseght"), k.lower()[0] != "w")):
        low = key.lower()
        layer = _LAYERED.match(low)
        role = (("weights" if layer.group(1).startswith("w") else "bias") + layer.group(2)
                if layer is not None else "weights" if low in _WEIGHTS
                else "bias" if low in _BIAS else None)
        if role is None or role in out.values():
            return {}
        out[f"{name}[{key!r}]"] = role
    return out


def _grouped(found: dict[str, str], values: list[Any]) -> tuple[Any, ...]:
    """The arguments: the values of ``name['key']`` entries gathered into one dict."""
    args: list[Any] = []
    dicts: dict[str, dict[str, Any]] = {}
    for entry, value in zip(found, values, strict=True):
        if "[" in entry:
            name, key = entry.split("[", 1)
            if name not in dicts:
                dicts[name] = {}
                args.append(dicts[name])
            dicts[name][ast.literal_eval(key[:-1])] = value
        else:
            args.append(value)
    return tuple(args)


def _layers(found: dict[str, str]) -> list[int]:
    """The layer numbers of numbered weights (``W1``, ``W2``: ``[1, 2]``)."""
    return [int(r[len("weights"):]) for r in found.values()
            if r.startswith("weights") and r != "weights"]


def choices(function: Callable[..., Any]) -> dict[str, list[str]]:
    """The strings each argument is compared with: ``activation == "relu"``.

    ``{"activation": ["sigmoid", "relu"]}`` for a function that branches on the value of
    its ``activation`` argument, in the order the source names them
    (:func:`gradcheck.protocol.source.compared_strings`).
    """
    return {k: v for k, v in compared_strings(function).items() if not k.startswith("self.")}


def describe_roles(found: dict[str, str], layout: str = "rows") -> str:
    """``W (D, C) weights, X (N, D), y labels, reg > 0``: the variant's label.

    With the ``"columns"`` layout (features x samples: ``Z = W @ A + b``), ``A (D, N)``,
    ``W (C, D)`` and ``b (C, 1)``; with ``"vector"`` (logistic regression's
    ``costFunction(theta, X, y)``), ``theta (D,)`` and binary targets ``y (N,)``.
    """
    columns = layout == "columns"
    weighted = any(r.startswith("weights") or r == "unrolled" for r in found.values())
    data = "(N, D) data" if weighted else "(N, C) data"
    if "targets" in found.values():  # a regression loss (targets/regression.py)
        data = "(N, C) predictions"
    text = {"weights": "(D, C) weights", "data": data, "labels": "labels < C",
            "reg": "regularization up to 5e4", "bias": "(C,) bias",
            "targets": "(N, C) continuous targets", "unit": "(N, C) predictions in (0, 1)",
            "unit targets": "(N, C) continuous targets in (0, 1)"}
    if columns:
        text.update({"weights": "(C, D) weights", "bias": "(C, 1) bias",
                     "data": "(D, N) data" if weighted else "(C, N) data"})
    if layout == "vector":
        text.update({"weights": "(D,) weights", "bias": "a scalar bias",
                     "labels": "(N,) binary targets"})
    text.update({"size D": "= D", "size H": "= H", "size C": "= C"})
    if "unrolled" in found.values():
        text.update({"unrolled": "(L,) every weight unrolled", "labels": "labels < C",
                     "reg": "regularization 0.1 or 1"})
    layers = _layers(found)
    if layers:  # D -> H1 -> ... -> C, every size different
        last = max(layers)
        sizes = ["D", *(f"H{k}" if last > 2 else "H" for k in range(1, last)), "C"]
        for k in layers:
            text[f"weights{k}"] = (f"({sizes[k]}, {sizes[k - 1]})" if columns
                                   else f"({sizes[k - 1]}, {sizes[k]})")
            text[f"bias{k}"] = f"({sizes[k]}, 1)" if columns else f"({sizes[k]},)"
    shown = [f"{k} {text[v]}" for k, v in found.items() if v != "choice"]
    return "argument names: " + ", ".join(shown) + (
        ", features x samples" if columns else "")


def _shape(role: str, n: int, d: int, c: int, sizes: list[int], has_weights: bool,
           layout: str) -> tuple[int, ...]:
    """The shape of an array role's argument in ``layout`` (rows, columns or vector)."""
    columns = layout == "columns"
    if role.startswith(("weights", "bias")) and role not in ("weights", "bias"):
        k = int(role[-1])  # weights1 .. weights9, bias1 .. bias9
        d, c = sizes[k - 1], sizes[k]
    if layout == "vector" and role in ("weights", "bias"):
        return (d,) if role == "weights" else ()
    if role.startswith("weights"):
        return (c, d) if columns else (d, c)
    if role.startswith("bias"):
        return (c, 1) if columns else (c,)
    width = d if has_weights else c
    return (width, n) if columns else (n, width)


def _sizes(found: dict[str, str], d: int, c: int, order: list[int]) -> tuple[list[int], int, int]:
    layers = _layers(found)
    if not layers:
        return [], d, c
    sizes = order[:max(layers) + 1]  # D, H1, ..., C all different: each gradient's shape
    return sizes, sizes[0], sizes[-1]  # names its argument


def role_arguments(found: dict[str, str], draw: Callable[[Any], Any], *,
                   layout: str = "rows", chosen: dict[str, str] | None = None,
                   function: Callable[..., Any] | None = None
                   ) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Draw the arguments of roles: sizes, a weight scale and a regularization strength.

    ``layout`` lays data out in rows, features x samples (``"columns"``) or with a
    weight vector and binary targets (``"vector"``); ``chosen`` gives each choice
    argument its value (``{"activation": "relu"}``). Weights unrolled into one vector
    get the length ``function`` runs with at the drawn sizes (:func:`unrolled_length`).
    """
    from hypothesis import strategies as st

    from gradcheck import strategies as gs

    n, d, c = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(2, 5))
    if "unrolled" in found.values():
        hidden = draw(st.integers(1, 4))
        return _unrolled_arguments(found, function, (n, d, hidden, c),
                                   lambda shape: draw(gs.nd_arrays(shape)),
                                   draw(st.sampled_from(REG_STRENGTHS[:2])))
    scale = draw(st.sampled_from(WEIGHT_SCALES))
    layers = _layers(found)
    order = draw(st.permutations(list(range(2, max(layers) + 4)))) if layers else []
    sizes, d, c = _sizes(found, d, c, order)
    has_weights = any(r.startswith("weights") for r in found.values())
    args: list[Any] = []
    for name, role in found.items():
        if role == "labels" and layout == "vector":  # logistic regression's y
            bits = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
            args.append(np.array(bits, dtype=np.float64))
        elif role == "labels":
            ids = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
            args.append(np.array(ids, dtype=np.int64))
        elif role == "reg":
            args.append(draw(st.sampled_from(REG_STRENGTHS)))
        elif role.startswith("size "):  # softmax_loss(W, X, y, num_classes)
            args.append({"size D": d, "size C": c}.get(role, 3))
        elif role == "choice":
            args.append((chosen or {})[name])
        elif role in ("unit", "unit targets"):  # a loss finite on (0, 1) only
            values = draw(gs.nd_arrays(_shape(role, n, d, c, sizes, has_weights, layout)))
            args.append(0.05 + 0.9 / (1.0 + np.exp(-values)))
        else:
            shape = _shape(role, n, d, c, sizes, has_weights, layout)
            args.append(draw(gs.nd_arrays(shape, scale=1.0 if role in ("data", "targets")
                                          else scale)))  # (targets: the predictions' shape)
    return _grouped(found, args), {}


def _unrolled_arguments(found: dict[str, str], function: Callable[..., Any] | None,
                        sizes: tuple[int, int, int, int],
                        array: Callable[[tuple[int, ...]], np.ndarray], reg: float
                        ) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments of a network with unrolled weights at ``sizes`` (N, D, H, C).

    The weight vector's length is the one ``function`` runs with; labels are ``0 ..
    C - 1`` (every class present when N allows, the exercises' one-hot ``eye(C)[y]``).
    """
    n, d, hidden, c = sizes
    values: dict[str, Any] = {"size D": d, "size H": hidden, "size C": c, "reg": reg}
    args: list[Any] = []
    for role in found.values():
        if role == "data":
            args.append(array((n, d)))
        elif role == "labels":
            args.append(np.arange(n, dtype=np.int64) % c)
        else:
            args.append(values.get(role, np.zeros(1)))
    at = list(found.values()).index("unrolled")
    length = unrolled_length(function, args, at) if function is not None else None
    if length is None:
        raise ValueError(f"no length of {list(found)[at]} the function runs with at D={d}, "
                         f"H={hidden}, C={c}")
    args[at] = np.tanh(array((length,)))  # (weights in (-1, 1), as the exercises' init)
    return tuple(args), {}


def probe_arguments(found: dict[str, str], *, layout: str,
                    chosen: dict[str, str] | None = None) -> tuple[Any, ...]:
    """One fixed set of arguments, every size different, to see which layout runs."""
    rng = np.random.default_rng(0)
    layers = _layers(found)
    sizes, d, c = _sizes(found, 4, 5, list(range(2, max(layers) + 4)) if layers else [])
    has_weights = any(r.startswith("weights") for r in found.values())
    args: list[Any] = []
    for name, role in found.items():
        if role == "labels":
            args.append(rng.integers(0, 2, size=3).astype(np.float64) if layout == "vector"
                        else rng.integers(0, c, size=3))
        elif role == "reg":
            args.append(1.0)
        elif role.startswith("size "):
            args.append({"size D": d, "size C": c}.get(role, 3))
        elif role == "choice":
            args.append((chosen or {})[name])
        else:
            args.append(rng.standard_normal(_shape(role, 3, d, c, sizes, has_weights,
                                                   layout)))
    return _grouped(found, args)
