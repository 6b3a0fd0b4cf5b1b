"""``docs/networks.md`` runs: its commands print what it shows, its Python examples pass.

Each ``console`` block's ``$ gradcheck ...`` runs in process, from the zoo directory that
holds its file (``...`` in a shown line stands for any text, runs of spaces for one);
the ``python`` blocks run as one doctest with the zoo directories on ``sys.path``.
"""

from __future__ import annotations

import doctest
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck.cli import main

ROOT = Path(__file__).parents[1]
PAGE = (ROOT / "docs" / "networks.md").read_text()
ZOO = ROOT / "tests" / "zoo_networks"
DIRECTORIES = {"cs231n": ZOO / "cs231n_assignment", "network": ZOO / "nielsen",
               "min_char_rnn": ZOO / "min_char_rnn", "dropout": ZOO / "dlai",
               "rnn_cells": ZOO / "dlai", "cached": ZOO.parent / "zoo_fn25" / "nielsen"}


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", PAGE, flags=re.S)


def commands():
    for block in blocks("console"):
        first, *shown = block.strip("\n").splitlines()
        yield pytest.param(first, shown, id=first.split("#")[0].strip())


@pytest.fixture(autouse=True)
def isolated_imports():
    path, modules = list(sys.path), dict(sys.modules)
    state = np.random.get_state()
    yield
    sys.path[:] = path
    for name in set(sys.modules) - set(modules):
        del sys.modules[name]
    sys.modules.update(modules)
    np.random.set_state(state)


def pattern(line):
    text = re.escape(" ".join(line.split())).replace(r"\.\.\.", ".*")
    return re.compile(text)


@pytest.mark.parametrize("command, shown", list(commands()))
def test_each_command_prints_what_the_page_shows(command, shown, monkeypatch, tmp_path,
                                                 capsys):
    command, _, comment = command.partition("#")
    args = command.split()[2:]  # "$ gradcheck ARGS"
    file = args[0]
    where = next(d for k, d in DIRECTORIES.items() if Path(file).name.startswith(k)
                 or file.startswith(k + "/") or Path(file).stem.removeprefix("buggy_")
                 .startswith(k))
    if "without" in comment:  # the program's directory without its data file
        shutil.copy(where / file, tmp_path / file)
        where = tmp_path
    monkeypatch.chdir(where)
    np.random.seed(0)
    main(args)
    out = capsys.readouterr()
    printed = [" ".join(line.split()) for line in (out.out + out.err).splitlines()]
    for line in shown:
        assert any(pattern(line).fullmatch(p) or pattern(line).match(p) for p in printed), (
            f"not printed: {line}\n" + "\n".join(printed))


def test_the_python_examples_run(monkeypatch):
    for name in [n for n in sys.modules if n == "cs231n" or n.startswith("cs231n.")]:
        monkeypatch.delitem(sys.modules, name)  # another test's cs231n package
    for directory in DIRECTORIES.values():
        monkeypatch.syspath_prepend(str(directory))
    text = "\n".join(blocks("python"))
    test = doctest.DocTestParser().get_doctest(text, {}, "networks.md", "networks.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


def test_a_command_whose_output_the_page_misstates_would_fail(monkeypatch, capsys):
    monkeypatch.chdir(DIRECTORIES["network"])
    main(["network.py"])
    printed = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    wrong = pattern("Network  model  failed  ...  sizes=[5, 4, 3]")
    assert not any(wrong.match(p) for p in printed)
