"""Softmax and categorical cross-entropy fused, for a cheaper backward pass."""

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import float_array
from ._labels import check_labels
from .activations import Activation_Softmax
from .losses import Loss_CategoricalCrossentropy


class Activation_Softmax_Loss_CategoricalCrossentropy:
    """Softmax classifier: softmax activation followed by categorical cross-entropy.

    Chained, the two backward passes collapse to ``(softmax - one_hot(y_true)) / N``,
    with no Jacobian and no division by the probabilities.

    Attributes
    ----------
    activation : Activation_Softmax
    loss : Loss_CategoricalCrossentropy
    output : ndarray, shape (N, C)
        The softmax probabilities, set by `forward`.
    dinputs : ndarray, shape (N, C)
        Gradient of the mean loss with respect to the logits, set by `backward`.

    Examples
    --------
    >>> classifier = Activation_Softmax_Loss_CategoricalCrossentropy()
    >>> round(classifier.forward(np.array([[0.0, 0.0]]), np.array([1])), 4)
    0.6931
    >>> classifier.backward(classifier.output, np.array([1]))
    >>> classifier.dinputs
    array([[ 0.5, -0.5]])
    """

    def __init__(self) -> None:
        self.activation = Activation_Softmax()
        self.loss = Loss_CategoricalCrossentropy()

    def forward(self, inputs: ArrayLike, y_true: ArrayLike) -> float:
        """Set ``self.output = softmax(inputs)`` and return the mean cross-entropy.

        Parameters
        ----------
        inputs : array_like, shape (N, C)
            Logits.
        y_true : array_like, shape (N,) or (N, C)
            Sparse class indices or one-hot rows.

        Returns
        -------
        float
            The mean loss over the batch (the book's cell 39 returned the per-sample
            losses instead).

        Raises
        ------
        ValueError
            If ``y_true`` is not valid labels for ``inputs``.
        """
        self.activation.forward(inputs)
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues: ArrayLike, y_true: ArrayLike) -> None:
        """Set ``dinputs = (dvalues - one_hot(y_true)) / N``.

        Parameters
        ----------
        dvalues : array_like, shape (N, C)
            The softmax probabilities, i.e. ``self.output``: the formula is the gradient
            with respect to the logits only for those. Never modified (the document's
            final version subtracted 1 in place, corrupting ``self.output``).
        y_true : array_like, shape (N,) or (N, C)
            Sparse class indices or one-hot rows.

        Raises
        ------
        ValueError
            If ``y_true`` is not valid labels for ``dvalues``.
        """
        dvalues = np.asarray(dvalues)
        labels = check_labels(y_true, dvalues, y_pred_name="dvalues")
        samples = len(dvalues)
        if labels.ndim == 2:
            labels = np.argmax(labels, axis=1)
        # copy: dvalues is usually self.output, which callers read after backward
        self.dinputs = float_array(dvalues, copy=True)
        self.dinputs[np.arange(samples), labels] -= 1
        # the loss is a mean over samples, so each sample's gradient is divided by N
        self.dinputs /= samples
