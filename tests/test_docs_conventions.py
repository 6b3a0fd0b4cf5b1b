"""The examples of docs/conventions.md run and assert what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "conventions.md"


def _blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("index", range(len(_blocks(PAGE.read_text()))))
def test_the_page_examples_run(index, capsys):
    exec(compile(_blocks(PAGE.read_text())[index], f"{PAGE}:{index}", "exec"), {})
    capsys.readouterr()


def test_a_wrong_example_would_fail():
    block = _blocks("```python\nassert 1 + 1 == 3\n```")[0]
    with pytest.raises(AssertionError):
        exec(compile(block, "wrong", "exec"), {})
