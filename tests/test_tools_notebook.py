"""Notebooks: a short repr, an HTML view, and check_all / %gradcheck over a notebook's classes.

The headless run executes ``tests/notebooks/check_all.ipynb`` in a fresh kernel (nbclient
and ipykernel, in the ``test`` extra); the rest runs in-process on classes defined here.
"""

import html
from pathlib import Path

import numpy as np
import pytest

import gradcheck
from gradcheck import check_layer
from gradcheck.notebook import check_all

NOTEBOOK = Path(__file__).parent / "notebooks" / "check_all.ipynb"


class Activation_Tanh:
    def forward(self, inputs):
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output ** 2)


class Activation_Doubled:
    def forward(self, inputs):
        self.output = 2 * inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()


def test_a_report_repr_is_one_short_line_naming_the_worst_finding():
    report = check_layer(Activation_Doubled(), np.ones((2, 3)), raise_on_failure=False)
    text = repr(report)
    assert "\n" not in text and len(text) < 160
    assert text.startswith("<Report Activation_Doubled (layer): failed; dinputs at (")
    assert "tolerance" in text
    passed = repr(check_layer(Activation_Tanh(), np.ones((2, 3))))
    assert passed.startswith("<Report Activation_Tanh (layer): passed; worst dinputs")


def short(text: str) -> bool:
    return "\n" not in text and len(text) < 160 and text.startswith("<Report ")


def test_an_engine_report_repr_is_the_same_short_line():
    # EngineReport is a dataclass subclass: without repr=False, @dataclass writes a repr
    # of every field (thousands of characters) over Report's short one
    from zoo_engines import scalar_assign, scalar_ok

    passed = repr(gradcheck.check_engine(scalar_ok.Scalar))
    assert short(passed) and passed.startswith("<Report Scalar (engine): passed;"), passed
    failed = repr(gradcheck.check_engine(scalar_assign.Scalar, raise_on_failure=False))
    assert short(failed) and "failed; mul at" in failed, failed


def test_a_dataclass_repr_over_the_report_would_not_pass_as_short():
    # the twin: the repr @dataclass writes by default, on the same failing report
    import dataclasses

    from zoo_engines import scalar_assign

    from gradcheck.report import EngineReport

    @dataclasses.dataclass
    class DefaultRepr(EngineReport):
        pass

    report = gradcheck.check_engine(scalar_assign.Scalar, raise_on_failure=False)
    fields = {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}
    assert not short(repr(DefaultRepr(**fields)))


def test_the_html_view_lists_failing_gradients_first():
    from nnfs_core import Layer_Dense

    class Layer_BadBiases(Layer_Dense):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.dbiases = 2 * self.dbiases

    report = check_layer(Layer_BadBiases(3, 2), np.ones((2, 3)), raise_on_failure=False)
    page = report._repr_html_()
    assert page.count("<tr>") == 1 + len(report.gradients)
    rows = page.split("<tbody>")[1]
    assert rows.index("dbiases") < rows.index("dweights") < rows.index("dinputs") or \
        rows.index("dbiases") < rows.index("dinputs")
    assert "failed" in rows.split("</tr>")[0]


def test_the_html_view_escapes_what_user_code_puts_in_messages():
    report = gradcheck.Report(name="<b>Evil</b>", kind="layer", status="error",
                              problems=["raised <script>"])
    page = report._repr_html_()
    assert "<script>" not in page and html.escape("<script>") in page
    assert "<b>Evil</b>" not in page


def test_check_all_checks_the_classes_defined_in_a_namespace_only():
    from nnfs_core import Activation_ReLU  # imported, so not checked

    namespace = {"__name__": __name__, "Activation_Tanh": Activation_Tanh,
                 "Activation_Doubled": Activation_Doubled, "Activation_ReLU": Activation_ReLU}
    checked = check_all(namespace, examples=2)
    assert [r.name for r in checked.results] == ["Activation_Tanh", "Activation_Doubled"]
    assert not checked.ok and [r.name for r in checked.failed] == ["Activation_Doubled"]
    assert repr(checked) == "<Checked 2 classes: 1 passed, 1 failed (Activation_Doubled)>"
    page = checked._repr_html_()
    assert page.index("Activation_Doubled") < page.index("Activation_Tanh")
    del namespace["Activation_Doubled"]
    assert check_all(namespace, examples=2).ok


@pytest.mark.parametrize("bad", [{"examples": 0}, {"seed": -1}, {"examples": 2.5}])
def test_check_all_rejects_bad_options(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        check_all({"__name__": __name__}, **bad)


def test_a_notebook_runs_headless_with_check_all_and_the_magic():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute(
        cwd=str(NOTEBOOK.parent))
    outputs = [cell.get("outputs", []) for cell in notebook.cells]

    def shown(i, kind):
        return "".join(o.get("data", {}).get(kind, "") for o in outputs[i])

    assert shown(2, "text/plain").startswith("<Report Layer_Dense (layer): failed; dbiases")
    assert "<table>" in shown(2, "text/html")
    # the heatmaps of the failing gradient below the table (matplotlib is in the test extra)
    assert '<img src="data:image/png;base64,' in shown(2, "text/html")
    assert shown(3, "text/plain") == (
        "<Checked 2 classes: 1 passed, 1 failed (Layer_Dense)>")
    assert "dbiases" in shown(3, "text/html")  # the failing gradient of the notebook's bug
    assert shown(5, "text/plain") == shown(3, "text/plain")
