"""Twin of ``tensor_ok``: ``__add__``'s backward assigns the gradient instead of adding it.

Seen only when a tensor is used twice (``A + A``, ``(A + B) * A``).
"""

from . import tensor_ok
from .tensor_ok import unbroadcast


class Tensor(tensor_ok.Tensor):
    def __add__(self, other):
        other = self._lift(other)
        out = Tensor(self.data + other.data, (self, other))

        def backward():
            self.grad = unbroadcast(out.grad, self.data.shape)  # BUG: = instead of +=
            other.grad = unbroadcast(out.grad, other.data.shape)

        out._backward = backward
        return out
