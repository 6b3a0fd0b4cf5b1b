"""The zoo of autograd engines, judged through ``check_engine`` and through the CLI.

Every engine of ``tests/zoo_engines`` is written here: correct scalar and tensor engines
(float64, float32, the common learner styles) and one buggy twin per bug engines really
have. Each must get exactly its expected verdict: the expected rows fail (with the
diagnosis the evidence allows), no other row fails, and the correct ones pass.
"""

import importlib
import json
from pathlib import Path

import jsonschema
import pytest
from zoo_engines import DIAGNOSES, EXPECTED

from gradcheck import GradientError, check_engine
from gradcheck.cli import main

ZOO = Path(__file__).parent / "zoo_engines"


def engine_class(name):
    module = importlib.import_module(f"zoo_engines.{name}")
    return next(v for v in vars(module).values()
                if isinstance(v, type) and v.__module__ == module.__name__)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_zoo_engine_verdict_through_the_api(name):
    status, failing = EXPECTED[name]
    report = check_engine(engine_class(name), raise_on_failure=False)
    assert report.status == status, report.message
    got = {g.name for g in report.gradients if g.status in ("failed", "error")}
    assert got == failing, report.message
    if name in DIAGNOSES:
        op, words = DIAGNOSES[name]
        row = next(g for g in report.gradients if g.name == op)
        assert words in (row.diagnosis or ""), row.describe()
        assert row.expression and row.values  # the failing expression and its values
    else:
        assert report.ok and len(report.gradients) >= 10


@pytest.mark.parametrize("name", list(EXPECTED))
def test_zoo_engine_verdict_through_the_cli(name, tmp_path, capsys):
    status, failing = EXPECTED[name]
    out = tmp_path / "report.json"
    code = main([str(ZOO / f"{name}.py"), "--json", str(out), "-q"])
    assert code == (0 if status == "passed" else 1)
    document = json.loads(out.read_text())
    schema = Path(__file__).parents[1] / "gradcheck" / "report.schema.json"
    jsonschema.validate(document, json.loads(schema.read_text()))
    (result,) = document["results"]
    assert result["kind"] == "engine"
    assert result["status"] == status
    rows = {c["variant"]: c for c in result["checks"]}
    assert {v for v, c in rows.items() if c["status"] in ("failed", "error")} == failing
    table = capsys.readouterr().out
    for op in failing:
        assert op in table


def test_raise_on_failure_raises_with_the_failing_expression():
    with pytest.raises(GradientError) as info:
        check_engine(engine_class("scalar_assign"))
    message = str(info.value)
    assert "`a * a`" in message and "grad assigned, not accumulated" in message
    assert info.value.report.kind == "engine"
