"""Activation functions: ReLU and softmax."""

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import upstream


class Activation_ReLU:
    """Rectified linear unit: ``output = max(0, inputs)``, elementwise.

    Attributes
    ----------
    output : ndarray
        Set by `forward`; same dtype as the inputs (integers stay integers).
    dinputs : ndarray
        Set by `backward`; always floating point.

    Notes
    -----
    At exactly ``inputs == 0`` ReLU has no derivative; like the book, `backward` uses 0
    there (any value in ``[0, 1]`` is a valid subgradient).
    """

    def forward(self, inputs: ArrayLike) -> None:
        """Set ``self.output = np.maximum(0, inputs)``.

        Parameters
        ----------
        inputs : array_like
            Any shape; integer arrays are fine. Kept as ``self.inputs`` for the mask.
        """
        self.inputs = np.asarray(inputs)
        # np.maximum is elementwise; the document's np.max(0, x) reads x as an axis
        self.output = np.maximum(0, self.inputs)

    def backward(self, dvalues: ArrayLike) -> None:
        """Set ``dinputs = dvalues`` where ``inputs > 0``, else 0.

        Parameters
        ----------
        dvalues : array_like
            Gradient with respect to ``self.output``; not modified.
        """
        # local derivative: 1 where the input passed through, 0 where ReLU cut it (and at 0);
        # for finite dvalues the book's copy-then-zero, several times faster than a masked copy
        self.dinputs = upstream(dvalues, self.inputs) * (self.inputs > 0)


class Activation_Softmax:
    """Softmax over each row: ``output[i, j] = exp(x[i, j]) / sum_k exp(x[i, k])``.

    `backward` is vectorized; `backward_jacobian` is the document's per-sample Jacobian
    loop. Both compute the same ``dinputs``.

    Examples
    --------
    >>> softmax = Activation_Softmax()
    >>> softmax.forward([[1.0, 1.0]])
    >>> softmax.output
    array([[0.5, 0.5]])
    """

    def forward(self, inputs: ArrayLike) -> None:
        """Set ``self.output`` to the row-wise softmax of ``inputs``, shape (N, C).

        Parameters
        ----------
        inputs : array_like, shape (N, C)
            Logits; integer arrays are fine.
        """
        self.inputs = np.asarray(inputs)
        # subtract the row max: softmax is shift-invariant and exp cannot overflow
        exp_values = np.exp(self.inputs - np.max(self.inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)

    def backward(self, dvalues: ArrayLike) -> None:
        """Set ``dinputs = probs * (dvalues - sum(dvalues * probs, axis=1))``.

        This is the Jacobian-vector product of `backward_jacobian` without building the
        ``(C, C)`` Jacobians: ``J = diag(p) - p p^T``, so
        ``J @ d = p * d - p * (p . d)``.

        Parameters
        ----------
        dvalues : array_like, shape (N, C)
            Gradient with respect to ``self.output``; not modified.
        """
        dvalues = upstream(dvalues, self.output)
        probs = self.output
        self.dinputs = probs * (dvalues - np.sum(dvalues * probs, axis=1, keepdims=True))

    def backward_jacobian(self, dvalues: ArrayLike) -> None:
        """Set ``dinputs`` with the document's loop: one Jacobian matrix per sample.

        Slower than `backward` (a Python loop and an ``(C, C)`` matrix per sample); kept
        because it is the derivation the book teaches, and tested equal to `backward`.

        Parameters
        ----------
        dvalues : array_like, shape (N, C)
            Gradient with respect to ``self.output``; not modified.
        """
        dvalues = upstream(dvalues, self.output)
        # a float array: np.empty_like(dvalues) would truncate for integer dvalues
        self.dinputs = np.empty(dvalues.shape, dtype=np.result_type(self.output, dvalues))
        rows = zip(self.output, dvalues, strict=True)
        for index, (single_output, single_dvalues) in enumerate(rows):
            single_output = single_output.reshape(-1, 1)
            # d softmax_i / d x_j = p_i (delta_ij - p_j)
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)
