"""A correct tensor engine of another common style (written here).

Leaves take ``requires_grad=True``; ``grad`` is None until a backward reaches it;
``backward()`` takes no gradient and works from a scalar output only (it raises on
others, as PyTorch does); ``sum`` has no ``keepdims``; ``transpose`` takes axes; there is
no ``zero_grad``: leaves are reset by setting ``grad`` back to None.
"""

import numpy as np


class Tensor:
    def __init__(self, data, requires_grad=False, _parents=()):
        self.data = np.asarray(data, dtype=np.float64)
        self.requires_grad = requires_grad or any(p.requires_grad for p in _parents)
        self.grad = None
        self._parents = _parents
        self._grad_fn = None

    def _accumulate(self, g):
        if self.requires_grad:
            self.grad = g.copy() if self.grad is None else self.grad + g

    @staticmethod
    def _wrap(x):
        return x if isinstance(x, Tensor) else Tensor(x)

    @staticmethod
    def _reduce(g, shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        return g.sum(axis=axes, keepdims=True) if axes else g

    def __add__(self, other):
        other = self._wrap(other)
        out = Tensor(self.data + other.data, _parents=(self, other))
        out._grad_fn = lambda g: (self._reduce(g, self.data.shape),
                                  self._reduce(g, other.data.shape))
        return out

    __radd__ = __add__

    def __mul__(self, other):
        other = self._wrap(other)
        out = Tensor(self.data * other.data, _parents=(self, other))
        out._grad_fn = lambda g: (self._reduce(g * other.data, self.data.shape),
                                  self._reduce(g * self.data, other.data.shape))
        return out

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __rsub__(self, other):
        return self._wrap(other) + (-self)

    def __matmul__(self, other):
        out = Tensor(self.data @ other.data, _parents=(self, other))
        out._grad_fn = lambda g: (g @ other.data.T, self.data.T @ g)
        return out

    def sum(self, axis=None):
        out = Tensor(self.data.sum(axis=axis), _parents=(self,))

        def grad_fn(g):
            g = g if axis is None else np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.data.shape),)

        out._grad_fn = grad_fn
        return out

    def transpose(self, *axes):
        axes = axes or tuple(reversed(range(self.data.ndim)))
        out = Tensor(self.data.transpose(axes), _parents=(self,))
        out._grad_fn = lambda g: (g.transpose(np.argsort(axes)),)
        return out

    def tanh(self):
        t = np.tanh(self.data)
        out = Tensor(t, _parents=(self,))
        out._grad_fn = lambda g: (g * (1 - t ** 2),)
        return out

    def backward(self):
        if self.data.shape != ():
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        order, seen = [], set()

        def visit(t):
            if id(t) not in seen:
                seen.add(id(t))
                for p in t._parents:
                    visit(p)
                order.append(t)

        visit(self)
        grads = {id(self): np.ones_like(self.data)}
        for t in reversed(order):
            g = grads.pop(id(t), None)
            if g is None:
                continue
            if not t._parents:
                t._accumulate(g)
                continue
            for parent, pg in zip(t._parents, t._grad_fn(g), strict=True):
                grads[id(parent)] = grads.get(id(parent), 0) + pg
