"""Discovery: which classes a target defines, how to build them, what data they accept.

In-process on plain-numpy targets (tests/cli_targets/mixed.py, losses.py): none of them
calls nnfs.init(), and the fixture below undoes the sys.path / sys.modules changes.
"""

import sys
from pathlib import Path

import pytest

from gradcheck.targets.config import load_config
from gradcheck.targets.discovery import (
    REGULARIZER_STRENGTH,
    TargetError,
    constructors,
    find_classes,
    load_target,
    plan_checks,
)

TARGETS = Path(__file__).parent / "cli_targets"


pytestmark = pytest.mark.usefixtures("isolated_imports")


def discovered(name):
    target = load_target(str(TARGETS / name))
    config = load_config(target)
    return {f.name: f for f in find_classes(target)}, config


def test_only_classes_defined_in_the_target_are_found():
    found, _ = discovered("mixed.py")
    assert "Activation_Imported" not in found  # imported from _shared, not defined
    assert {"Activation_Tanh", "Layer_Scale", "Network", "Optimizer_Plain"} <= set(found)


def test_layers_losses_and_fused_classes_are_told_apart_by_signature():
    found, _ = discovered("losses.py")
    kinds = {name: (f.kind, f.verdict) for name, f in found.items()}
    assert kinds["Loss_MeanSquaredError"] == ("loss", "check")
    assert kinds["Activation_Softmax_Loss_CategoricalCrossentropy"] == ("fused", "check")
    found, _ = discovered("mixed.py")
    assert (found["Activation_Tanh"].kind, found["Activation_Tanh"].verdict) == ("layer", "check")


def test_optimizers_and_models_are_ignored_and_half_protocols_skipped():
    found, _ = discovered("mixed.py")
    assert found["Optimizer_Plain"].verdict == "ignore"
    assert found["Network"].verdict == "ignore"
    assert "different protocols" in found["Network"].reason
    assert found["Layer_Base"].verdict == "skip"
    assert "no backward" in found["Layer_Base"].reason


def test_size_arguments_are_generated_and_the_input_size_is_found_by_name():
    found, config = discovered("mixed.py")
    planned = plan_checks(found["Layer_Linear"], config)
    assert planned.status == "check"
    (spec,) = planned.specs
    assert spec.build.sizes == ["out_features", "in_features"]
    assert spec.build.input_size == "in_features"
    assert set(spec.params) == {"weights", "biases"}


def test_size_roles_fall_back_to_trying_when_names_do_not_say():
    class Layer_Odd:
        def __init__(self, n_a, n_b):
            self.weights = __import__("numpy").ones((n_b, n_a))

        def forward(self, inputs):
            self.output = inputs @ self.weights

        def backward(self, dvalues):
            self.dweights = 0 * self.weights
            self.dinputs = dvalues @ self.weights.T

    from gradcheck.targets.discovery import classify

    planned = plan_checks(classify(Layer_Odd, "Layer_Odd", __name__), {})
    assert planned.status == "check"
    assert planned.specs[0].build.input_size == "n_b"


def test_arguments_given_in_the_module_are_used_and_unknown_ones_skip_with_the_reason():
    found, config = discovered("mixed.py")
    assert config["Layer_Scale"] == [{"factor": 3.0}]
    assert plan_checks(found["Layer_Scale"], config).specs[0].build.fixed == {"factor": 3.0}
    skipped = plan_checks(found["Layer_Mystery"], config)
    assert skipped.status == "skip"
    assert "mystery" in skipped.reason and "GRADCHECK_ARGS" in skipped.reason


def test_arguments_given_in_pyproject_are_found_walking_up_from_the_target(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.gradcheck.args.Layer_Gain]\ngain = 2.5\n"
    )
    package = tmp_path / "src"
    package.mkdir()
    (package / "gc_pyproject_layers.py").write_text(
        "class Layer_Gain:\n"
        "    def __init__(self, gain):\n        self.gain = gain\n"
        "    def forward(self, inputs):\n        self.output = self.gain * inputs\n"
        "    def backward(self, dvalues):\n        self.dinputs = self.gain * dvalues\n"
    )
    target = load_target(str(package / "gc_pyproject_layers.py"))
    config = load_config(target)
    assert config == {"Layer_Gain": [{"gain": 2.5}]}
    (found,) = find_classes(target)
    assert plan_checks(found, config).specs[0].build.fixed == {"gain": 2.5}


def test_a_malformed_config_is_a_usage_error(tmp_path):
    (tmp_path / "gc_bad_config.py").write_text('GRADCHECK_ARGS = {"Layer_X": 0.1}\n')
    target = load_target(str(tmp_path / "gc_bad_config.py"))
    with pytest.raises(TargetError, match=r"GRADCHECK_ARGS\['Layer_X'\] must be a dict"):
        load_config(target)


