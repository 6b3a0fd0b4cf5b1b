"""Rows that say what is true (brief report24, point 3).

A check failed by a protocol finding alone (the input gradient computed from the weights
backward already updated) has gradients that all agreed: their small "worst error / tol"
read like a pass. The table says "protocol finding", the JSON's ``worst`` says
``decided_by: protocol`` with no numbers, the notebook view puts the finding first. A
gradient failure (its twin) keeps its numbers. Numbers that look equal get more digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from shrinking import shrinking_off
from zoo_observed import tutorials

from gradcheck import check_layer
from gradcheck.cli import main
from gradcheck.cli.formats import schema
from gradcheck.report import FAILED, PASSED, GradientResult, Report, apart
from gradcheck.views import PROTOCOL_CELL, render_table, report_html, report_repr

pytestmark = pytest.mark.usefixtures("isolated_imports", "no_shrinking")

TUTORIALS = Path(tutorials.__file__)
X = np.random.default_rng(0).normal(size=(5, 3))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    import contextlib
    import io
    import os

    where = tmp_path_factory.mktemp("true_rows")
    (where / "pyproject.toml").write_text(
        "[tool.gradcheck]\nexclude = ['Tanh*', 'FCLayer*', 'Linear*']\n")
    out, here = io.StringIO(), os.getcwd()
    os.chdir(where)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()), \
                shrinking_off():
            code = main([str(TUTORIALS), "--examples", "5", "-q", "--json", "out.json"])
        document = json.loads((where / "out.json").read_text())
    finally:
        os.chdir(here)
    assert code == 1
    return out.getvalue(), document


def _row(table: str, name: str) -> str:
    return next(line for line in table.splitlines() if line.startswith(name + " "))


def _check(document: dict, name: str) -> dict:
    result = next(r for r in document["results"] if r["name"] == name)
    return result["checks"][0]


def test_a_protocol_failure_says_so_in_the_table_not_a_small_error(run):
    table, _ = run
    row = _row(table, "Dense_InputGradientAfterUpdate")
    assert "failed" in row and PROTOCOL_CELL in row and "e-" not in row
    # the twins: a gradient failure and a pass keep their numbers
    assert "/" in _row(table, "Dense_BiasMean") and PROTOCOL_CELL not in table.replace(
        row, "")
    assert "/" in _row(table, "Dense ")


def test_the_json_says_what_decided_each_check_and_stays_schema_valid(run):
    _, document = run
    jsonschema.validate(document, schema())
    protocol = _check(document, "Dense_InputGradientAfterUpdate")["worst"]
    assert protocol == {"decided_by": "protocol", "gradient": None, "error": None,
                        "tolerance": None, "ratio": None}
    wrong = _check(document, "Dense_BiasMean")["worst"]
    assert wrong["decided_by"] == "gradient" and wrong["ratio"] > 1
    right = _check(document, "Dense")["worst"]
    assert right["decided_by"] == "gradient" and right["ratio"] < 1
    broken = json.loads(json.dumps(document))
    next(r for r in broken["results"] if r["name"] == "Dense")["checks"][0]["worst"][
        "decided_by"] = "luck"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema())


def test_the_notebook_view_puts_the_protocol_finding_first():
    report = check_layer(tutorials.Dense_InputGradientAfterUpdate(), X,
                         raise_on_failure=False)
    assert report.status == FAILED and report.failed_on_protocol
    page = report_html(report)
    assert "failed on a protocol finding" in page
    assert page.index("already updated") < page.index("<table>")
    assert "already updated" in report_repr(report)
    twin = check_layer(tutorials.Dense_BiasMean(), X, raise_on_failure=False)
    assert twin.status == FAILED and not twin.failed_on_protocol
    assert "failed on a protocol finding" not in report_html(twin)
    assert check_layer(tutorials.Dense(), X).failed_on_protocol is False


def test_numbers_that_would_look_equal_get_the_digits_that_tell_them_apart():
    assert apart(3.5e-10, 3.52e-10, digits=1) == ("3.50e-10", "3.52e-10")
    assert apart(1.2e-11, 3.0e-10, digits=1) == ("1.2e-11", "3.0e-10")  # already apart
    assert apart(3.5e-10, 3.5e-10, digits=1) == ("3.5e-10", "3.5e-10")  # truly equal
    assert apart(float("nan"), 1.0, digits=1) == ("-", "1.0e+00")
    assert apart(0.000999, 0.001, digits=2, style="g") == ("0.000999", "0.001")


def test_a_passing_row_just_under_its_tolerance_shows_it():
    from gradcheck.targets.results import CheckResult

    report = Report(name="Close", kind="layer", status=PASSED)
    report.gradients.append(GradientResult("dinputs", PASSED, error=3.498e-10,
                                           tolerance=3.52e-10, checked=6))

    class Spec:
        variant = "default"
        range_finding = None

    check = CheckResult(Spec(), PASSED, "", report=report)  # type: ignore[arg-type]

    class Result:
        name, kind, status, message, checks = "Close", "layer", PASSED, "", [check]

    row = _row(render_table([Result()]), "Close")
    assert "3.50e-10 / 3.52e-10" in row
    assert "3.5e-10 vs tolerance 3.52e-10" in report_repr(report)


def test_a_passing_row_whose_largest_difference_is_at_an_accepted_kink_says_so():
    from gradcheck.targets.results import CheckResult

    class Spec:
        variant = "default"
        range_finding = None

    def row(kinks: int, error: float) -> str:
        report = Report(name="Pool", kind="layer", status=PASSED)
        report.gradients.append(GradientResult("dinputs", PASSED, error=error,
                                               tolerance=1.8e-4, kinks=kinks, checked=35))
        check = CheckResult(Spec(), PASSED, "", report=report)  # type: ignore[arg-type]

        class Result:
            name, kind, status, message, checks = "Pool", "layer", PASSED, "", [check]

        return _row(render_table([Result()]), "Pool")

    assert "5.7e-01 / 1.8e-04 at a kink" in row(18, 0.57)
    assert "at a kink" not in row(18, 1e-5)  # under its tolerance: nothing to explain
    assert "at a kink" not in row(0, 1e-5)
