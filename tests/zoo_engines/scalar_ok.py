"""A correct scalar autograd engine, written here for the zoo (reference for its twins).

``Scalar`` holds one float in ``data`` and its gradient in ``grad``; every operation
returns a new node whose ``_backward`` adds the local derivative times ``out.grad`` into
its inputs' ``grad``; ``backward()`` orders the graph depth-first and walks it in reverse.

Its buggy twins subclass it and change one method: nodes and lifted constants are built
with ``type(self)``, so every node of a twin's graph is of the twin's class.
"""

import math


class Scalar:
    def __init__(self, data, parents=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self._parents = tuple(parents)
        self._op = op
        self._backward = lambda: None

    def __repr__(self):
        return f"Scalar({self.data:.4g}, grad={self.grad:.4g})"

    def _lift(self, x):
        return x if isinstance(x, Scalar) else type(self)(x)

    def _node(self, data, parents, op, local):
        """A new node; ``local`` gives d(out)/d(parent) for each parent."""
        out = type(self)(data, parents, op)

        def backward():
            for parent, derivative in zip(parents, local(), strict=True):
                parent.grad += derivative * out.grad

        out._backward = backward
        return out

    def __add__(self, other):
        other = self._lift(other)
        return self._node(self.data + other.data, (self, other), "+", lambda: (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return self._node(self.data * other.data, (self, other), "*",
                          lambda: (other.data, self.data))

    def __pow__(self, k):
        if isinstance(k, Scalar):
            return (self.log() * k).exp()
        return self._node(self.data ** k, (self,), "**", lambda: (k * self.data ** (k - 1),))

    def __rpow__(self, base):
        return (self * math.log(base)).exp()

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other):
        return self._lift(other) * self ** -1

    def exp(self):
        e = math.exp(self.data)
        return self._node(e, (self,), "exp", lambda: (e,))

    def log(self):
        return self._node(math.log(self.data), (self,), "log", lambda: (1.0 / self.data,))

    def tanh(self):
        t = math.tanh(self.data)
        return self._node(t, (self,), "tanh", lambda: (1.0 - t * t,))

    def relu(self):
        return self._node(max(self.data, 0.0), (self,), "relu",
                          lambda: (1.0 if self.data > 0 else 0.0,))

    def sigmoid(self):
        s = 1.0 / (1.0 + math.exp(-self.data))
        return self._node(s, (self,), "sigmoid", lambda: (s * (1.0 - s),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
