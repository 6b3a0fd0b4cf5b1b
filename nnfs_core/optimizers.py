"""Stochastic gradient descent."""

from typing import Any


class Optimizer_SGD:
    """Plain gradient descent: ``param += -learning_rate * dparam``.

    Parameters
    ----------
    learning_rate : float, default 1.0
        Step size (the book's default).

    Examples
    --------
    >>> import numpy as np
    >>> from nnfs_core import Layer_Dense
    >>> layer = Layer_Dense(1, 1)
    >>> layer.dweights, layer.dbiases = np.ones((1, 1)), np.ones((1, 1))
    >>> Optimizer_SGD(learning_rate=0.5).update_params(layer)
    >>> layer.biases
    array([[-0.5]])
    """

    def __init__(self, learning_rate: float = 1.0) -> None:
        self.learning_rate = learning_rate

    def update_params(self, layer: Any) -> None:
        """Step ``layer.weights`` and ``layer.biases`` against their gradients, in place.

        Parameters
        ----------
        layer : Layer_Dense or any object with ``weights``, ``biases``, ``dweights`` and
            ``dbiases``
            Its `backward` must have run.
        """
        # minus: the gradient points uphill and we want the loss to go down
        layer.weights += -self.learning_rate * layer.dweights
        layer.biases += -self.learning_rate * layer.dbiases
