"""Twin of ``scalar_ok``: ``a / b`` written out, the derivative in ``b`` without its minus sign."""

from . import scalar_ok


class Scalar(scalar_ok.Scalar):
    def __truediv__(self, other):
        other = self._lift(other)
        return self._node(self.data / other.data, (self, other), "/",
                          lambda: (1.0 / other.data,
                                   self.data / other.data ** 2))  # BUG: -a / b**2
