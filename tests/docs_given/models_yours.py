"""Given for docs/models.md's three calls: a CS231n model, the book's ``Model`` and a loss
over a dict of parameters, all correct.

``model`` is the ``FullyConnectedNet`` of ``tests/zoo_networks/cs231n_assignment`` (built
as the course's gradient-check cell builds it), ``book_model`` the classifier of
``tests/zoo_models/book_model.py``; both take ``X`` with 4 features and 3 classes.
``loss``, ``grads`` and ``params`` are ``tests/zoo_models/dict_network.py``'s
deeplearning.ai layout, on its own data.
"""

import sys
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "zoo_networks" / "cs231n_assignment"))
sys.path.insert(0, str(TESTS))
# another test may have left another `cs231n` package loaded (the suite holds several):
# this one must be imported afresh (the sandbox's isolated_imports puts sys.modules back)
for _name in [n for n in sys.modules if n == "cs231n" or n.startswith("cs231n.")]:
    del sys.modules[_name]

from cs231n.classifiers.fc_net import FullyConnectedNet  # noqa: E402
from zoo_models import dict_network  # noqa: E402
from zoo_models.book_model import classifier  # noqa: E402

X, y = np.random.default_rng(0).normal(size=(8, 4)), np.arange(8) % 3
model = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, reg=0.1,
                          weight_scale=5e-2, dtype=np.float64, seed=0)
book_model = classifier()

_X, _Y = dict_network.data()
params = dict_network.initial_parameters()


def loss(params):
    return dict_network.forward_propagation(_X, _Y, params)[0]


def grads(params):
    cache = dict_network.forward_propagation(_X, _Y, params)[1]
    return dict_network.backward_propagation(_X, _Y, params, cache)
