"""Loading targets: definitions without module-level code, notebooks, names, errors.

In-process on small files written to tmp_path (none calls nnfs.init()); the fixture undoes
the sys.path / sys.modules changes.
"""

import ast
import json
import sys
from pathlib import Path

import pytest

from gradcheck.targets.discovery import find_classes
from gradcheck.targets.loading import TargetError, load_target
from gradcheck.targets.notebooks import read_notebook
from gradcheck.targets.scripts import Unavailable, definitions

TARGETS = Path(__file__).parent / "cli_targets"


pytestmark = pytest.mark.usefixtures("isolated_imports")


SCRIPT = '''\
import os
import json as unused_json
import numpy as np
from math import pi as PI

SCALE = 2 * PI
GRADCHECK_ARGS = {"Layer_Scale": {"k": 3}}
data = np.loadtxt("missing.csv")

def helper(x):
    return SCALE * x

class Layer_Scale:
    def forward(self, inputs):
        self.output = helper(inputs)

for epoch in range(10):
    print(epoch)
if __name__ == "__main__":
    os.remove("everything")
'''


def kept_source(source):
    extraction = definitions(ast.parse(source), source)
    return [ast.unparse(s).splitlines()[0] for s in extraction.kept], extraction


def test_definitions_keep_what_the_classes_need_and_drop_the_rest():
    kept, extraction = kept_source(SCRIPT)
    assert kept == ["from math import pi as PI", "SCALE = 2 * PI",
                    "GRADCHECK_ARGS = {'Layer_Scale': {'k': 3}}", "def helper(x):",
                    "class Layer_Scale:"]
    assert [(d.first, d.last) for d in extraction.not_run] == [(8, 8), (17, 18)]
    assert extraction.not_run[1].describe() == (
        "lines 17-18 (for epoch in range(10): ...)")
    # numpy only served the dropped data loading
    assert extraction.unused_imports == ["import os", "import json as unused_json",
                                         "import numpy as np"]


def test_a_parameter_named_like_a_module_variable_does_not_keep_it():
    source = ("import numpy as np\nX, y = np.load('data.npy')\n"
              "class Loss:\n    def calculate(self, output, y):\n        return output - y\n")
    kept, extraction = kept_source(source)
    assert kept == ["class Loss:"]
    assert [(d.first, d.last) for d in extraction.not_run] == [(2, 2)]


def test_nnfs_init_and_a_guarded_import_block_are_kept():
    source = ("import nnfs\nnnfs.init()\n"
              "try:\n    import cupy as xp\nexcept ImportError:\n    import numpy as xp\n"
              "class A:\n    def forward(self, x):\n        self.output = xp.tanh(x)\n"
              "print('hi')\n")
    kept, extraction = kept_source(source)
    assert kept == ["import nnfs", "nnfs.init()", "try:", "class A:"]
    assert [(d.first, d.last) for d in extraction.not_run] == [(10, 10)]


def test_a_script_loads_without_running_its_module_level_code(tmp_path):
    (tmp_path / "gc_script.py").write_text(SCRIPT)
    target = load_target(str(tmp_path / "gc_script.py"))
    assert target.mode == "definitions"
    assert [f.name for f in find_classes(target)] == ["Layer_Scale"]
    assert target.module.__name__ == "gc_script" and sys.modules["gc_script"] is target.module
    assert "not run: line 8 (data = np.loadtxt" in target.not_run_text()
    assert target.import_output == ""  # the loop's prints never ran


def test_classes_of_a_script_pickle_and_keep_their_source(tmp_path):
    import inspect
    import pickle

    (tmp_path / "gc_script.py").write_text(SCRIPT)
    module = load_target(str(tmp_path / "gc_script.py")).module
    copy = pickle.loads(pickle.dumps(module.Layer_Scale()))
    assert type(copy) is module.Layer_Scale
    assert inspect.getsource(module.Layer_Scale).startswith("class Layer_Scale:")
    assert module.__file__ == str(tmp_path / "gc_script.py")


def test_run_module_runs_it_as_it_is(tmp_path):
    (tmp_path / "gc_script.py").write_text(SCRIPT)
    with pytest.raises(TargetError, match=r"missing.csv.*gc_script.py:8"):
        load_target(str(tmp_path / "gc_script.py"), run_module=True)


