"""``--memory`` / ``--threads``, the ``memory`` / ``threads`` keys and the plugin's options.

They set what :func:`gradcheck.configure` sets, for the run only: a smaller memory budget
splits stacked evaluations into more forward calls of fewer rows (same verdict), a thread
count is the cap in force while the user's code runs. Each has its twin: a bad value is a
usage error (exit 2) that says what was expected.
"""

import sys
import textwrap

import pytest

from gradcheck.cli import main
from gradcheck.engine import budget, threads
from gradcheck.targets.options import memory_size, thread_count

# the layer records, in a module of its own (which a check does not restore), how many
# rows each forward call got and the settings in force while it ran
SEEN = "CALLS = []\n"
LAYER = textwrap.dedent(
    """
    import numpy as np
    from gradcheck.engine import budget, threads
    from gc27_seen import CALLS

    class Layer_Scale:
        def __init__(self):
            self.gamma = np.linspace(0.5, 2.0, 4)

        def forward(self, inputs):
            CALLS.append((len(inputs), budget.MEMORY_BYTES, threads.THREADS))
            self.inputs = inputs
            self.output = inputs * self.gamma

        def backward(self, dvalues):
            self.dgamma = (dvalues * self.inputs).sum(axis=0)
            self.dinputs = dvalues * self.gamma
    """
)


@pytest.fixture
def layer(tmp_path, monkeypatch):
    (tmp_path / "gc27_seen.py").write_text(SEEN)
    (tmp_path / "gc27_scale.py").write_text(LAYER)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "gc27_seen", raising=False)
    import gc27_seen

    yield gc27_seen.CALLS
    sys.modules.pop("gc27_seen", None)


def run(capsys, *options):
    code = main(["gc27_scale.py", "--examples", "3", "-q", *options])
    return code, capsys.readouterr()


# ----------------------------------------------------------------------------- parsing
@pytest.mark.parametrize("text, value", [
    ("536870912", 536870912), ("512K", 512 * 2**10), ("512MB", 512 * 2**20),
    ("1GiB", 2**30), ("2g", 2 * 2**30), ("64 mb", 64 * 2**20),
])
def test_memory_sizes_read_bytes_and_powers_of_1024(text, value):
    assert memory_size(text) == value


@pytest.mark.parametrize("text", ["lots", "0", "-5", "1.5G", "512TB", "", "MB"])
def test_memory_sizes_refuse_what_is_no_size(text):
    with pytest.raises(ValueError, match="expected a size"):
        memory_size(text)


def test_thread_counts_take_zero_for_the_pools_left_alone_and_refuse_negatives():
    assert (thread_count("0"), thread_count("4")) == (0, 4)
    for text in ("-1", "two", "1.5"):
        with pytest.raises(ValueError, match="expected a number of threads"):
            thread_count(text)


# ----------------------------------------------------------------------------- the command
def test_without_the_options_the_defaults_are_in_force(layer, capsys):
    code, _ = run(capsys)
    assert code == 0
    assert {(m, t) for _, m, t in layer} == {(budget.MEMORY_BYTES, threads.THREADS)}


def test_memory_splits_evaluations_into_more_calls_of_fewer_rows_same_verdict(layer, capsys):
    code, out = run(capsys)
    calls, rows = len(layer), max(n for n, _, _ in layer)
    layer.clear()
    small_code, small_out = run(capsys, "--memory", "2K")
    assert (code, small_code) == (0, 0)
    assert {m for _, m, _ in layer} == {2048}
    assert len(layer) > calls and max(n for n, _, _ in layer) < rows
    assert "1 passed" in out.out and "1 passed" in small_out.out
    assert budget.MEMORY_BYTES == 64 * 2**20  # undone after the run


def test_threads_is_the_cap_while_the_users_code_runs_and_is_undone_after(layer, capsys):
    code, _ = run(capsys, "--threads", "3")
    assert code == 0 and {t for _, _, t in layer} == {3}
    layer.clear()
    assert run(capsys, "--threads", "0")[0] == 0
    assert {t for _, _, t in layer} == {None}  # 0: the pools left alone
    assert threads.THREADS == 1


@pytest.mark.parametrize("option, value, words", [
    ("--memory", "lots", "expected a size in bytes like 512MB"),
    ("--memory", "0", "expected a size of at least 1 byte"),
    ("--threads", "-2", "expected a number of threads (0: leave the BLAS pools alone)"),
])
def test_a_bad_value_is_a_usage_error_saying_what_is_expected(layer, capsys, option, value,
                                                               words):
    with pytest.raises(SystemExit) as exit_:
        main(["gc27_scale.py", option, value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and words in err and not layer


# ----------------------------------------------------------------------------- the config
def test_the_config_keys_set_them_and_the_options_win(layer, capsys, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gradcheck]\nmemory = "4K"\nthreads = 2\n')
    assert run(capsys)[0] == 0
    assert {(m, t) for _, m, t in layer} == {(4096, 2)}
    layer.clear()
    assert run(capsys, "--memory", "8192", "--threads", "3")[0] == 0
    assert {(m, t) for _, m, t in layer} == {(8192, 3)}


@pytest.mark.parametrize("line, words", [
    ('memory = "lots"', "memory = 'lots'; expected a size in bytes like 512MB"),
    ("memory = 1.5", "memory = 1.5; expected an integer or a string"),
    ("threads = -1", "threads = -1; expected a number of threads"),
])
def test_a_bad_config_value_is_a_usage_error_naming_the_key(layer, capsys, tmp_path, line,
                                                            words):
    (tmp_path / "pyproject.toml").write_text(f"[tool.gradcheck]\n{line}\n")
    code, out = run(capsys)
    assert code == 2 and words in out.err and "[tool.gradcheck]" in out.err and not layer


def test_the_configuration_example_of_the_command_page_reads_as_it_says(tmp_path):
    import re
    from pathlib import Path

    from gradcheck.targets.config import load_settings

    page = (Path(__file__).resolve().parents[1] / "docs" / "command.md").read_text("utf-8")
    example = re.search(r"```toml\n(\[tool\.gradcheck\]\n.*?)```", page, flags=re.DOTALL)[1]
    (tmp_path / "pyproject.toml").write_text(example)
    settings = load_settings(tmp_path)
    assert (settings.examples, settings.memory, settings.threads) == (50, 512 * 2**20, None)
    (tmp_path / "pyproject.toml").write_text(example.replace('"512MB"', '"512 apples"'))
    with pytest.raises(Exception, match="memory = '512 apples'"):
        load_settings(tmp_path)
