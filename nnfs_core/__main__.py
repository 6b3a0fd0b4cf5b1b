"""``python -m nnfs_core``: train the document's spiral classifier and show it learning."""

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from .train import EpochStats, train_spiral

# in-place progress line on a terminal: refresh it every this many epochs
_TTY_REFRESH = 50


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nnfs_core",
        description="Train Dense(2,64) -> ReLU -> Dense(64,3) -> softmax + cross-entropy "
        "with SGD on nnfs's spiral data (100 samples x 3 classes), printing "
        "epoch, accuracy and loss.",
    )
    parser.add_argument(
        "--epochs", type=int, default=10_000, help="parameter updates (default: %(default)s)"
    )
    parser.add_argument(
        "--learning-rate", type=float, default=2.0, help="SGD step size (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seeds the data and the weights (default: %(default)s)"
    )
    parser.add_argument(
        "--print-every",
        type=int,
        default=1000,
        metavar="N",
        help="print a line every N epochs (default: %(default)s)",
    )
    return parser


class _Progress:
    """Print every N-th epoch; on a terminal also keep one in-place line up to date."""

    def __init__(self, every: int, last: int, stream: TextIO) -> None:
        self.every, self.last, self.stream = every, last, stream
        self.live = stream.isatty()

    def __call__(self, stats: EpochStats) -> None:
        if stats.epoch % self.every == 0 or stats.epoch == self.last:
            # \r + clear-to-end-of-line erases the in-place line before a permanent one
            prefix = "\r\x1b[K" if self.live else ""
            print(prefix + str(stats), file=self.stream, flush=True)
        elif self.live and stats.epoch % _TTY_REFRESH == 0:
            print(f"\r{stats}", end="", file=self.stream, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the training demo; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.epochs < 0:
        parser.error(f"--epochs must be >= 0, got {args.epochs}")
    if args.print_every < 1:
        parser.error(f"--print-every must be >= 1, got {args.print_every}")
    if not args.learning_rate > 0:
        parser.error(f"--learning-rate must be > 0, got {args.learning_rate}")

    start = time.perf_counter()
    history = train_spiral(
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        seed=args.seed,
        on_epoch=_Progress(args.print_every, args.epochs, sys.stdout),
    )
    seconds = time.perf_counter() - start
    first, final = history[0], history[-1]
    print(
        f"trained {args.epochs} epochs in {seconds:.1f} s (seed {args.seed}, "
        f"learning rate {args.learning_rate}): accuracy {first.accuracy:.3f} -> "
        f"{final.accuracy:.3f}, loss {first.loss:.3f} -> {final.loss:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
