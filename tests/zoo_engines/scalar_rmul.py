"""Twin of ``scalar_ok``: ``__rmul__`` builds a new value outside the graph.

``2.0 * a`` gives ``a`` no gradient.
"""

from . import scalar_ok


class Scalar(scalar_ok.Scalar):
    def __rmul__(self, other):
        return Scalar(other * self.data)  # BUG: a new leaf, not a node over self