def test_regularizer_arguments_keep_their_defaults_and_add_a_regularized_build():
    class Layer_Reg:
        def __init__(self, n_inputs, n_neurons, weight_regularizer_l2=0, bias_regularizer_l1=0):
            pass

    builds, reason = constructors(Layer_Reg, None)
    assert reason is None
    assert [b.fixed for b in builds] == [
        {},
        {"weight_regularizer_l2": REGULARIZER_STRENGTH,
         "bias_regularizer_l1": REGULARIZER_STRENGTH},
    ]
    assert all(b.sizes == ["n_inputs", "n_neurons"] for b in builds)


def test_a_dropout_rate_is_guessed_and_shown():
    class Layer_Dropout:
        def __init__(self, rate):
            self.rate = 1 - rate

    (build,), reason = constructors(Layer_Dropout, None)
    assert reason is None and build.fixed == {"rate": 0.1}
    assert "guessed" in build.label


def test_label_kinds_and_prediction_domains_are_found_by_trying():
    found, config = discovered("losses.py")

    def kinds(name):
        return [(s.labels, s.domain) for s in plan_checks(found[name], config).specs]

    assert kinds("Loss_CategoricalCrossentropy") == [
        ("sparse", "probabilities"), ("one_hot", "probabilities")]
    assert kinds("Loss_BinaryCrossentropy") == [("binary", "unit"), ("continuous", "unit")]
    assert kinds("Loss_MeanSquaredError") == [("binary", "real"), ("continuous", "real")]
    assert kinds("Activation_Softmax_Loss_CategoricalCrossentropy") == [
        ("sparse", "real"), ("one_hot", "real")]


def test_a_loss_that_rejects_sparse_labels_is_not_fed_them():
    import numpy as np

    class Loss_OneHotOnly:
        def forward(self, y_pred, y_true):
            if y_true.ndim != 2 or not np.all(y_true.sum(axis=1) == 1):
                raise ValueError("one-hot labels only")
            return -np.sum(y_true * np.log(y_pred), axis=1)

        def backward(self, dvalues, y_true):
            self.dinputs = -y_true / dvalues / len(dvalues)

    from gradcheck.targets.discovery import classify

    planned = plan_checks(classify(Loss_OneHotOnly, "Loss_OneHotOnly", __name__), {})
    assert [(s.labels, s.domain) for s in planned.specs] == [("one_hot", "probabilities")]


def test_a_backward_only_fused_class_is_checked_against_softmax_then_crossentropy():
    found, config = discovered("losses.py")
    planned = plan_checks(
        found["Activation_Softmax_Loss_CategoricalCrossentropy_BackwardOnly"], config)
    assert planned.status == "check"
    assert [s.labels for s in planned.specs] == ["sparse", "one_hot"]
    assert all(s.backward_only for s in planned.specs)


def test_a_constructor_that_raises_is_the_class_error_not_a_crash():
    class Layer_Broken:
        def __init__(self):
            raise RuntimeError("cannot build me")

        def forward(self, inputs):
            self.output = inputs

        def backward(self, dvalues):
            self.dinputs = dvalues

    from gradcheck.targets.discovery import classify

    planned = plan_checks(classify(Layer_Broken, "Layer_Broken", __name__), {})
    assert planned.status == "error"
    assert "RuntimeError: cannot build me" in planned.reason


def test_a_file_named_like_a_stdlib_module_is_checked_without_replacing_it(tmp_path):
    import random

    (tmp_path / "random.py").write_text(
        "class Activation_Identity:\n"
        "    def forward(self, inputs):\n        self.output = inputs\n"
        "    def backward(self, dvalues):\n        self.dinputs = dvalues\n"
    )
    target = load_target(str(tmp_path / "random.py"))
    assert [f.name for f in find_classes(target)] == ["Activation_Identity"]
    assert sys.modules["random"] is random


def test_a_copy_of_an_imported_package_is_imported_from_the_copy(tmp_path):
    import shutil

    import nnfs_core

    copy = tmp_path / "nnfs_core"
    shutil.copytree(Path(nnfs_core.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "extra.py").write_text(
        "class Activation_OnlyInTheCopy:\n"
        "    def forward(self, inputs):\n        self.output = inputs\n"
        "    def backward(self, dvalues):\n        self.dinputs = dvalues\n"
    )
    found = {f.name: f for f in find_classes(load_target(str(copy)))}
    assert "Activation_OnlyInTheCopy" in found
    assert Path(sys.modules["nnfs_core"].__file__).parent == copy
