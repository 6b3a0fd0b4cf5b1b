"""A layer declared for large images is checked on a small one when its forward takes it.

Before: ``Conv2D(input_shape=(3, 32, 32))`` was checked at 32 x 32 and ended in "did not
finish within its time limit of 120 s" (an ``error``, exit 1) for a correct layer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zoo_observed import large_images

from gradcheck.cli import main


@pytest.mark.usefixtures("isolated_imports", "no_shrinking")
def test_a_small_image_first_and_the_twin_still_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([str(Path(large_images.__file__)), "--examples", "3", "--json", "r.json",
                 "-q"]) == 1
    results = {r["name"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert {n: r["status"] for n, r in results.items()} == {"Conv2D": "passed",
                                                           "Conv2D_Assign": "failed"}
    assert results["Conv2D"]["checks"][0]["variant"] == "inputs (n, 3, 5, 7)"
