"""``gradcheck --help`` against what the command really does.

A help text that names an option the parser does not take, a kind of target the command
does not check (or leaves out one it does), or an output it no longer draws is a bug.
Each check is a function returning the problems it finds, so that its twin can show it
rejecting the stale text this command once had.
"""

import re
import shlex
import struct

import pytest

from gradcheck import heatmaps
from gradcheck.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, build_parser, main
from gradcheck.report import Kind
from gradcheck.targets.config import KNOWN_KEYS

# the help of an earlier version: its --plot drew error-against-step curves, and its
# description predates the function and network checks
STALE_DESCRIPTION = """\
Check the backward pass of every NNFS-style class defined in TARGET against finite
differences, on Hypothesis-generated data.

Discovered: layers and activations (forward + backward(dvalues)), losses
(forward(y_pred, y_true) + backward(dvalues, y_true)) and fused softmax + loss classes
(forward(inputs, y_true) returning the mean loss).
"""
STALE_PLOT = ("write DIR/<Class>.png per class: finite-difference error against step size "
              "on its first example, with the check's step and tolerance marked")


def sections(help_text):
    """``{title: text}`` of the help's ``title:`` blocks ('options', 'exit codes', ...)."""
    found, title = {}, None
    for line in help_text.splitlines():
        heading = re.fullmatch(r"([a-z][\w ()\[\].-]*):", line)
        if heading:
            title = heading[1]
            found[title] = []
        elif title is not None:
            found[title].append(line)
    return {t: "\n".join(lines) for t, lines in found.items()}


def option_problems(parser):
    """Options the prose names that the parser does not take, and options without help."""
    text = parser.format_help()
    listed = set(re.findall(r"^  (?:-\w, )?(--[\w-]+)", sections(text)["options"],
                            flags=re.MULTILINE))
    problems = [f"{name} is mentioned but not an option"
                for name in sorted(set(re.findall(r"(?<![\w-])--[a-z][\w-]*", text)) - listed)]
    for name in sorted(listed - {"--help", "--version"}):
        entry = re.search(rf"^  (?:-\w, )?{name}\b.*?\n(?=  -|\Z)", sections(text)["options"],
                          flags=re.MULTILINE | re.DOTALL)
        if entry is None or len(entry[0].split()) < 4:
            problems.append(f"{name} has no help text")
    return problems


def kind_problems(description):
    """The description's table of kinds against the kinds the report (and CLI) use."""
    table = re.findall(r"^  (\w+)  +\S", description, flags=re.MULTILINE)
    problems = [f"kind {k} is not described" for k in Kind if k.value not in table]
    problems += [f"{k} is described but is no kind" for k in table if k not in set(Kind)]
    return problems


def plot_problems(plot_help):
    problems = []
    if "heatmap" not in plot_help:
        problems.append("--plot does not say it draws heatmaps")
    if "step size" in plot_help:
        problems.append("--plot still speaks of error against step size")
    return problems


def plot_help(parser):
    options = sections(parser.format_help())["options"]
    entry = re.search(r"^  --plot DIR\s+(.*?)\n(?=  -)", options, flags=re.MULTILINE | re.DOTALL)
    return " ".join(entry[1].split())


# ----------------------------------------------------------------------------- options
def test_every_option_the_help_names_is_one_the_parser_takes_and_each_has_help():
    assert option_problems(build_parser()) == []


def test_option_check_rejects_a_help_text_naming_a_removed_option():
    parser = build_parser()
    parser.epilog += "\n  gradcheck my_layers.py --plots-of-steps plots/\n"
    assert option_problems(parser) == ["--plots-of-steps is mentioned but not an option"]


def test_the_examples_of_the_help_are_commands_the_parser_accepts():
    examples = sections(build_parser().format_help())["examples"]
    commands = [line.split("   ")[0].strip() for line in examples.splitlines()
                if line.strip().startswith("gradcheck")]
    assert len(commands) >= 5
    for command in commands:
        args = shlex.split(command)[1:]
        build_parser().parse_args(args)  # SystemExit(2) on an unknown option


def test_the_exit_codes_and_configuration_keys_of_the_help_are_the_real_ones():
    text = build_parser().format_help()
    codes = re.findall(r"^  (\d)  ", sections(text)["exit codes"], flags=re.MULTILINE)
    assert [int(c) for c in codes] == [EXIT_OK, EXIT_FAILED, EXIT_USAGE]
    configuration = text[text.index("\nconfiguration ("):text.index("\nexit codes:")]
    keys = set(re.findall(r"(?:^  |   )(\w+) = ", configuration, flags=re.MULTILINE))
    assert keys and keys <= set(KNOWN_KEYS)
    # the one key not in that block, args, has its own section
    assert set(KNOWN_KEYS) - keys == {"args"} and "[tool.gradcheck.args." in text


# ----------------------------------------------------------------------------- kinds
def test_the_description_names_every_kind_the_command_checks():
    assert kind_problems(build_parser().description) == []


def test_kind_check_rejects_the_description_without_functions_and_networks():
    assert kind_problems(STALE_DESCRIPTION) == [
        f"kind {k} is not described" for k in Kind]  # no table at all
    partial = STALE_DESCRIPTION + "  layer  x\n  loss  x\n  fused  x\n"
    assert kind_problems(partial) == [f"kind {k} is not described" for k in Kind
                                      if k not in ("layer", "loss", "fused")]
    assert "kind function is not described" in kind_problems(partial)


# ----------------------------------------------------------------------------- --plot
def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


def test_plot_help_says_heatmaps_and_a_plot_run_writes_heatmaps(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    assert plot_problems(plot_help(build_parser())) == []
    drawn = []
    real_figure = heatmaps.figure

    def figure(gradients, title, **kwargs):
        drawn.append(real_figure(gradients, title, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(heatmaps, "figure", figure)
    (tmp_path / "gc_plotted.py").write_text(
        "import numpy as np\n"
        "class Layer_Scale:\n"
        "    def __init__(self):\n        self.weights = np.array([[2.0, -1.0]])\n"
        "    def forward(self, inputs):\n"
        "        self.inputs = inputs\n        self.output = inputs * self.weights\n"
        "    def backward(self, dvalues):\n"
        "        self.dweights = np.sum(dvalues * self.inputs, axis=0, keepdims=True)\n"
        "        self.dinputs = dvalues  # the weights are missing\n"
    )
    monkeypatch.chdir(tmp_path)
    code = main(["gc_plotted.py", "--examples", "5", "-q", "--plot", "plots"])
    assert code == EXIT_FAILED
    assert "plots: 1 written to" in capsys.readouterr().out
    (png,) = (tmp_path / "plots").iterdir()
    (drawing,) = drawn
    # rows of three heatmaps (analytic, finite differences, difference), one per gradient
    images = [len(axes.images) for axes in drawing.axes if axes.images]
    assert len(images) >= 3 and len(images) % 3 == 0 and set(images) == {1}
    width, height = drawing.canvas.get_width_height()
    assert png_size(png) == (width, height)


def test_plot_check_rejects_the_error_against_step_size_text():
    assert plot_problems(STALE_PLOT) == ["--plot does not say it draws heatmaps",
                                         "--plot still speaks of error against step size"]
