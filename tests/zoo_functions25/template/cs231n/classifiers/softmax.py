import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss function, naive implementation (with loops)."""
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: Compute the softmax loss and its gradient using explicit loops.
    pass
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss function, vectorized version."""
    pass
