"""The "worst error / tol" cell of a passed check shows its closest call among the passed
examples, not the numbers of an inconclusive example met first (errors at undecidable
elements, far above their tolerance: "passed 5.7e-01 / 1.8e-04" read as a contradiction).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradcheck.cli import main

POOL = Path(__file__).parent / "zoo_closest" / "pool.py"
pytestmark = pytest.mark.usefixtures("isolated_imports")


def check(tmp_path, monkeypatch, capsys):  # (shrinking off: verdicts and numbers only)
    monkeypatch.chdir(tmp_path)
    code = main([str(POOL), "--examples", "4", "--json", "r.json", "-q"])
    table = capsys.readouterr().out
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    return code, table, results


def test_a_passed_check_shows_a_passed_examples_numbers(tmp_path, monkeypatch, capsys,
                                                        no_shrinking):
    code, table, results = check(tmp_path, monkeypatch, capsys)
    (passed,) = results["MaxPool2x"]["checks"]
    assert passed["status"] == "passed"
    assert passed["examples_inconclusive"] > 0 and passed["examples_passed"] > 0
    (dx,) = passed["gradients"]
    assert dx["status"] == "passed" and dx["error"] <= dx["tolerance"]
    row = next(line for line in table.splitlines() if line.startswith("MaxPool2x "))
    error, tolerance = (float(t) for t in row.split()[3:6:2])
    assert error <= tolerance
    # the twin: windows written with `=` are wrong where they overlap
    assert code == 1 and results["MaxPool_Assign"]["status"] == "failed"
