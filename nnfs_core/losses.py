"""Losses: the common ``Loss`` base and categorical cross-entropy."""

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._labels import check_labels

# forward clips probabilities to [EPSILON, 1 - EPSILON]: log(0) would be infinite
EPSILON = 1e-7


class Loss:
    """Common loss: `calculate` averages the per-sample losses of ``self.forward``.

    Subclasses define ``forward(y_pred, y_true)`` returning per-sample losses, shape (N,),
    and ``backward(dvalues, y_true)`` setting ``self.dinputs``, the gradient of the *mean*
    loss.
    """

    # what subclasses define (an annotation only: Loss itself has no forward, so it is
    # never mistaken for a checkable loss)
    forward: Callable[[ArrayLike, ArrayLike], np.ndarray]

    def calculate(self, output: ArrayLike, y: ArrayLike) -> float:
        """Return the mean of ``self.forward(output, y)``.

        Parameters
        ----------
        output : array_like, shape (N, C)
            Predictions (for cross-entropy: probabilities).
        y : array_like
            Labels, as accepted by the subclass's ``forward``.

        Returns
        -------
        float
            The data loss.
        """
        sample_losses = self.forward(output, y)
        return float(np.mean(sample_losses))


class Loss_CategoricalCrossentropy(Loss):
    """Categorical cross-entropy: ``-log(y_pred[i, true class of i])`` for each sample.

    Labels ``y_true`` are sparse, shape (N,), integer class indices in ``[0, C)``; or
    one-hot, shape (N, C). Anything else (wrong shape, out-of-range or non-integer class
    indices, rows that are not one-hot) raises ``ValueError`` naming ``y_true``.

    Notes
    -----
    `forward` clips ``y_pred`` to ``[1e-7, 1 - 1e-7]`` as the book does, so a confident
    wrong prediction costs at most ``-log(1e-7) ~= 16.1`` instead of infinity. `backward`,
    like the document's, does **not** clip: it is the gradient of the unclipped loss,
    ``-y_true / y_pred / N``. Inside the clipped region (a true-class probability below
    1e-7 or above 1 - 1e-7) the clipped forward is flat, so a finite-difference check there
    sees 0 where `backward` returns ``-1 / (N * y_pred)``; at ``y_pred == 0`` it returns
    ``-inf`` (with NumPy's divide warning).

    Examples
    --------
    >>> loss = Loss_CategoricalCrossentropy()
    >>> round(loss.calculate(np.array([[0.5, 0.5], [0.9, 0.1]]), np.array([0, 0])), 4)
    0.3993
    """

    def forward(self, y_pred: ArrayLike, y_true: ArrayLike) -> np.ndarray:
        """Return the per-sample losses, shape (N,).

        Parameters
        ----------
        y_pred : array_like, shape (N, C)
            Predicted probabilities (rows of a softmax).
        y_true : array_like, shape (N,) or (N, C)
            Sparse class indices or one-hot rows.

        Returns
        -------
        ndarray, shape (N,)
            ``-log(clip(y_pred)[i, true class])``.

        Raises
        ------
        ValueError
            If ``y_true`` is not valid labels for ``y_pred`` (the message says why).
        """
        y_pred = np.asarray(y_pred)
        y_true = check_labels(y_true, y_pred, y_pred_name="y_pred")
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, EPSILON, 1 - EPSILON)
        if y_true.ndim == 1:
            correct_confidences = y_pred_clipped[np.arange(samples), y_true]
        else:
            correct_confidences = np.sum(y_pred_clipped * y_true, axis=1)
        return -np.log(correct_confidences)

    def backward(self, dvalues: ArrayLike, y_true: ArrayLike) -> None:
        """Set ``dinputs = -y_true / dvalues / N``, the gradient of the mean loss.

        Parameters
        ----------
        dvalues : array_like, shape (N, C)
            The predictions passed to `forward` (the protocol calls ``backward(y_pred,
            y_true)``); not modified.
        y_true : array_like, shape (N,) or (N, C)
            Sparse class indices or one-hot rows.

        Raises
        ------
        ValueError
            If ``y_true`` is not valid labels for ``dvalues``.

        Notes
        -----
        Not clipped (see the class Notes): a zero true-class probability gives ``-inf``.
        """
        dvalues = np.asarray(dvalues)
        y_true = check_labels(y_true, dvalues, y_pred_name="dvalues")
        samples, labels = dvalues.shape
        if y_true.ndim == 1:
            y_true = np.eye(labels)[y_true]
        # d(-log p_true)/dp = -1/p on the true class, 0 elsewhere; divide before negating,
        # as -y_true would wrap around for unsigned one-hot labels and fail for booleans
        self.dinputs = -(y_true / dvalues)
        # the loss is a mean over samples, so each sample's gradient is divided by N
        self.dinputs = self.dinputs / samples
