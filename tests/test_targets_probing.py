"""Planning: which classes are checked and with what inputs (CheckSpec contents).

In-process on tests/cli_targets/constrained_layers.py, naming_variants.py and
ndim_layers.py (plain numpy, no nnfs.init()). The 2-D layers are also checked end to end
through the CLI here; the N-D and integer-id layers end to end in test_targets_ndim.py.
"""

import json
from pathlib import Path

import pytest

from gradcheck.targets.config import load_config
from gradcheck.targets.discovery import find_classes, load_target, plan_checks

TARGETS = Path(__file__).parent / "cli_targets"


pytestmark = pytest.mark.usefixtures("isolated_imports")


def plans(name):
    target = load_target(str(TARGETS / name))
    config = load_config(target)
    found = find_classes(target)
    return {f.name: (f, plan_checks(f, config) if f.verdict != "ignore" else None)
            for f in found}


# ----------------------------------------------------------------------------- domains
def test_layers_that_reject_negative_inputs_are_fed_positive_ones():
    planned = plans("constrained_layers.py")
    for name in ("Activation_Log", "Activation_Sqrt"):
        (spec,) = planned[name][1].specs
        assert spec.input_domain == "positive", name
        assert spec.variant == "positive inputs"


def test_layers_that_take_any_real_input_are_fed_real_ones():
    (spec,) = plans("constrained_layers.py")["Activation_NaiveSoftmax"][1].specs
    assert spec.input_domain == "real" and spec.input_shape is None


def test_bounded_layers_get_large_magnitudes_and_growing_ones_only_where_finite(tmp_path):
    planned = plans("constrained_layers.py")
    # the naive softmax overflows at 1000 but its outputs are bounded: a range finding with
    # its threshold (issue 24), its gradients checked below it
    naive = planned["Activation_NaiveSoftmax"][1].specs[0]
    assert naive.max_magnitude is None
    assert "not finite (inf or nan) for inputs of magnitude" in naive.range_finding
    # the twin: the shifted softmax stays finite, is fed large inputs, no range finding
    shifted = planned["Activation_Softmax"][1].specs[0]
    assert shifted.max_magnitude == 1e3 and shifted.range_finding is None
    (tmp_path / "gc_exp.py").write_text(
        "import numpy as np\nclass Activation_Exp:\n"
        "    def forward(self, inputs):\n        self.output = np.exp(inputs)\n"
        "    def backward(self, dvalues):\n        self.dinputs = dvalues * self.output\n")
    target = load_target(str(tmp_path / "gc_exp.py"))
    (found,) = find_classes(target)
    (spec,) = plan_checks(found, {}).specs
    assert spec.max_magnitude is None  # exp(1000) is inf, legitimately



def test_regression_losses_get_large_magnitudes_and_bounded_losses_do_not():
    # squared/absolute/log-cosh errors stay finite at 1e3: some examples are that large
    for name, (_, planned) in plans("regression_losses.py").items():
        assert {s.max_magnitude for s in planned.specs} == {1e3}, name
    book = plans("losses.py")
    assert {s.max_magnitude for s in book["Loss_MeanSquaredError"][1].specs} == {1e3}
    # predictions that are probabilities or in (0, 1) are bounded: never scaled up
    for name in ("Loss_CategoricalCrossentropy", "Loss_BinaryCrossentropy"):
        assert {s.max_magnitude for s in book[name][1].specs} == {None}, name


def test_a_loss_that_overflows_on_large_errors_is_fed_only_moderate_ones(tmp_path):
    (tmp_path / "gc_exp_loss.py").write_text(
        "import numpy as np\nclass Loss_ExpError:\n"
        "    def forward(self, y_pred, y_true):\n"
        "        return np.mean(np.exp(y_pred - y_true), axis=-1)\n"
        "    def backward(self, dvalues, y_true):\n"
        "        self.dinputs = np.exp(dvalues - y_true) / dvalues.size\n")
    target = load_target(str(tmp_path / "gc_exp_loss.py"))
    (found,) = find_classes(target)
    specs = plan_checks(found, {}).specs
    assert specs and {s.max_magnitude for s in specs} == {None}  # exp(2000) is inf


# ----------------------------------------------------------------------------- widths
def test_a_pooling_layer_is_fed_the_even_width_it_takes():
    (spec,) = plans("constrained_layers.py")["Layer_MaxPool1D"][1].specs
    assert spec.input_width is not None and spec.input_width % 2 == 0


def test_a_flattened_convolution_is_fed_channels_times_length():
    (spec,) = plans("constrained_layers.py")["Layer_Conv1D"][1].specs
    channels = spec.build.fixed["in_channels"]
    assert spec.build.sizes == []  # the sizes probed are kept: the width depends on them
    assert spec.input_width % channels == 0
    assert spec.input_width // channels >= spec.build.fixed["kernel_size"]


def test_a_dim_argument_is_read_as_an_axis_when_that_works():
    (spec,) = plans("constrained_layers.py")["Activation_Softmax"][1].specs
    assert spec.build.fixed == {"dim": -1} and "(an axis)" in spec.variant


