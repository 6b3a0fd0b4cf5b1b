"""Twin of ``scalar_ok``: the derivative of ``x ** k`` loses its parentheses: ``k * x ** k - 1``."""

from . import scalar_ok


class Scalar(scalar_ok.Scalar):
    def __pow__(self, k):
        if isinstance(k, Scalar):
            return (self.log() * k).exp()
        # BUG: k * x ** k - 1 is not k * x ** (k - 1)
        return self._node(self.data ** k, (self,), "**", lambda: (k * self.data ** k - 1,))
