"""The document's layers, correct and book-compatible (NNFS chapter 9, backpropagation).

Each class follows the NNFS protocol: ``forward`` sets ``self.output``; ``backward`` sets
``self.dinputs`` and ``self.dweights`` / ``self.dbiases``. ``python -m nnfs_core`` trains
the document's spiral classifier.
"""

from .activations import Activation_ReLU, Activation_Softmax
from .layers import Layer_Dense
from .losses import Loss, Loss_CategoricalCrossentropy
from .optimizers import Optimizer_SGD
from .softmax_loss import Activation_Softmax_Loss_CategoricalCrossentropy

__all__ = [
    "Activation_ReLU",
    "Activation_Softmax",
    "Activation_Softmax_Loss_CategoricalCrossentropy",
    "Layer_Dense",
    "Loss",
    "Loss_CategoricalCrossentropy",
    "Optimizer_SGD",
]
