"""Twin of ``scalar_ok``: ``tanh``'s backward forgets the upstream gradient.

Right when ``tanh`` is the output (``out.grad == 1``), wrong inside an expression.
"""

import math

from . import scalar_ok


class Scalar(scalar_ok.Scalar):
    def tanh(self):
        t = math.tanh(self.data)
        out = Scalar(t, (self,), "tanh")

        def backward():
            self.grad += 1.0 - t * t  # BUG: not multiplied by out.grad

        out._backward = backward
        return out
