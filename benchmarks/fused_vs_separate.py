"""Fused softmax + cross-entropy backward versus the separate backwards (document cell 60).

The document times, with timeit and 10000 calls each, the fused backward (f1) against the
separate cross-entropy backward followed by the softmax Jacobian-loop backward (f2) on a
3x3 batch, object construction included, and reports "about 2.857 times slower". This
script repeats that with nnfs_core's classes, adds the separate path with the vectorized
softmax backward (f3), and repeats all three on bigger batches. It prints numbers; it
asserts nothing except that the three paths compute the same gradient.

    python benchmarks/fused_vs_separate.py [--repeat 3]

The document's batch is timed with its 10000 calls per timing; the bigger batches with as
many calls as fill 0.2 s (timeit's autorange), so the slow Jacobian loop stays affordable.
"""

import argparse
import platform
from timeit import Timer

import numpy as np

from nnfs_core import (
    Activation_Softmax,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Loss_CategoricalCrossentropy,
)


def fused(softmax_outputs, class_targets):
    softmax_loss = Activation_Softmax_Loss_CategoricalCrossentropy()
    softmax_loss.backward(softmax_outputs, class_targets)
    return softmax_loss.dinputs


def separate(softmax_outputs, class_targets, method):
    activation = Activation_Softmax()
    activation.output = softmax_outputs
    loss = Loss_CategoricalCrossentropy()
    loss.backward(softmax_outputs, class_targets)
    getattr(activation, method)(loss.dinputs)
    return activation.dinputs


def batch(samples, classes, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(samples, classes))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probs, rng.integers(0, classes, size=samples)


CASES = [
    # (name, softmax outputs, targets, calls per timing: None = autorange)
    (
        "document 3x3",
        np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]]),
        np.array([0, 1, 1]),
        10_000,
    ),
    ("spiral 300x3", *batch(300, 3), None),
    ("128x32", *batch(128, 32), None),
]


def seconds_per_call(path, calls, repeat):
    """Best of ``repeat`` timings of ``calls`` calls (autorange when calls is None)."""
    timer = Timer(path)
    if calls is None:
        calls, _ = timer.autorange()
    return min(timer.repeat(number=calls, repeat=repeat)) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings per path; best is kept")
    args = parser.parse_args()

    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}")
    print(f"best of {args.repeat} timeit runs; times are per call\n")
    header = f"{'batch':<14}{'fused':>11}{'jacobian':>11}{'vectorized':>12}"
    print(header + f"{'jac/fused':>11}{'vec/fused':>11}{'jac/vec':>9}")
    for name, outputs, targets, calls in CASES:
        paths = {
            "fused": lambda o=outputs, t=targets: fused(o, t),
            "jacobian": lambda o=outputs, t=targets: separate(o, t, "backward_jacobian"),
            "vectorized": lambda o=outputs, t=targets: separate(o, t, "backward"),
        }
        reference = paths["fused"]()
        for path in paths.values():
            np.testing.assert_allclose(path(), reference, rtol=1e-10, atol=1e-15)
        seconds = {key: seconds_per_call(path, calls, args.repeat) for key, path in paths.items()}
        f, j, v = seconds["fused"], seconds["jacobian"], seconds["vectorized"]
        print(
            f"{name:<14}{f * 1e6:>9.1f}us{j * 1e6:>9.1f}us{v * 1e6:>10.1f}us"
            f"{j / f:>10.2f}x{v / f:>10.2f}x{j / v:>8.2f}x"
        )
    print("\ndocument (cell 60): jacobian/fused about 2.857x on the 3x3 batch")


if __name__ == "__main__":
    main()
