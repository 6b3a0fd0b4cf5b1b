"""A correct tensor engine computing in float32 (``tensor_ok`` with float32 data and grads).

Its gradients are right to float32 precision: the check's tolerances follow float32.
"""

import numpy as np

from . import tensor_ok


class Tensor(tensor_ok.Tensor):
    DTYPE = np.float32
