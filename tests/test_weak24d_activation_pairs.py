"""``ActivationLayer(activation, activation_prime)`` whose pair lives in another module.

``tests/zoo_weak24d/activation_modules/``: ``activations.py`` holds ``tanh`` and
``tanh_prime``; ``layers.py`` (imports nothing, wired by ``network.py``),
``layer_file.py`` (``from activations import tanh, tanh_prime``) and
``module_import.py`` (``import activations``) define layers taking the pair, each with a
twin that calls the derivative on the wrong array. Built with the folder's pair, each
correct layer passes and each twin fails, through ``check_layer`` and ``gradcheck``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from weak24d_helpers import cli_document, verdicts

from gradcheck import check_layer
from gradcheck.targets.activation_pairs import folder_pairs, verified

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

FOLDER = Path(__file__).parent / "zoo_weak24d" / "activation_modules"
X = np.random.default_rng(4).normal(size=(3, 4))


EXPECTED = {
    "layers": {"ActivationLayer": "passed", "ActivationLayer_Bug": "failed"},
    "layer_file": {"TanhLayer": "passed", "TanhLayer_Bug": "failed"},
    "module_import": {"Activation": "passed", "Activation_Bug": "failed"},
}


def _by_path(name: str):
    """A file of the folder under a name of its own (another test may hold ``layers``)."""
    spec = importlib.util.spec_from_file_location(f"weak24d_{name}", FOLDER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (removed after the test by isolated_imports)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("file", sorted(EXPECTED))
def test_each_file_is_judged_with_the_folders_pair(file, tmp_path, capsys, monkeypatch):
    document = cli_document(str(FOLDER / f"{file}.py"), tmp_path, capsys, monkeypatch)
    assert verdicts(document) == EXPECTED[file]
    for row in document["results"]:
        assert row["checks"][0]["variant"] == "activation=tanh, activation_prime=tanh_prime"


def test_the_api_judges_the_layers_with_the_pair():
    activations, layers = _by_path("activations"), _by_path("layers")
    pair = (activations.tanh, activations.tanh_prime)
    assert check_layer(layers.ActivationLayer(*pair), X,
                       raise_on_failure=False).status.value == "passed"
    assert check_layer(layers.ActivationLayer_Bug(*pair), X,
                       raise_on_failure=False).status.value == "failed"


def test_a_base_whose_subclasses_give_the_functions_gets_no_pair_from_the_folder():
    layers = _by_path("layers")

    class Tanh(layers.ActivationLayer):  # gives the functions: the base is left alone
        __module__ = layers.__name__  # (as if written in layers.py)

        def __init__(self):
            super().__init__(np.tanh, lambda x: 1 - np.tanh(x) ** 2)

    assert folder_pairs(layers.ActivationLayer) == []
    assert Tanh.__subclasses__() == []  # (the twin: a class with no such subclass)
    assert [(p[0], p[2]) for p in folder_pairs(layers.ActivationLayer_Bug)] == [
        ("tanh", "tanh_prime")]


def test_a_pair_that_agrees_numerically_is_preferred_and_scripts_are_not_run(tmp_path):
    (tmp_path / "a_wrong.py").write_text(
        "import numpy as np\n\ndef softsign(x):\n    return x / (1 + np.abs(x))\n\n\n"
        "def softsign_prime(x):\n    return 1 / (1 + np.abs(x))  # not squared\n")
    (tmp_path / "b_right.py").write_text(
        "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n\n\n"
        "def sigmoid_prime(s):\n    return s * (1 - s)  # in terms of the output\n")
    marker = tmp_path / "ran.txt"
    (tmp_path / "script.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    (tmp_path / "pairs_layer.py").write_text(
        "class Layer:\n    def __init__(self, f, f_prime):\n        self.f = f\n")
    sys.path.insert(0, str(tmp_path))
    sys.modules.pop("pairs_layer", None)  # (another test's module of that name)
    layer = importlib.import_module("pairs_layer")  # the file written above

    pairs = folder_pairs(layer.Layer)
    assert [(p[0], p[2]) for p in pairs] == [("sigmoid", "sigmoid_prime"),
                                             ("softsign", "softsign_prime")]
    assert verified(pairs[0][1], pairs[0][3]) and not verified(pairs[1][1], pairs[1][3])
    assert not marker.exists()  # a file with no pair is never loaded, let alone run
