
import numpy as np


def svm_loss_naive(W, X, y, reg):
    """Structured SVM loss function, naive implementation (with loops)."""
    dW = np.zeros(W.shape)  # initialize the gradient as zero
    loss = 0.0
    #############################################################################
    # TODO: Compute the gradient of the loss function and store it dW.          #
    #############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

    pass

    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss function, vectorized implementation."""
    loss = 0.0
    dW = np.zeros(W.shape)  # initialize the gradient as zero
    return loss, dW
