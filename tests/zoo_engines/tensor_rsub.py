"""Twin of ``tensor_ok``: ``__rsub__`` computes ``self - other``: ``2 - A`` gives ``A - 2``.

Its backward agrees with its (wrong) forward; the forward differs from NumPy's.
"""

from . import tensor_ok


class Tensor(tensor_ok.Tensor):
    def __rsub__(self, other):
        return self - other  # BUG: the operands of a reflected operation swapped