def test_a_dim_argument_that_is_a_size_stays_a_size(tmp_path):
    (tmp_path / "gc_norm.py").write_text(
        "import numpy as np\nclass Layer_Scale:\n"
        "    def __init__(self, dim):\n        self.gamma = np.ones(dim)\n"
        "    def forward(self, inputs):\n        self.inputs = inputs\n"
        "        self.output = inputs * self.gamma\n"
        "    def backward(self, dvalues):\n"
        "        self.dgamma = np.sum(dvalues * self.inputs, axis=0)\n"
        "        self.dinputs = dvalues * self.gamma\n")
    (found,) = find_classes(load_target(str(tmp_path / "gc_norm.py")))
    (spec,) = plan_checks(found, {}).specs
    assert spec.build.sizes == ["dim"] and spec.build.input_size == "dim"
    assert spec.params == ["gamma"]


def test_template_base_classes_are_ignored_with_the_reason():
    found, planned = plans("constrained_layers.py")["Layer"]
    assert found.verdict == "ignore" and planned is None
    assert found.template and "a template" in found.reason


def test_a_base_class_whose_forward_does_nothing_is_ignored_but_a_real_one_is_checked(
        tmp_path):
    (tmp_path / "gc_bases.py").write_text(
        "class Base:\n    def forward(self, inputs):\n        pass\n"
        "    def backward(self, dvalues):\n        self.dinputs = dvalues\n"
        "class Identity(Base):\n    def forward(self, inputs):\n        self.output = inputs\n"
        "class Twice(Identity):\n    def backward(self, dvalues):\n"
        "        self.dinputs = 2 * dvalues\n")
    found = {f.name: f for f in find_classes(load_target(str(tmp_path / "gc_bases.py")))}
    assert found["Base"].verdict == "ignore" and "base class (of Identity" in found["Base"].reason
    assert found["Identity"].verdict == "check"  # subclassed, but it does something
    assert found["Twice"].verdict == "check"


# ----------------------------------------------------------------------------- N-D and ids
def test_a_2d_convolution_is_fed_images_with_its_channels():
    (spec,) = plans("ndim_layers.py")["Layer_Conv2D"][1].specs
    channels, kernel = spec.build.fixed["in_channels"], spec.build.fixed["kernel_size"]
    c, h, w = spec.input_shape
    assert c == channels and h >= kernel and w >= kernel
    assert spec.params == ["weights", "biases"]


def test_an_embedding_is_fed_ids_below_its_vocabulary():
    (spec,) = plans("ndim_layers.py")["Layer_Embedding"][1].specs
    assert spec.input_domain == "ids"
    assert spec.input_high == spec.build.fixed["vocab_size"]
    assert "integer ids below" in spec.variant


# ----------------------------------------------------------------------------- names
def test_other_spellings_of_the_protocol_are_checked_not_ignored():
    planned = plans("naming_variants.py")
    assert all(f.verdict == "check" for f, _ in planned.values())
    assert all(p.status == "check" for _, p in planned.values())
    assert planned["Layer_Outputs"][1].specs[0].params == ["weights", "biases"]
    assert planned["Layer_CamelCase"][1].specs[0].params == ["weights", "biases"]
    for name in ("Layer_Dropout_Private", "Layer_Dropout_IsTrain"):
        assert planned[name][0].training and planned[name][1].specs[0].training


def test_regularizer_spellings_get_a_regularized_build():
    (plain, regularized) = plans("naming_variants.py")["Layer_Dense_Regulariser"][1].specs
    assert regularized.build.fixed == {"weight_regulariser_l2": 0.1, "weights_L1": 0.1}
    assert plain.build.fixed == {}


def test_a_fused_sigmoid_loss_is_fed_binary_targets_not_classes():
    (spec,) = plans("naming_variants.py")["Activation_Sigmoid_Loss_BinaryCrossentropy"][1].specs
    assert spec.kind == "fused" and spec.labels == "binary"


def test_a_loss_whose_backward_takes_optional_labels_is_checked_as_a_loss():
    import numpy as np

    from gradcheck.targets.discovery import classify

    class Loss_MSE:
        def forward(self, y_pred, y_true):
            return np.mean((y_true - y_pred) ** 2, axis=-1)

        def backward(self, dvalues, y_true=None):
            self.dinputs = -2 * (y_true - dvalues) / dvalues.size

    found = classify(Loss_MSE, "Loss_MSE", __name__)
    assert (found.kind, found.verdict) == ("loss", "check")
    assert plan_checks(found, {}).status == "check"


# ----------------------------------------------------------------------------- end to end
def test_constrained_2d_layers_are_checked_and_the_overflow_is_a_range_finding(tmp_path,
                                                                              gradcheck_cli):
    run = gradcheck_cli(TARGETS / "constrained_layers.py", "--examples", "10", "-q", "--json",
                        "report.json", cwd=tmp_path)
    document = json.loads((tmp_path / "report.json").read_text())
    statuses = {r["name"]: r["status"] for r in document["results"]}
    # the naive softmax's overflow is a range finding, apart from its (right) gradients:
    # it fails the run only under --strict (issue 24, part 6)
    assert statuses == {"Activation_Log": "passed", "Activation_Sqrt": "passed",
                        "Layer_MaxPool1D": "passed", "Activation_Softmax": "passed",
                        "Activation_NaiveSoftmax": "passed", "Layer_Conv1D": "passed"}
    assert run.returncode == 0, run.stdout + run.stderr
    naive = next(r for r in document["results"] if r["name"] == "Activation_NaiveSoftmax")
    assert "not finite" in naive["checks"][0]["range_finding"]
    assert document["unchecked"] == []  # the template base class is not "unchecked"
