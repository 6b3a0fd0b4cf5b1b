"""The picture below the notebook view: heatmaps of the failing gradients, or how to get them.

With matplotlib, a failing report's HTML embeds one PNG (analytic, numeric, difference of
each failing gradient, drawn by the code of ``--plot`` from the verdict's own
``Elements``); a passing report gets none. Without matplotlib (simulated by blocking its
import), the table comes alone with one line naming the install.
"""

import base64
import subprocess
import sys

import numpy as np
import pytest

from gradcheck import check_layer, heatmaps
from gradcheck.notebook import check_all
from gradcheck.views import NO_PICTURE
from nnfs_core import Layer_Dense

IMG = '<img src="data:image/png;base64,'


class Layer_BadBiases(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = 2 * self.dbiases


class Activation_Doubled:
    def forward(self, inputs):
        self.output = 2 * inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()  # BUG: the factor 2 is missing


class Activation_Twice:
    def forward(self, inputs):
        self.output = 2 * inputs

    def backward(self, dvalues):
        self.dinputs = 2 * dvalues


def failing_report():
    return check_layer(Layer_BadBiases(3, 2), np.ones((4, 3)), raise_on_failure=False)


def passing_report():
    return check_layer(Layer_Dense(3, 2), np.ones((4, 3)))


def embedded_png(page):
    return base64.b64decode(page.split(IMG, 1)[1].split('"', 1)[0])


@pytest.fixture
def no_matplotlib(monkeypatch):
    """``import matplotlib`` raises ModuleNotFoundError, as where it is not installed."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_a_failing_report_shows_the_heatmaps_of_its_failing_gradient_below_the_table():
    pytest.importorskip("matplotlib")
    page = failing_report()._repr_html_()
    assert page.count(IMG) == 1 and page.index("</table>") < page.index(IMG)
    assert embedded_png(page)[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'alt="heatmaps of dbiases: analytic, numeric, difference"' in page
    assert NO_PICTURE not in page


def test_a_passing_report_shows_the_table_without_a_picture():
    pytest.importorskip("matplotlib")
    page = passing_report()._repr_html_()
    assert "<table>" in page and "<img" not in page and NO_PICTURE not in page


def test_without_matplotlib_a_failing_report_says_how_to_get_the_picture(no_matplotlib):
    page = failing_report()._repr_html_()
    assert "<table>" in page and "<img" not in page
    assert page.count("pip install matplotlib") == 1


def test_without_matplotlib_a_passing_report_has_no_install_line(no_matplotlib):
    page = passing_report()._repr_html_()
    assert "<table>" in page and "pip install" not in page


def test_a_drawing_that_raises_still_shows_the_table_and_says_why(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("no canvas")

    monkeypatch.setattr(heatmaps, "png", broken)
    page = failing_report()._repr_html_()
    assert "<table>" in page and "<img" not in page
    assert "heatmaps not drawn: ValueError(&#x27;no canvas&#x27;)" in page


def test_the_heatmaps_are_the_verdicts_own_data_with_n_d_gradients_flattened():
    pytest.importorskip("matplotlib")
    report = check_layer(Activation_Doubled(), np.linspace(-1, 1, 24).reshape(2, 3, 4),
                         raise_on_failure=False)
    (gradient,) = heatmaps.drawable(report.gradients, failing_only=True)
    figure = heatmaps.figure([gradient], "t")
    analytic, numeric, difference = (ax.images[0].get_array() for ax in figure.axes[:3])
    assert analytic.shape == (2, 12)  # (axis 0, the other axes flattened)
    np.testing.assert_array_equal(analytic, gradient.elements.analytic.reshape(2, 12))
    np.testing.assert_array_equal(numeric, gradient.elements.numeric.reshape(2, 12))
    np.testing.assert_allclose(difference, -analytic)  # analytic is half the numeric one
    assert len(figure.axes[2].patches) == 24  # every element judged wrong is outlined


def test_a_correct_n_d_gradient_has_nothing_to_draw_in_the_notebook_view():
    report = check_layer(Activation_Twice(), np.linspace(-1, 1, 24).reshape(2, 3, 4))
    assert heatmaps.drawable(report.gradients, failing_only=True) == []
    assert heatmaps.drawable(report.gradients)  # --plot still draws the closest call


def test_check_all_pictures_a_failing_class_and_not_a_passing_one():
    pytest.importorskip("matplotlib")
    namespace = {"__name__": __name__, "Activation_Doubled": Activation_Doubled,
                 "Activation_Twice": Activation_Twice}
    page = check_all(namespace, examples=2)._repr_html_()
    assert page.count(IMG) == 1
    assert page.index("Activation_Doubled") < page.index(IMG)
    del namespace["Activation_Doubled"]
    assert "<img" not in check_all(namespace, examples=2)._repr_html_()


def test_importing_gradcheck_and_showing_a_report_as_text_never_imports_matplotlib():
    code = ("import sys, numpy as np, gradcheck, gradcheck.views, gradcheck.heatmaps, "
            "gradcheck.notebook\n"
            "from gradcheck import check_layer\n"
            "from nnfs_core import Layer_Dense\n"
            "r = check_layer(Layer_Dense(2, 2), np.ones((2, 2)))\n"
            "repr(r), str(r), r._repr_html_()\n"
            "print('matplotlib' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert run.stdout.strip() == "False", run.stderr
