"""``docs/engines.md``: its command prints what it shows.

Its Python examples (a doctest) run in the one docs runner, ``test_docs_pages.py``.
"""

import re
from pathlib import Path

from gradcheck.cli import main

ROOT = Path(__file__).parents[1]
PAGE = ROOT / "docs" / "engines.md"


def console_blocks(text):
    """(command arguments, shown output lines) of each ``$ gradcheck`` block with output."""
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        first, *shown = block.splitlines()
        if shown:
            yield first.removeprefix("$ gradcheck ").split(), shown


def shown_in_order(shown, printed):
    """Every shown line (``...`` skips any) appears in the printed lines, in order."""
    lines = iter(printed)
    return all(line == "..." or any(p.rstrip() == line.rstrip() for p in lines)
               for line in shown)


def test_the_command_prints_what_the_page_shows(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = list(console_blocks(PAGE.read_text()))
    assert blocks
    for args, shown in blocks:
        assert main([*args, "-q"]) == 1
        printed = capsys.readouterr().out.splitlines()
        assert shown_in_order(shown, printed)
        wrong = [line.replace("failed", "passed") for line in shown]
        assert not shown_in_order(wrong, printed)  # (the comparison can fail)
