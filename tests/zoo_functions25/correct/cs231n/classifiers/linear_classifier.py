from pathlib import Path

import numpy as np

from .linear_svm import *  # noqa: F403
from .softmax import *  # noqa: F403

TRAIN_LOG = Path("train_was_called.txt")


def train(X, y, learning_rate=1e-3, reg=1e-5, num_iters=100):
    """A training loop: the checker must never call it (it writes a file, then raises)."""
    TRAIN_LOG.write_text("train() ran\n")
    raise RuntimeError("train() must never be called by the checker")


def main():
    TRAIN_LOG.write_text("main() ran\n")
    raise SystemExit(3)


def plot(losses):
    TRAIN_LOG.write_text("plot() ran\n")
    return losses, np.zeros(3)


def download(url):
    TRAIN_LOG.write_text("download() ran\n")
    return url, np.zeros(3)
