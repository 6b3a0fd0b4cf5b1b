"""Twin of ``tensor_ok``: indexing's backward writes with ``+=`` on a fancy index.

``full[[1, 1, 3]] += g`` adds only one of the two contributions to element 1
(``np.add.at`` adds both).
"""

import numpy as np

from . import tensor_ok


class Tensor(tensor_ok.Tensor):
    def __getitem__(self, index):
        def local(g):
            full = np.zeros_like(self.data)
            full[index] += g  # BUG: repeated indices get one contribution
            return (full,)

        return self._node(self.data[index], (self,), local)
