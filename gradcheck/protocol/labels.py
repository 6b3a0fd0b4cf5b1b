"""A backward that takes labels: ``backward(dvalues, y_true=None)``, ``backward(dz, y)``.

Whether the labels matter is observed (targets/layer_probe.py: the gradient changes with
them, so the class is a fused loss); here only the signature: which argument is the
labels, and whether it is required (then a layer that ignores it is called with ``None``).
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["LABEL_NAMES", "PREDICTION_NAMES", "label_argument"]

LABEL_NAMES = frozenset({
    "y", "y_true", "ytrue", "y_train", "y_batch", "labels", "label", "target", "targets",
    "t", "truth", "gt", "true", "true_labels", "expected", "y_target", "y_actual", "actual",
    "ground_truth", "desired", "yt", "y_real",
})
#: argument names of a loss's predictions (what a loss prime differentiates), most usual
#: first
PREDICTION_NAMES = ("y_pred", "ypred", "y_hat", "yhat", "pred", "preds", "prediction",
                    "predictions", "predicted", "y_predicted", "output", "outputs", "out",
                    "activation", "activations", "output_activations", "a", "al", "p",
                    "probs", "probabilities", "logits", "scores", "y_p", "yp", "h", "x",
                    "z", "inputs", "input")


def label_argument(method: Any) -> tuple[str, bool] | None:
    """``(name, required)`` of ``backward``'s label argument, if it has one.

    The argument after the upstream gradient, when its name is a label's (``y``,
    ``y_true``, ``labels``, ``target``); ``None`` otherwise (a learning rate, say).
    """
    try:
        params = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    if inspect.isfunction(method):  # (a class's function: self comes first)
        positional = positional[1:]
    if len(positional) < 2 or positional[1].name.lower() not in LABEL_NAMES:
        return None
    later = [p for p in positional[2:] if p.default is inspect.Parameter.empty]
    if later:
        return None
    return positional[1].name, positional[1].default is inspect.Parameter.empty