def test_a_failed_import_a_class_needs_is_raised_when_the_class_uses_it(tmp_path):
    (tmp_path / "gc_needs.py").write_text(
        "import gc_not_installed_anywhere as lib\n"
        "class A:\n    def forward(self, x):\n        return lib.f(x)\n")
    target = load_target(str(tmp_path / "gc_needs.py"))
    (note,) = target.notes
    assert "gc_needs.py:1 failed" in note and "lib unavailable" in note
    assert isinstance(target.module.lib, Unavailable)
    with pytest.raises(ModuleNotFoundError, match="gc_not_installed_anywhere"):
        target.module.A().forward(1)


def test_a_class_whose_definition_raises_is_broken_not_fatal(tmp_path):
    (tmp_path / "gc_broken.py").write_text(
        "import numpy as np\nclass Bad:\n    table = np.ones(3).reshape(2)\n"
        "class Good:\n    pass\n")
    target = load_target(str(tmp_path / "gc_broken.py"))
    ((name, reason),) = target.broken
    assert name == "Bad" and "gc_broken.py:3" in reason and "ValueError" in reason
    assert [f.name for f in find_classes(target)] == ["Good"]


@pytest.mark.parametrize("name", ["9.3 dense.py", "my layers.py", "ch-2.py"])
def test_any_file_name_loads_under_a_safe_alias(tmp_path, name):
    (tmp_path / name).write_text("class A:\n    pass\n")
    target = load_target(str(tmp_path / name))
    assert target.module.__name__.startswith("gradcheck_target_")
    assert sys.modules[target.module.__name__] is target.module


def test_the_working_directory_is_importable(tmp_path, monkeypatch):
    (tmp_path / "gc_common").mkdir()
    (tmp_path / "gc_common" / "__init__.py").write_text("")
    (tmp_path / "gc_common" / "base.py").write_text("class Base:\n    pass\n")
    (tmp_path / "chapter").mkdir()
    (tmp_path / "chapter" / "net.py").write_text(
        "from gc_common.base import Base\nclass Layer(Base):\n    pass\n")
    monkeypatch.chdir(tmp_path)
    target = load_target("chapter/net.py")
    assert target.notes == []
    assert [f.name for f in find_classes(target)] == ["Layer"]


def test_a_file_without_definitions_is_run_as_it_is(tmp_path):
    (tmp_path / "gc_raises.py").write_text("import numpy\nraise ValueError('boom')\n")
    with pytest.raises(TargetError, match=r"ValueError: boom \(.*gc_raises.py:2\)"):
        load_target(str(tmp_path / "gc_raises.py"))


# ----------------------------------------------------------------------------- notebooks
def notebook(cells):
    return json.dumps({"cells": [{"cell_type": kind, "source": text, "metadata": {}}
                                 for kind, text in cells], "nbformat": 4})


def test_a_notebook_reads_its_code_cells_with_ipython_syntax_commented_out(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(notebook([
        ("markdown", "# title"),
        ("code", ["%matplotlib inline\n", "import numpy as np\n", "files = !ls\n"]),
        ("code", "%%bash\necho not python"),
        ("code", "%%time\nx = np.ones(2)"),
    ]))
    read = read_notebook(path)
    assert read.source.splitlines() == [
        "pass  # %matplotlib inline", "import numpy as np", "pass  # files = !ls", "",
        "# %%time", "x = np.ones(2)", ""]
    assert read.where(6) == "cell 3, line 2"  # the %%bash cell is cell 2, left out


def test_a_notebooks_classes_keep_their_source_and_errors_name_the_cell(tmp_path):
    import inspect

    path = tmp_path / "nb.ipynb"
    path.write_text(notebook([
        ("code", "import numpy as np"),
        ("code", "class A:\n    def forward(self, x):\n        return np.ones(3).reshape(2)"),
    ]))
    target = load_target(str(path))
    cls = target.module.A
    assert "def forward" in inspect.getsource(cls)
    from gradcheck.targets.loading import describe_exception

    with pytest.raises(ValueError) as info:
        cls().forward(1)
    assert describe_exception(info.value).endswith("nb.ipynb, cell 2, line 3)")


def test_a_file_that_is_not_a_notebook_is_a_target_error(tmp_path):
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(TargetError, match="not a readable notebook"):
        load_target(str(tmp_path / "bad.ipynb"))
