"""A recurrent layer over one sequence, time-major: ``forward(x)`` on ``(T, D)``, no batch.

Its rows are time steps, not samples. At inputs like ``-1000`` its tanh saturates and
forgets what came before, which fooled the row-independence probe: the check stacked
rows as if they were samples and its differences were wrong (a correct RNN failed on
seeds 1 of ``--examples 30``). Rows are now also probed in reverse order and, at large
inputs, at moderate ones. Our own RNN, written here, with a twin.
"""

from __future__ import annotations

import pytest

RNN = '''
import numpy as np


class RNN:
    """Vanilla RNN over a whole sequence: x (T, D) -> hs (T, H)."""

    def __init__(self, input_size, hidden_size, seed=0):
        rng = np.random.default_rng(seed)
        self.Wxh = rng.normal(0, 0.3, (hidden_size, input_size))
        self.Whh = rng.normal(0, 0.3, (hidden_size, hidden_size))
        self.bh = np.zeros((hidden_size, 1))
        self.hidden_size = hidden_size

    def forward(self, inputs):
        self.inputs = inputs
        h = np.zeros((self.hidden_size, 1))
        self.hs = {-1: h}
        outs = []
        for t in range(len(inputs)):
            x = inputs[t].reshape(-1, 1)
            h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)
            self.hs[t] = h
            outs.append(h.ravel())
        return np.array(outs)

    def backward(self, dhs):
        self.dWxh = np.zeros_like(self.Wxh)
        self.dWhh = np.zeros_like(self.Whh)
        self.dbh = np.zeros_like(self.bh)
        dx = np.zeros_like(self.inputs)
        dhnext = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(self.inputs))):
            dh = dhs[t].reshape(-1, 1) + dhnext
            dhraw = (1 - self.hs[t] ** 2) * dh
            self.dbh += dhraw
            self.dWxh += dhraw @ self.inputs[t].reshape(1, -1)
            self.dWhh += dhraw @ self.hs[t - 1].T
            dx[t] = (self.Wxh.T @ dhraw).ravel()
            dhnext = self.Whh.T @ dhraw
        return dx
'''

RNN_BAD = RNN.replace("self.dWhh += dhraw @ self.hs[t - 1].T",
                      "self.dWhh += dhraw @ self.hs[t].T")


@pytest.mark.usefixtures("no_shrinking")
@pytest.mark.parametrize(("text", "status"), [(RNN, "passed"), (RNN_BAD, "failed")])
def test_a_time_major_rnn_at_large_inputs(cli_results, tmp_path, text, status):
    (tmp_path / "sequence_rnn_time_major.py").write_text(text)
    for seed in ("0", "1"):
        _, results = cli_results("sequence_rnn_time_major.py", "--examples", "30", "--seed",
                                 seed)
        result = results["RNN"]
        assert result["status"] == status, (seed, result["message"])
