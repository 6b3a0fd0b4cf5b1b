"""Helpers of the ``test_weak24d_*`` files: the zoo's expected verdicts, the command's JSON."""

from __future__ import annotations

import inspect
import json
from types import ModuleType

from gradcheck.cli import main


def own(module: ModuleType) -> dict[str, object]:
    """The public functions and classes a zoo module defines."""
    return {n: v for n, v in vars(module).items()
            if (inspect.isfunction(v) or inspect.isclass(v))
            and v.__module__ == module.__name__ and not n.startswith("_")}


def expected(module: ModuleType) -> dict[str, str]:
    """``failed`` for a name ending in ``_bug`` / ``_Bug``, ``passed`` for the others."""
    return {n: "failed" if n.lower().endswith("_bug") else "passed" for n in own(module)}


def cli_document(target: str, tmp_path, capsys, monkeypatch, *more: str) -> dict:
    """``gradcheck TARGET --examples 5``: the JSON document (the command run in process)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "out.json"
    main([target, "--examples", "5", "-q", "--json", str(path), *more])
    capsys.readouterr()
    return json.loads(path.read_text())


def verdicts(document: dict) -> dict[str, str]:
    return {r["name"]: r["status"] for r in document["results"]}
