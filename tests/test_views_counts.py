"""The totals line and a notebook's ``<Checked ...>`` count in English: ``1 class, 1 check``.

A newcomer's first run (the README's one-class ``my_layers.py``) ended with
``my_layers.py: 1 classes, 1 checks, 3 examples``.
"""

from types import SimpleNamespace

import pytest

from gradcheck.notebook import Checked
from gradcheck.views import counted, render_totals


@pytest.mark.parametrize(("count", "noun", "text"), [
    (1, "class", "1 class"), (2, "class", "2 classes"), (0, "class", "0 classes"),
    (1, "check", "1 check"), (7, "check", "7 checks"), (1, "example", "1 example"),
    (20, "example", "20 examples"), (1, "function", "1 function"), (3, "function", "3 functions"),
])
def test_a_count_takes_the_singular_only_for_one(count, noun, text):
    assert counted(count, noun) == text


def result(name, kind="layer", examples=3, status="passed"):
    check = SimpleNamespace(examples=examples)
    return SimpleNamespace(name=name, kind=kind, checks=[check], status=status)


def test_the_totals_line_of_one_class_and_of_two():
    one = render_totals(["my_layers.py"], [result("Layer_Dense")], seed=0, seconds=0.8)
    assert one == "\nmy_layers.py: 1 class, 1 check, 3 examples (seed 0) in 0.8 s\n"
    two = render_totals(["m.py"], [result("A", examples=1), result("B", "function")],
                        seed=1, seconds=2.0)
    assert two == "\nm.py: 1 class and 1 function, 2 checks, 4 examples (seed 1) in 2.0 s\n"
    many = render_totals(["m.py"], [result("A"), result("B")], seed=0, seconds=1.0)
    assert many.startswith("\nm.py: 2 classes, 2 checks, 6 examples")


def test_a_notebook_check_of_one_class_says_class():
    assert repr(Checked([result("Layer_Dense")])) == "<Checked 1 class: 1 passed>"
    assert repr(Checked([result("A"), result("B", status="failed")])).startswith(
        "<Checked 2 classes: 1 passed, 1 failed")
