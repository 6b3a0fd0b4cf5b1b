"""Two-layer networks written as functions of their weight matrices (our own code).

Each returns the loss and its gradients: as a dict (CS231n's ``grads``), or as a tuple.
Arguments are named as the course names them: ``X`` (N, D), ``y`` labels, ``W1`` (D, H),
``b1`` (H,), ``W2`` (H, C), ``b2`` (C,), ``reg``.
"""
import numpy as np


def _softmax_loss(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    n = scores.shape[0]
    loss = -np.log(probs[np.arange(n), y]).mean()
    dscores = probs.copy()
    dscores[np.arange(n), y] -= 1
    return loss, dscores / n


def two_layer_loss(X, y, W1, b1, W2, b2, reg):
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    loss, dscores = _softmax_loss(scores, y)
    loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    grads = {}
    grads["W2"] = hidden.T.dot(dscores) + 2 * reg * W2
    grads["b2"] = dscores.sum(axis=0)
    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0
    grads["W1"] = X.T.dot(dhidden) + 2 * reg * W1
    grads["b1"] = dhidden.sum(axis=0)
    return loss, grads


def tanh_net_loss(X, y, W1, b1, W2, b2):
    hidden = np.tanh(X @ W1 + b1)
    scores = hidden @ W2 + b2
    loss, dscores = _softmax_loss(scores, y)
    dW2 = hidden.T @ dscores
    db2 = dscores.sum(axis=0)
    dz = (dscores @ W2.T) * (1 - hidden ** 2)
    dW1 = X.T @ dz
    db1 = dz.sum(axis=0)
    return loss, dW1, db1, dW2, db2


def forward(X, W1, b1, W2, b2):
    """A regression network's forward pass, returning the loss and a dict literal."""
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    loss = 0.5 * np.sum(out ** 2)
    dh = out @ W2.T * (1 - h ** 2)
    return loss, {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ out,
                  "b2": out.sum(axis=0)}
