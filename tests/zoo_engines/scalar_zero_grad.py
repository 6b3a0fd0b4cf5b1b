"""Twin of ``scalar_ok`` with a ``zero_grad()`` that resets the nodes below a value only.

On a leaf it resets nothing: after ``zero_grad()`` the next ``backward()`` adds to the old
gradient.
"""

from . import scalar_ok


class Scalar(scalar_ok.Scalar):
    def zero_grad(self):
        for parent in self._parents:  # BUG: self.grad is never reset
            parent.grad = 0.0
            parent.zero_grad()
