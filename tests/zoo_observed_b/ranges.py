"""A tanh written with np.exp (its derivative right: a range finding, apart from the
gradient verdict), its buggy twin, and an abstract base with the layers derived from it."""

import logging

import numpy as np

log = logging.getLogger("zoo_observed_b.chatty")


class Module:
    """An abstract base: its methods do nothing."""

    def forward(self, x):
        return None

    def backward(self, grad):
        raise NotImplementedError("subclasses implement backward")


class TanhExp(Module):
    def forward(self, x):
        self.out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
        return self.out

    def backward(self, grad):
        return grad * (1 - self.out ** 2)


class TanhExp_Bug(TanhExp):
    def backward(self, grad):
        return grad * (1 - self.out) ** 2  # BUG: (1 - t)^2, not 1 - t^2


class Chatty(Module):
    """Logs every call: what it prints stays out of the report (shown under -v)."""

    def forward(self, x):
        print(f"Chatty.forward called on {x.shape}")
        log.warning("logged forward on %s", x.shape)
        self.x = x
        return 3 * x

    def backward(self, grad):
        import sys
        print("Chatty.backward called", file=sys.stderr)
        return 3 * grad


class Chatty_Bug(Chatty):
    def backward(self, grad):
        print("Chatty_Bug.backward called")
        return 2 * grad  # BUG: the factor


class Hooked:
    """An abstract base through hooks: forward and backward call methods subclasses fill."""

    def forward(self, x):
        self.x = x
        return self._forward(x)

    def backward(self, grad):
        return self._backward(grad)

    def _forward(self, x):
        raise NotImplementedError

    def _backward(self, grad):
        raise NotImplementedError


class Linear(Hooked):
    """A base of its own: it works on the weights its subclasses set."""

    def _forward(self, x):
        return x @ self.W

    def _backward(self, grad):
        self.dW = self.x.T @ grad
        return grad @ self.W.T


class Linear3(Linear):
    def __init__(self):
        self.W = np.random.default_rng(4).normal(size=(3, 2))


class Linear3_Bug(Linear3):
    def _backward(self, grad):
        self.dW = self.x.T @ grad / len(grad)  # BUG: averaged over the batch
        return grad @ self.W.T
