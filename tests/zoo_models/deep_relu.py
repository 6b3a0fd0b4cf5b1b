"""An 8-layer ReLU classifier in the CS231n layout: ``params`` dict, ``loss(X, y)``.

``loss(X, y) -> (loss, grads)`` with softmax cross-entropy on the last affine layer and
L2 regularization ``0.5 * reg * sum(W ** 2)`` on every weight matrix. With
``weight_scale=0.05`` and width 16 each layer shrinks the activations about fivefold to
tenfold, so the pre-activations of layers 5-7 sit around and below 1e-5 (layer 7's near
2e-7, down to 4e-9): a fixed finite-difference step of 1e-5 crosses their ReLU kinks.

``bug`` injects one wiring bug into the backward pass:

- ``"reg_missing"``: ``dW3`` without its regularization term;
- ``"swapped"``: the gradients of ``b5`` and ``b6`` swapped;
- ``"batch_factor"``: ``dW4`` not divided by the batch size;
- ``"skip_mask"``: the backward pass skips layer 6's ReLU mask (``db6`` and everything
  below it wrong).
"""

from __future__ import annotations

import numpy as np

BUGS = ("reg_missing", "swapped", "batch_factor", "skip_mask")


class DeepReLUNet:
    """``layers`` affine layers, ReLU between them, softmax cross-entropy at the end."""

    def __init__(self, input_dim=5, hidden=16, classes=3, layers=8, weight_scale=0.05,
                 reg=1e-4, seed=0, bug=None):
        rng = np.random.default_rng(seed)
        dims = [input_dim] + [hidden] * (layers - 1) + [classes]
        self.layers = layers
        self.reg = reg
        self.bug = bug
        self.params = {}
        for i in range(layers):
            self.params[f"W{i + 1}"] = weight_scale * rng.standard_normal((dims[i], dims[i + 1]))
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])

    def loss(self, X, y=None):
        caches = []
        a = X
        for i in range(1, self.layers + 1):
            z = a @ self.params[f"W{i}"] + self.params[f"b{i}"]
            caches.append((a, z))
            a = np.maximum(z, 0) if i < self.layers else z
        scores = a
        if y is None:
            return scores
        N = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(N), y].mean()
        loss += 0.5 * self.reg * sum(
            np.sum(self.params[f"W{i}"] ** 2) for i in range(1, self.layers + 1)
        )

        grads = {}
        dz = np.exp(log_probs)
        dz[np.arange(N), y] -= 1
        dz /= N
        for i in range(self.layers, 0, -1):
            a_prev, z = caches[i - 1]
            W = self.params[f"W{i}"]
            dW = a_prev.T @ dz
            if self.bug == "batch_factor" and i == 4:
                dW = dW * N
            grads[f"W{i}"] = dW + (0 if self.bug == "reg_missing" and i == 3 else self.reg * W)
            grads[f"b{i}"] = dz.sum(axis=0)
            if i > 1:
                da = dz @ W.T
                _, z_prev = caches[i - 2]
                skip = self.bug == "skip_mask" and i - 1 == 6
                dz = da if skip else da * (z_prev > 0)
        if self.bug == "swapped":
            grads["b5"], grads["b6"] = grads["b6"], grads["b5"]
        return loss, grads


def data(n=8, input_dim=5, classes=3, seed=1):
    """A batch ``(X, y)``: standard normal inputs, labels in ``range(classes)``."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, input_dim)), rng.integers(0, classes, n)
