"""A container built from a list of layers, ``Sequential(layers)``.

Zoo ``tests/zoo_observed/containers.py`` (our own code). Before: skipped ("layers have no
default and cannot be guessed"), so a container whose backward skips its activations
passed unseen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from zoo_observed import containers as zoo

from gradcheck.targets.layer_lists import layer_list


@pytest.mark.usefixtures("no_shrinking")
def test_the_container_passes_and_its_twins_do_not(cli_results):
    code, results = cli_results(Path(zoo.__file__), "--examples", "4")
    assert code == 1
    assert {n: r["status"] for n, r in results.items()} == {
        "Affine": "passed", "Softplus": "passed", "Sequential": "passed",
        "Sequential_ActivationsSkipped": "failed", "Sequential_LastLayerSkipped": "error"}
    assert results["Sequential"]["checks"][0]["variant"] == \
        "layers=[Affine(4, 3), Softplus(), Affine(3, 2)]"


def test_each_build_gets_fresh_layers():
    from gradcheck.targets.building import constructors

    builds, reason = constructors(zoo.Sequential, None)
    assert reason is None
    a, b = builds[0].build(zoo.Sequential, {}), builds[0].build(zoo.Sequential, {})
    assert a.layers[0] is not b.layers[0] and a.layers[0].W is not b.layers[0].W
    assert repr(layer_list(zoo.Sequential)) == "[Affine(4, 3), Softplus(), Affine(3, 2)]"


class Lonely:
    """A container in a module with no layer classes to give it: no list, a skip."""

    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        return x

    def backward(self, g):
        return g


def test_no_list_without_layer_classes_in_the_module():
    assert layer_list(Lonely) is None
