"""The checked code never reads the terminal: ``input()`` raises ``EOFError`` at once.

Before: a constructor or a module asking ``input("learning rate? ")`` made ``gradcheck``
wait forever when stdin was an open pipe or a terminal (its prompt captured, so nothing
showed). Now the class is an ``error`` row and an import a usage error, both saying why.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from gradcheck.cli import main

LAYER = """
import numpy as np

{top}


class Dense:
    def __init__(self, n_in, n_out):
        {init}
        self.W = np.random.default_rng(0).standard_normal((n_in, n_out))

    def forward(self, x):
        self.x = x
        return x @ self.W

    def backward(self, g):
        self.dW = self.x.T @ g
        return g @ self.W.T
"""


class _Terminal:
    """A stdin that must never be read (reading it would wait for a user)."""

    def readline(self, *args):
        raise AssertionError("the real stdin was read")

    read = readline


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
@pytest.mark.parametrize(("top", "init", "code", "said"), [
    ("", "self.lr = float(input('learning rate? ') or 0.1)", 1,
     "Dense(n_in=3, n_out=5) raised EOFError"),
    ("import sys\nN = int(input('units? ') or 4)", "pass", 2, "cannot import"),
    ("", "pass", 0, None),  # the same layer asking nothing passes
])
def test_input_is_never_waited_for(tmp_path, monkeypatch, capsys, top, init, code, said):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "net.py").write_text(textwrap.dedent(LAYER).format(top=top,
                                                                           init=init))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdin", terminal)
    assert main(["pkg", "--examples", "3"]) == code
    assert sys.stdin is terminal  # put back
    out = capsys.readouterr()
    if said:
        assert said in out.out + out.err
        assert "gradcheck gives the code it checks no input" in out.out + out.err
