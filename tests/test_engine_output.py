"""What an engine prints while ``check_engine`` runs it is kept in ``report.output``, shown
with ``verbose=True``, and the report's one-line form counts operations."""

from __future__ import annotations

import pytest
from zoo_engines import scalar_ok, scalar_rmul

from gradcheck import GradientError, check_engine


class Chatty(scalar_ok.Scalar):
    def backward(self):
        print(f"backward from {self.data:.3g}")
        super().backward()


class ChattyBroken(scalar_rmul.Scalar):
    def backward(self):
        print(f"backward from {self.data:.3g}")
        super().backward()


def test_an_engine_that_prints_is_checked_quietly_and_its_output_kept(capsys):
    report = check_engine(Chatty)
    assert report.ok and "backward from" in report.output
    assert capsys.readouterr().out == ""
    assert "operations" in repr(report) and "gradients" not in repr(report)
    assert "printed or logged by the checked code" in str(report)


def test_verbose_shows_the_output_after_the_check(capsys):
    check_engine(Chatty, verbose=True)
    assert "backward from" in capsys.readouterr().out


def test_a_broken_engine_that_prints_still_fails_and_verbose_shows_its_output(capsys):
    with pytest.raises(GradientError) as failed:
        check_engine(ChattyBroken, verbose=True)
    assert not failed.value.report.ok and "backward from" in failed.value.report.output
    assert "backward from" in capsys.readouterr().out
