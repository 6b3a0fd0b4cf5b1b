"""Given for docs/cs231n.md's ``GRADCHECK_ARGS`` line: the target module it is a line of.

``scale_forward(x, gain)`` is outside the course's conventions and ``gain`` names no
known role, so without the line it is skipped;
``after_block`` writes the module with the block's ``GRADCHECK_ARGS`` and runs the command
on it: the pair must be checked, and pass.
"""

import json
from pathlib import Path

from gradcheck.cli import main

MODULE = '''import numpy as np


def scale_forward(x, gain):
    return x * gain, (x, gain)


def scale_backward(dout, cache):
    x, gain = cache
    return dout * gain, (dout * x).sum(axis=0)
'''


def after_block():
    args = globals().get("GRADCHECK_ARGS")
    module = MODULE + ("" if args is None else f"\nGRADCHECK_ARGS = {args!r}\n")
    Path("scale_layers.py").write_text(module, "utf-8")
    assert main(["scale_layers.py", "--examples", "5", "-q", "--json", "report.json"]) == 0
    (result,) = json.loads(Path("report.json").read_text("utf-8"))["results"]
    assert result["status"] == "passed", result
