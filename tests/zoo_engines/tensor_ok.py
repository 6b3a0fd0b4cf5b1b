"""A correct NumPy tensor autograd engine, written here for the zoo (reference for twins).

``Tensor.data`` and ``Tensor.grad`` are float64 arrays of one shape. Elementwise
operations broadcast; their ``_backward`` sums the upstream gradient back to each
operand's shape (:func:`unbroadcast`). ``backward()`` seeds ones (or the gradient it is
given) and walks a depth-first order in reverse; ``zero_grad()`` resets a leaf.

Its twins subclass it and change one method (or ``DTYPE``): nodes and lifted constants
are built with ``type(self)``, so every node of a twin's graph is of the twin's class.
"""

import numpy as np


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes along which an operand of ``shape`` was broadcast."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    DTYPE = np.float64

    def __init__(self, data, parents=()):
        self.data = np.array(data, dtype=self.DTYPE)
        self.grad = np.zeros_like(self.data)
        self._parents = tuple(parents)
        self._backward = lambda: None

    def __repr__(self):
        return f"Tensor(shape={self.data.shape})"

    @property
    def shape(self):
        return self.data.shape

    def zero_grad(self):
        self.grad = np.zeros_like(self.data)

    def _lift(self, x):
        return x if isinstance(x, Tensor) else type(self)(x)

    def _node(self, data, parents, local):
        """A new node; ``local(g)`` maps its upstream gradient to one per parent."""
        out = type(self)(data, parents)

        def backward():
            for parent, grad in zip(parents, local(out.grad), strict=True):
                parent.grad = parent.grad + unbroadcast(grad, parent.data.shape)

        out._backward = backward
        return out

    # elementwise, broadcasting
    def __add__(self, other):
        other = self._lift(other)
        return self._node(self.data + other.data, (self, other), lambda g: (g, g))

    def __mul__(self, other):
        other = self._lift(other)
        return self._node(self.data * other.data, (self, other),
                          lambda g: (g * other.data, g * self.data))

    def __truediv__(self, other):
        other = self._lift(other)
        return self._node(self.data / other.data, (self, other),
                          lambda g: (g / other.data, -g * self.data / other.data ** 2))

    def __pow__(self, k):
        if isinstance(k, Tensor):
            return (self.log() * k).exp()
        return self._node(self.data ** k, (self,), lambda g: (g * k * self.data ** (k - 1),))

    def __neg__(self):
        return self._node(-self.data, (self,), lambda g: (-g,))

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def exp(self):
        e = np.exp(self.data)
        return self._node(e, (self,), lambda g: (g * e,))

    def log(self):
        return self._node(np.log(self.data), (self,), lambda g: (g / self.data,))

    def tanh(self):
        t = np.tanh(self.data)
        return self._node(t, (self,), lambda g: (g * (1 - t * t),))

    def relu(self):
        return self._node(np.maximum(self.data, 0), (self,), lambda g: (g * (self.data > 0),))

    def sigmoid(self):
        s = 1 / (1 + np.exp(-self.data))
        return self._node(s, (self,), lambda g: (g * s * (1 - s),))

    # linear algebra and shapes
    def __matmul__(self, other):
        other = self._lift(other)
        return self._node(self.data @ other.data, (self, other),
                          lambda g: (g @ other.data.T, self.data.T @ g))

    def sum(self, axis=None, keepdims=False):
        def local(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.data.shape).copy(),)

        return self._node(self.data.sum(axis=axis, keepdims=keepdims), (self,), local)

    def mean(self, axis=None, keepdims=False):
        count = self.data.size if axis is None else self.data.shape[axis]
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    def max(self, axis=None, keepdims=False):
        top = self.data.max(axis=axis, keepdims=True)
        mask = self.data == top

        def local(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (mask * g / mask.sum(axis=axis, keepdims=True),)

        return self._node(self.data.max(axis=axis, keepdims=keepdims), (self,), local)

    def reshape(self, *shape):
        return self._node(self.data.reshape(*shape), (self,),
                          lambda g: (g.reshape(self.data.shape),))

    def transpose(self):
        return self._node(self.data.T, (self,), lambda g: (g.T,))

    @property
    def T(self):  # noqa: N802 - numpy's name
        return self.transpose()

    def __getitem__(self, index):
        def local(g):
            full = np.zeros_like(self.data)
            np.add.at(full, index, g)
            return (full,)

        return self._node(self.data[index], (self,), local)

    def backward(self, grad=None):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = np.ones_like(self.data) if grad is None else np.array(grad, dtype=self.DTYPE)
        for node in reversed(order):
            node._backward()
