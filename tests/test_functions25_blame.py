"""The checker's own exceptions are never blamed on the user (issue 25 part 7).

An exception raised inside gradcheck is an ``error`` row saying "gradcheck bug (not your
code)", its traceback shown under ``-v``; the twin, the same exception raised by the
user's code, stays the user's error naming the user's line.
"""

from __future__ import annotations

import textwrap

import numpy as np

from gradcheck import check_function
from gradcheck.cli import main
from gradcheck.engine import blame, function_run

SOURCE = textwrap.dedent("""
    import numpy as np


    def square_loss(x):
        return np.sum(x ** 2), 2 * x
""")
RAISES = textwrap.dedent("""
    import numpy as np


    def square_loss(x):
        return np.sum(x ** 2), np.ones(5)[[7]] * x
""")


def _break_the_checker(monkeypatch):
    # a step of the check replaced by a gradcheck function called with the wrong object:
    # an AttributeError raised inside gradcheck (engine/blame.py), as a slip would
    monkeypatch.setattr(function_run.FunctionRun, "_diagnose_again", blame.blame)


def test_an_exception_inside_gradcheck_is_a_gradcheck_bug(monkeypatch):
    _break_the_checker(monkeypatch)
    report = check_function(lambda x: (np.sum(x ** 2), 2 * x), None, np.ones(3),
                            raise_on_failure=False)
    assert report.status == "error"
    assert "gradcheck itself raised AttributeError" in report.problems[0]
    assert "not an error in your code" in report.problems[0]
    assert "blame.py" in report.problems[0]
    assert any("Traceback" in n for n in report.notes)


def test_the_same_exception_in_user_code_is_the_users(monkeypatch):
    def square_loss(x):
        return np.sum(x ** 2), np.ones(5)[[7]] * x

    report = check_function(square_loss, None, np.ones(3), raise_on_failure=False)
    assert report.status == "error"
    assert "gradcheck" not in report.problems[0]
    assert report.problems[0].startswith("square_loss raised IndexError")


def test_the_cli_shows_the_traceback_of_a_gradcheck_bug_under_v(monkeypatch, tmp_path,
                                                                  capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "losses.py").write_text(SOURCE)
    _break_the_checker(monkeypatch)
    assert main(["losses.py", "--examples", "3", "-q", "-v"]) == 1
    out = capsys.readouterr().out
    assert "gradcheck itself raised" in out and "Traceback (most recent" in out
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "raises.py").write_text(RAISES)
    assert main(["raises.py", "--examples", "3", "-q", "-v"]) == 1
    out = capsys.readouterr().out
    assert "square_loss raised IndexError" in out and "gradcheck itself" not in out
    assert "raises.py:6" in out
