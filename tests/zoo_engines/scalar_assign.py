"""Twin of ``scalar_ok``: ``__mul__``'s backward assigns the gradient instead of adding it.

Seen only when a node is used twice (``a * a``, ``a * b + a``).
"""

from . import scalar_ok


class Scalar(scalar_ok.Scalar):
    def __mul__(self, other):
        other = self._lift(other)
        out = Scalar(self.data * other.data, (self, other), "*")

        def backward():
            self.grad = other.data * out.grad  # BUG: = instead of +=
            other.grad = self.data * out.grad

        out._backward = backward
        return out
