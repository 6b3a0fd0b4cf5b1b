"""The fully connected layer."""

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import upstream


class Layer_Dense:
    """A fully connected layer: ``output = inputs @ weights + biases``.

    Parameters
    ----------
    n_inputs : int
        Number of input features (rows of ``weights``).
    n_neurons : int
        Number of neurons (columns of ``weights``, length of ``biases``).
    rng : numpy.random.Generator, optional
        Source of the initial weights, for reproducible runs. Without it the layer draws
        from the global ``np.random``, as the book does (so ``nnfs.init()``'s seeding and
        float32 patch apply).

    Attributes
    ----------
    weights : ndarray, shape (n_inputs, n_neurons)
        ``0.01 * standard normal``: small, so the first outputs are near zero.
    biases : ndarray, shape (1, n_neurons)
        Zeros.
    output : ndarray, shape (N, n_neurons)
        Set by `forward`.
    dweights, dbiases, dinputs : ndarray
        Set by `backward`: gradients of the same shapes as ``weights``, ``biases`` and
        the inputs, always floating point.

    Examples
    --------
    >>> layer = Layer_Dense(2, 3, rng=np.random.default_rng(0))
    >>> layer.forward([[1, 2]])
    >>> layer.output.shape
    (1, 3)
    """

    def __init__(
        self, n_inputs: int, n_neurons: int, *, rng: np.random.Generator | None = None
    ) -> None:
        for name, size in (("n_inputs", n_inputs), ("n_neurons", n_neurons)):
            if isinstance(size, bool) or not isinstance(size, Integral) or size < 1:
                raise ValueError(f"{name} must be a positive integer, got {size!r}")
        shape = (int(n_inputs), int(n_neurons))
        normal = np.random.randn(*shape) if rng is None else rng.standard_normal(shape)
        self.weights = 0.01 * normal
        self.biases = np.zeros((1, shape[1]))

    def forward(self, inputs: ArrayLike) -> None:
        """Set ``self.output = inputs @ weights + biases``.

        Parameters
        ----------
        inputs : array_like, shape (N, n_inputs)
            Integer arrays are fine (the output is floating, from the float weights).
            Kept as ``self.inputs`` (not copied): `backward` needs it for ``dweights``.
        """
        self.inputs = np.asarray(inputs)
        self.output = np.dot(self.inputs, self.weights) + self.biases

    def backward(self, dvalues: ArrayLike) -> None:
        """Set ``dweights``, ``dbiases`` and ``dinputs`` from ``dvalues = dL/d(output)``.

        Parameters
        ----------
        dvalues : array_like, shape (N, n_neurons)
            Gradient of a scalar with respect to ``self.output``; not modified.
        """
        dvalues = upstream(dvalues, self.output)
        # each weight's local derivative is the input it multiplies
        self.dweights = np.dot(self.inputs.T, dvalues)
        # a bias adds to every sample, so its gradient sums over the batch
        # (the document's cell 25 stored this as self.bias, leaving dbiases unset)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        # each input's local derivative is the weight it meets
        self.dinputs = np.dot(dvalues, self.weights.T)
