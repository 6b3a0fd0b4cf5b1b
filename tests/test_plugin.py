"""``pytest --gradcheck TARGET``: discovered classes become test items (pytester runs)."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy  # noqa: F401 - imported before pytester snapshots sys.modules: numpy cannot load twice
import pytest

pytest_plugins = ["pytester"]

TARGETS = Path(__file__).parent / "cli_targets"

LAYERS = textwrap.dedent(
    """
    import numpy as np

    class Activation_Tanh:
        def forward(self, inputs):
            self.output = np.tanh(inputs)

        def backward(self, dvalues):
            self.dinputs = dvalues * (1 - self.output ** 2)

    class Activation_Doubled:
        def forward(self, inputs):
            self.output = 2 * inputs

        def backward(self, dvalues):
            self.dinputs = dvalues.copy()

    class Layer_Mystery:
        def __init__(self, mystery):
            pass

        def forward(self, inputs):
            self.output = inputs

        def backward(self, dvalues):
            self.dinputs = dvalues

    class Optimizer_SGD:
        def update_params(self, layer):
            pass
    """
)


@pytest.fixture
def layers(pytester):
    pytester.makepyfile(gc_plugin_layers=LAYERS)
    pytester.makepyfile(test_ordinary="def test_ordinary():\n    assert True\n")
    return pytester


def test_each_class_becomes_an_item_that_passes_fails_or_skips(layers):
    result = layers.runpytest("--gradcheck", "gc_plugin_layers.py", "--gradcheck-examples",
                              "5", "-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1, skipped=1)  # test_ordinary passes too
    result.stdout.fnmatch_lines([
        "*gradcheck Activation_Doubled*",
        "*Activation_Doubled (layer) failed: dinputs*missing factor 2*",
        "*SKIPPED*gradcheck: constructor argument(s) mystery*",
    ])
    assert "Optimizer_SGD" not in result.stdout.str()


def test_items_are_named_after_target_and_class_and_carry_the_marker(layers):
    result = layers.runpytest("--gradcheck", "gc_plugin_layers.py", "--gradcheck-examples",
                              "5", "-m", "gradcheck", "-v", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([
        "gc_plugin_layers.py::Activation_Tanh PASSED*",
        "gc_plugin_layers.py::Activation_Doubled FAILED*",
    ])
    assert "test_ordinary" not in result.stdout.str()
    result = layers.runpytest("--gradcheck", "gc_plugin_layers.py", "-m", "not gradcheck",
                              "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_option_is_repeatable(layers):
    layers.makepyfile(gc_plugin_more=(
        "class Activation_Identity:\n"
        "    def forward(self, inputs):\n        self.output = inputs\n"
        "    def backward(self, dvalues):\n        self.dinputs = dvalues\n"
    ))
    result = layers.runpytest("--gradcheck", "gc_plugin_layers.py", "--gradcheck",
                              "gc_plugin_more.py", "--gradcheck-examples", "5", "-k",
                              "Identity or Tanh", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_missing_target_is_a_usage_error(pytester):
    result = pytester.runpytest("--gradcheck", "nowhere.py", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradcheck nowhere.py: no such file or directory*"])


def test_a_target_with_nothing_to_check_is_a_usage_error(pytester):
    pytester.makepyfile(gc_plugin_empty="class Optimizer_SGD:\n    pass\n")
    result = pytester.runpytest("--gradcheck", "gc_plugin_empty.py", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no checkable class in gc_plugin_empty.py*"])


def test_book_code_with_nnfs_init_runs_in_its_own_process(pytester):
    # nnfs.init() patches numpy for the whole process: keep it out of this one
    result = pytester.runpytest_subprocess(
        "--gradcheck", str(TARGETS / "notebook_ch9.py"), "--gradcheck-examples", "3",
        "-p", "no:cacheprovider",
    )
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*NameError*single_dvalues*"])


def test_the_plugin_imports_nothing_of_gradcheck_or_numpy_when_unused():
    code = (
        "import sys, pytest; before = set(sys.modules); import nnfs_gradcheck_pytest; "
        "print(sorted(set(sys.modules) - before))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert run.stdout.strip() == "['nnfs_gradcheck_pytest']"
