
import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Bug: the regularization gradient lacks the factor 2 (loss has reg * sum(W * W))."""
    loss = 0.0
    dW = np.zeros_like(W)
    num_train, num_classes = X.shape[0], W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss -= np.log(probs[y[i]])
        for j in range(num_classes):
            dW[:, j] += (probs[j] - (j == y[i])) * X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """Bug: the gradient's probabilities are normalized over the wrong axis."""
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    loss = -np.log(exp[np.arange(num_train), y] / exp.sum(axis=1)).mean() \
        + reg * np.sum(W * W)
    probs = exp / exp.sum(axis=0, keepdims=True)
    probs[np.arange(num_train), y] -= 1
    dW = X.T.dot(probs) / num_train + 2 * reg * W
    return loss, dW
