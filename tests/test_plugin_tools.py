"""The pytest plugin fits pytest: collision-proof loading, real items, isolation, usage errors."""

import textwrap

import numpy  # noqa: F401 - imported before pytester snapshots sys.modules: numpy cannot load twice
import pytest

pytest_plugins = ["pytester"]

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
    """
)
ORDINARY = "def test_ordinary():\n    assert True\n"
FAST = ("--gradcheck-examples", "3", "-p", "no:cacheprovider")


@pytest.fixture
def project(pytester):
    pytester.makepyfile(gc_layers=LAYERS, test_ordinary=ORDINARY)
    return pytester


# ----------------------------------------------------------------------------- loading
def test_a_learners_own_gradcheck_py_does_not_break_pytest(pytester):
    # python -m pytest puts the working directory first on sys.path: the plugin must not
    # import this file at start-up (it did, and every run failed with exit 3)
    pytester.makepyfile(gradcheck="raise RuntimeError('the learner gradcheck.py was imported')",
                        test_ordinary=ORDINARY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1)


def test_with_a_learners_gradcheck_py_present_the_checker_still_runs(pytester):
    pytester.makepyfile(gradcheck="raise RuntimeError('the learner gradcheck.py was imported')",
                        gc_layers=LAYERS)
    result = pytester.runpytest_subprocess("--gradcheck", "gc_layers.py", *FAST)
    result.assert_outcomes(passed=1, failed=1)
    assert "learner gradcheck.py was imported" not in result.stdout.str()


def test_a_learners_gradcheck_module_already_imported_is_a_clear_usage_error(pytester):
    pytester.makepyfile(gradcheck="VALUE = 1", gc_layers=LAYERS,
                        conftest="import gradcheck\n")
    result = pytester.runpytest_subprocess("--gradcheck", "gc_layers.py", *FAST)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*the module 'gradcheck' in use here is*gradcheck.py*"
                                 "not the checker*rename*"])


# ----------------------------------------------------------------------------- isolation
BOOK = textwrap.dedent(
    """
    import nnfs
    import numpy as np

    nnfs.init()

    class Activation_ReLU:
        def forward(self, inputs):
            self.inputs = inputs
            self.output = np.maximum(0, inputs)

        def backward(self, dvalues):
            self.dinputs = dvalues.copy()
            self.dinputs[self.inputs <= 0] = 0
    """
)
FLOAT64 = textwrap.dedent(
    """
    import numpy as np

    def test_dot_stays_float64():
        a = np.ones((2, 2))
        assert np.dot(a, a).dtype == np.float64
        assert np.zeros(2).dtype == np.float64
    """
)


def test_a_targets_nnfs_init_does_not_leak_into_other_tests(pytester):
    pytester.makepyfile(book=BOOK, test_float64=FLOAT64)
    result = pytester.runpytest_subprocess("test_float64.py", "--gradcheck", "book.py", *FAST)
    result.assert_outcomes(passed=2)


def test_the_float64_probe_fails_when_nnfs_init_leaks(pytester):
    # the twin: importing the same book module directly does patch numpy for the process
    pytester.makepyfile(book=BOOK, test_float64=FLOAT64, conftest="import book\n")
    result = pytester.runpytest_subprocess("test_float64.py", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)


# ----------------------------------------------------------------------------- options
@pytest.mark.parametrize("option, value", [
    ("--gradcheck-examples", "0"), ("--gradcheck-examples", "many"), ("--gradcheck-seed", "-1"),
])
def test_bad_option_values_are_usage_errors_not_failing_items(project, option, value):
    result = project.runpytest("--gradcheck", "gc_layers.py", option, value,
                               "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{option}*expected a*integer*{value}*"])


def test_the_plugin_shows_the_defaults_the_run_uses():
    import nnfs_gradcheck_pytest as plugin

    from gradcheck.targets import options

    assert (plugin._DEFAULT_EXAMPLES, plugin._DEFAULT_SEED) == (
        options.DEFAULT_EXAMPLES, options.DEFAULT_SEED)
    assert options.memory_size(plugin._DEFAULT_MEMORY) == options.DEFAULT_MEMORY
    assert plugin._DEFAULT_THREADS == options.DEFAULT_THREADS


def test_the_command_and_the_plugin_validate_options_with_the_same_words(project, capsys):
    from gradcheck.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["--examples", "0", "gc_layers.py"])
    assert exit_.value.code == 2
    command = capsys.readouterr().err.splitlines()[-1]
    result = project.runpytest("--gradcheck", "gc_layers.py", "--gradcheck-examples", "0",
                               "-p", "no:cacheprovider")
    assert command.endswith("expected a positive integer, got '0'")
    result.stderr.fnmatch_lines(["*--gradcheck-examples: expected a positive integer, got '0'"])


def test_the_smallest_valid_example_count_runs(project):
    result = project.runpytest("--gradcheck", "gc_layers.py", "--gradcheck-examples", "1",
                               "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)


def test_the_header_names_targets_examples_and_seed(project):
    result = project.runpytest("--gradcheck", "gc_layers.py", "--gradcheck-examples", "3",
                               "--gradcheck-seed", "7", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["gradcheck: gc_layers.py (3 examples per check, seed 7)"])
    result = project.runpytest("-p", "no:cacheprovider")
    assert "gradcheck:" not in result.stdout.str()


def test_tool_gradcheck_settings_apply_and_options_win(project):
    project.makefile(".toml", pyproject=(
        "[tool.gradcheck]\nexamples = 2\nseed = 5\nexclude = ['*Doubled']\n"
    ))
    result = project.runpytest("--gradcheck", "gc_layers.py", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["gradcheck: gc_layers.py (2 examples per check, seed 5)"])
    result.assert_outcomes(passed=2)  # Doubled excluded
    result = project.runpytest("--gradcheck", "gc_layers.py", "--gradcheck-seed", "9",
                               "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["gradcheck: gc_layers.py (2 examples per check, seed 9)"])
    # everything excluded: said so, not "none of its classes has forward and backward"
    project.makefile(".toml", pyproject="[tool.gradcheck]\nexclude = ['*']\n")
    result = project.runpytest("--gradcheck", "gc_layers.py", "-p", "no:cacheprovider")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*nothing left to check in gc_layers.py: `exclude`*"])


# ----------------------------------------------------------------------------- items
def test_the_collected_count_includes_the_gradcheck_items(project):
    result = project.runpytest("--gradcheck", "gc_layers.py", *FAST)
    result.stdout.fnmatch_lines(["collected 3 items"])
    result.assert_outcomes(passed=2, failed=1)


def test_collect_only_lists_the_items_and_counts_them(project):
    result = project.runpytest("--gradcheck", "gc_layers.py", "--collect-only", "-q", *FAST)
    result.stdout.fnmatch_lines([
        "test_ordinary.py::test_ordinary",
        "gc_layers.py::Activation_Tanh",
        "gc_layers.py::Activation_Doubled",
        "3 tests collected*",
    ])
    assert result.ret == pytest.ExitCode.OK


def test_a_node_id_from_the_failure_summary_can_be_pasted_back(project):
    result = project.runpytest("--gradcheck", "gc_layers.py", *FAST)
    result.stdout.fnmatch_lines(["FAILED gc_layers.py::Activation_Doubled - *"])
    result = project.runpytest("--gradcheck", "gc_layers.py", "gc_layers.py::Activation_Doubled",
                               *FAST)
    result.assert_outcomes(failed=1)
    result = project.runpytest("--gradcheck", "gc_layers.py", "gc_layers.py::Activation_Tanh",
                               *FAST)
    result.assert_outcomes(passed=1)


def test_keyword_selection_and_deselection_work(project):
    result = project.runpytest("--gradcheck", "gc_layers.py", "-k", "Tanh", *FAST)
    result.assert_outcomes(passed=1)
    result = project.runpytest("--gradcheck", "gc_layers.py", "--deselect",
                               "gc_layers.py::Activation_Doubled", *FAST)
    result.assert_outcomes(passed=2)


def test_items_run_under_xdist(project):
    result = project.runpytest_subprocess("--gradcheck", "gc_layers.py", "-n", "2", *FAST)
    result.assert_outcomes(passed=2, failed=1)


# ----------------------------------------------------------------------------- tracebacks
USER_TEST = textwrap.dedent(
    """
    import numpy as np
    from gradcheck import check_layer
    from gc_layers import Activation_Doubled

    def test_my_layer():
        check_layer(Activation_Doubled(), np.ones((2, 3)))
    """
)


def test_a_failing_check_layer_shows_the_verdict_not_gradcheck_internals(project):
    project.makepyfile(test_user=USER_TEST)
    result = project.runpytest("test_user.py", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "GradientError" in text and "dinputs at index" in text
    assert "engine/run.py" not in text and "gradcheck/api.py" not in text
    assert len(text.splitlines()) < 60


def test_strict_in_tool_gradcheck_fails_an_inconclusive_class(project, monkeypatch):
    import gradcheck.targets.pipeline as pipeline
    import gradcheck.targets.runner as runner

    def undecided(planned, **kwargs):
        return runner.ClassResult(planned.found.name, planned.found.kind, planned.found.module,
                                  runner.INCONCLUSIVE, "inconclusive on all 3 examples")

    monkeypatch.setattr(pipeline, "run_class", undecided)
    result = project.runpytest("--gradcheck", "gc_layers.py", *FAST)
    result.assert_outcomes(passed=1, skipped=2)
    project.makefile(".toml", pyproject="[tool.gradcheck]\nstrict = true\n")
    result = project.runpytest("--gradcheck", "gc_layers.py", *FAST)
    result.assert_outcomes(passed=1, failed=2)


def test_unknown_tool_gradcheck_keys_are_warned_about(project):
    project.makefile(".toml", pyproject="[tool.gradcheck]\nexmaples = 2\n")
    result = project.runpytest("--gradcheck", "gc_layers.py", *FAST)
    result.stdout.fnmatch_lines(["*PytestConfigWarning*unknown key(s) 'exmaples' ignored*"])
    project.makefile(".toml", pyproject="[tool.gradcheck]\nexamples = 2\n")
    result = project.runpytest("--gradcheck", "gc_layers.py", *FAST)
    assert "unknown key" not in result.stdout.str()


# the layer raises unless the settings the options ask for are in force while it runs
SETTINGS_PROBE = textwrap.dedent(
    """
    import numpy as np
    from gradcheck.engine import budget, threads

    class Activation_Tanh:
        def forward(self, inputs):
            if (budget.MEMORY_BYTES, threads.THREADS) != (4096, 3):
                raise RuntimeError("settings not in force")
            self.output = np.tanh(inputs)

        def backward(self, dvalues):
            self.dinputs = dvalues * (1 - self.output ** 2)
    """
)


def test_memory_and_threads_options_are_in_force_while_the_items_run(pytester):
    pytester.makepyfile(gc_probe=SETTINGS_PROBE)
    result = pytester.runpytest("--gradcheck", "gc_probe.py", "--gradcheck-memory", "4K",
                                "--gradcheck-threads", "3", *FAST)
    result.assert_outcomes(passed=1)


def test_without_the_memory_and_threads_options_the_probe_fails(pytester):
    pytester.makepyfile(gc_probe=SETTINGS_PROBE)
    result = pytester.runpytest("--gradcheck", "gc_probe.py", *FAST)
    result.assert_outcomes(failed=1)


@pytest.mark.parametrize("option, value, words", [
    ("--gradcheck-memory", "lots", "expected a size in bytes"),
    ("--gradcheck-threads", "-1", "expected a number of threads"),
])
def test_bad_memory_and_threads_values_are_usage_errors(project, option, value, words):
    result = project.runpytest("--gradcheck", "gc_layers.py", option, value,
                               "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{option}*{words}*{value}*"])
