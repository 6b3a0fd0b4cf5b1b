"""Given for docs/command.md's ``GRADCHECK_ARGS`` line: the target module it is a line of.

``after_block`` writes the module with the block's ``GRADCHECK_ARGS`` and runs the command
on it: the row must use those arguments, not a guess of its own.
"""

import json
from pathlib import Path

from gradcheck.cli import main

MODULE = '''import numpy as np


class Layer_Dropout:
    def __init__(self, rate):
        self.rate = 1 - rate

    def forward(self, inputs):
        self.inputs = inputs
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.output = inputs * self.binary_mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.binary_mask
'''


def after_block():
    args = globals().get("GRADCHECK_ARGS")
    module = MODULE + ("" if args is None else f"\nGRADCHECK_ARGS = {args!r}\n")
    Path("my_dropout.py").write_text(module, "utf-8")
    assert main(["my_dropout.py", "--examples", "5", "-q", "--json", "report.json"]) == 0
    (result,) = json.loads(Path("report.json").read_text("utf-8"))["results"]
    assert [check["variant"] for check in result["checks"]] == ["rate=0.1"], result["checks"]
