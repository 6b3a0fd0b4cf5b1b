"""Wrap an NNFS-style object in a ``torch.autograd.Function`` so torch's gradcheck can see it.

The wrapper is what a careful user would write:
- forward calls the object's own forward on numpy *copies* of the tensors;
- backward re-runs the object's forward on the saved inputs first (torch's finite
  differences call forward at perturbed points in between, which would leave the
  object's cached ``inputs``/``output``/mask from the last perturbed call), then calls the
  object's own backward with ``grad_output`` as ``dvalues``;
- layers: the inputs *and* every parameter array are differentiated (the float arrays
  P for which a probe backward sets dP: weights, biases, gamma, beta, ...);
  parameters keep their own dtype inside the object (a float32 layer stays float32);
- losses: the objective is the mean loss; backward passes ``y_pred`` as dvalues (the
  protocol) and scales the result by ``grad_output``; fused: backward(self.output, y).
"""

from __future__ import annotations

import copy

import numpy as np
import torch


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().copy()


def _t(a) -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=np.float64))


def parameter_names(layer, inputs: np.ndarray, training=None) -> list[str]:
    """weights and biases when present (what a user would list by hand, so a missing
    dbiases surfaces as an AttributeError), plus any other float array P whose gradient
    dP a probe backward sets on a copy (gamma, beta, ...)."""
    probe = copy.deepcopy(layer)
    kwargs = {} if training is None else {"training": training}
    before = {k for k, v in vars(probe).items()
              if isinstance(v, np.ndarray) and v.dtype.kind == "f"}
    named = [p for p in ("weights", "biases") if p in before]
    try:
        probe.forward(inputs.copy(), **kwargs)
        probe.backward(np.ones_like(np.asarray(probe.output, dtype=np.float64)))
    except Exception:  # noqa: BLE001  (the real run will raise it again)
        return named
    return named + sorted(p for p in before - set(named) if hasattr(probe, "d" + p))


def layer_function(layer, inputs: np.ndarray, training=None):
    """Return ``(fn, tensors)`` such that ``torch.autograd.gradcheck(fn, tensors)`` checks
    dinputs and the gradient of every parameter array the layer has."""
    names = parameter_names(layer, inputs, training)
    dtypes = {p: getattr(layer, p).dtype for p in names}
    kwargs = {} if training is None else {"training": training}

    def run_forward(x, ps):
        for name, p in zip(names, ps, strict=True):
            setattr(layer, name, _np(p).astype(dtypes[name]))
        layer.forward(_np(x), **kwargs)

    class NNFSLayer(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, *ps):
            run_forward(x, ps)
            ctx.save_for_backward(x, *ps)
            return _t(layer.output)

        @staticmethod
        def backward(ctx, grad_output):
            x, *ps = ctx.saved_tensors
            run_forward(x, ps)
            layer.backward(grad_output.detach().numpy())
            return (_t(layer.dinputs), *(_t(getattr(layer, "d" + n)) for n in names))

    tensors = (_t(inputs).requires_grad_(),
               *(_t(getattr(layer, n)).requires_grad_() for n in names))
    return NNFSLayer.apply, tensors


def loss_function(loss, y_pred: np.ndarray, y_true: np.ndarray, fused: bool):
    """Return ``(fn, tensors)`` for the mean loss as a function of y_pred (logits if fused)."""
    labels = np.array(y_true, copy=True)

    def objective(z):
        if fused:
            return float(loss.forward(z, labels.copy()))
        return float(np.mean(loss.forward(z, labels.copy())))

    class NNFSLoss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return torch.tensor(objective(_np(z)), dtype=torch.float64)

        @staticmethod
        def backward(ctx, grad_output):
            (z,) = ctx.saved_tensors
            if fused:
                loss.forward(_np(z), labels.copy())
                loss.backward(loss.output, labels.copy())
            else:
                loss.backward(_np(z), labels.copy())
            return _t(loss.dinputs) * grad_output

    return NNFSLoss.apply, (_t(y_pred).requires_grad_(),)


def torch_check(entry, *, fast_mode: bool) -> tuple[str, str]:
    """Run torch.autograd.gradcheck (default eps/atol/rtol) on a zoo entry.

    Returns (outcome, first line of the message): outcome "pass", "fail" (GradcheckError)
    or "crash" (anything else, e.g. the object's own exception, or torch rejecting a
    gradient's shape).
    """
    from torch.autograd.gradcheck import GradcheckError

    obj = entry.factory()
    args = entry.data()
    try:
        if entry.kind == "layer":
            fn, tensors = layer_function(obj, args[0], entry.options.get("training"))
        else:
            fn, tensors = loss_function(obj, args[0], args[1], fused=entry.kind == "fused")
        torch.autograd.gradcheck(fn, tensors, fast_mode=fast_mode)
        return "pass", ""
    except GradcheckError as exc:
        return "fail", _first_line(exc)
    except Exception as exc:  # noqa: BLE001  (any other exception is the verdict)
        return "crash", f"{type(exc).__name__}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0][:120] if lines else ""
