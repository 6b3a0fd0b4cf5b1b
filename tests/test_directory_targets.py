"""``gradcheck DIR`` on a directory that is not a package: each of its files is checked.

A from-scratch repository keeps ``layers.py``, ``losses.py`` and ``train.py`` side by
side with no ``__init__.py``; the command checks every file and notebook in it (and
below it), passes over the files with nothing to check, and makes a file that cannot be
loaded an ``error`` row instead of stopping the run.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from gradcheck.cli import main
from gradcheck.targets.folders import directory_files

pytestmark = pytest.mark.usefixtures("isolated_imports")

RELU = textwrap.dedent(
    """
    import numpy as np

    class ReLU:
        def forward(self, inputs):
            self.inputs = inputs
            self.output = np.maximum(0, inputs)

        def backward(self, dvalues):
            self.dinputs = dvalues * (self.inputs > 0){bug}
    """
)
TRAIN = "import numpy as np\n\nEPOCHS = 10\n\ndef train(model, x):\n    return model(x)\n"


def run(tmp_path, monkeypatch, capsys, *args):
    monkeypatch.chdir(tmp_path)
    code = main([*args, "--examples", "3", "--json", "r.json"])
    out = capsys.readouterr()
    document = json.loads((tmp_path / "r.json").read_text())
    return code, out, {r["name"]: r for r in document["results"]}


def test_each_file_of_a_plain_directory_is_checked(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    (repo / "nested").mkdir(parents=True)
    (repo / "layers.py").write_text(RELU.format(bug=""))
    (repo / "train.py").write_text(TRAIN)  # nothing to check: passed over quietly
    (repo / "nested" / "more.py").write_text(RELU.replace("ReLU", "ReLU2").format(bug=""))
    code, out, results = run(tmp_path, monkeypatch, capsys, "repo")
    assert code == 0, out.err
    assert set(results) == {"ReLU", "ReLU2"}
    assert "train.py" not in out.out + out.err


def test_a_bug_in_one_file_and_a_file_that_cannot_load_fail_the_run(tmp_path, monkeypatch,
                                                                     capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "layers.py").write_text(RELU.format(bug=""))
    (repo / "broken.py").write_text(RELU.replace("ReLU", "Doubled").format(bug=" * 2"))
    (repo / "typo.py").write_text("class A:\n    def forward(self, x)\n        return x\n")
    code, out, results = run(tmp_path, monkeypatch, capsys, "repo")
    assert code == 1
    assert results["ReLU"]["status"] == "passed"
    assert results["Doubled"]["status"] == "failed"
    typo = results[str((tmp_path / "repo" / "typo.py").relative_to(tmp_path))]
    assert typo["status"] == "error" and typo["kind"] == "file"
    assert "SyntaxError" in typo["message"]


def test_a_directory_with_nothing_to_check_is_a_usage_error(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "train.py").write_text(TRAIN)
    monkeypatch.chdir(tmp_path)
    assert main(["repo", "-q"]) == 2
    err = capsys.readouterr().err
    assert "nothing to check in repo: none of its 1 files and notebooks defines" in err


def test_environments_caches_and_hidden_directories_are_not_entered(tmp_path):
    for name in (".venv", "venv", "__pycache__", "node_modules", ".git", "lib_env"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.py").write_text("")
    (tmp_path / "lib_env" / "pyvenv.cfg").write_text("")  # a venv under any name
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "b.py").write_text("")
    (tmp_path / "a.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("")
    spelled = str(tmp_path)
    assert directory_files(spelled) == [f"{spelled}/a.ipynb", f"{spelled}/b.py",
                                        f"{spelled}/pkg"]
    assert directory_files(f"{spelled}/pkg") is None  # a package is one target
    assert directory_files(f"{spelled}/b.py") is None
