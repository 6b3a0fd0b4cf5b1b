"""docs/functions.md: its Python examples run and print what it says, and each report it
shows is what the command prints on the zoo (``tests/zoo_functions25``)."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

from gradcheck.cli import main

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "functions.md"
ZOO = Path(__file__).parent / "zoo_functions25"
# where each documented command runs (the directory a student runs it from)
WHERE = {"cs231n/classifiers/linear_svm.py": ZOO / "buggy",
         "derivatives_buggy.py": ZOO}


def blocks() -> list[tuple[str, str, str]]:
    """``(language, code, text before it)`` for every fenced block of the page."""
    text = PAGE.read_text()
    out = []
    for match in re.finditer(r"```(\w*)\n(.*?)```", text, flags=re.S):
        before = text[:match.start()].rstrip().rsplit("\n", 1)[-1]
        out.append((match.group(1), match.group(2), before))
    return out


def test_the_python_examples_run_and_print_what_the_page_says():
    found = blocks()
    ran = 0
    for k, (language, code, _) in enumerate(found):
        if language != "python":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{PAGE.name}[{k}]", "exec"), {})  # noqa: S102
        ran += 1
        following = found[k + 1] if k + 1 < len(found) else None
        if following is not None and following[0] == "text" and following[2] == "prints":
            assert out.getvalue() == following[1]
    assert ran == 4


@pytest.fixture(autouse=True)
def _own_cs231n():
    before = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "cs231n"}
    for name in before:
        del sys.modules[name]
    yield
    for name in [k for k in sys.modules if k.split(".")[0] == "cs231n"]:
        del sys.modules[name]
    sys.modules.update(before)


@pytest.mark.parametrize("command", list(WHERE))
def test_each_report_shown_is_what_the_command_prints(command, monkeypatch, capsys):
    found = blocks()
    index = next(k for k, (lang, code, _) in enumerate(found)
                 if lang == "console" and code.strip() == f"$ gradcheck {command}")
    shown = found[index + 1][1]
    monkeypatch.chdir(WHERE[command])
    assert main([command, "-q"]) == 1
    printed = capsys.readouterr().out.splitlines()
    lines = [line for line in shown.splitlines() if line.strip() and "..." not in line]
    assert lines and all(line in printed for line in lines), "\n".join(printed)
