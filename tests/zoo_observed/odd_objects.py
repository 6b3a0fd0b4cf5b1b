"""Objects built in unusual ways (written for the tests): attributes kept in a dict behind
``__getattr__``/``__setattr__``, ``__slots__``, an ``output`` property that raises until
forward ran, an ``__eq__`` that refuses to compare. Each has a twin with a wrong gradient.
"""

import numpy as np


class Dynamic:
    def __init__(self):
        self.__dict__["store"] = {"W": np.linspace(-1, 1, 6).reshape(3, 2)}

    def __getattr__(self, name):
        try:
            return self.__dict__["store"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self.__dict__["store"][name] = value

    def forward(self, x):
        self.x = x
        return x @ self.W

    def backward(self, g):
        self.dW = self.x.T @ g
        return g @ self.W.T


class Dynamic_Bug(Dynamic):
    def backward(self, g):
        self.dW = self.x.T @ g / len(g)
        return g @ self.W.T


class Slots:
    __slots__ = ("W", "x", "dW")

    def __init__(self):
        self.W = np.linspace(-1, 1, 6).reshape(3, 2)

    def forward(self, x):
        self.x = x
        return x @ self.W

    def backward(self, g):
        self.dW = self.x.T @ g
        return g @ self.W.T


class Slots_Bug(Slots):
    __slots__ = ()

    def backward(self, g):
        self.dW = -(self.x.T @ g)
        return g @ self.W.T


class LazyOutput:
    @property
    def output(self):
        raise RuntimeError("not computed yet")

    def forward(self, x):
        self._out = np.tanh(x)
        return self._out

    def backward(self, g):
        return g * (1 - self._out ** 2)


class LazyOutput_Bug(LazyOutput):
    def backward(self, g):
        return g * (1 - self._out)


class NoCompare:
    def __eq__(self, other):
        raise TypeError("no comparing")

    __hash__ = object.__hash__

    def forward(self, x):
        return x * 2

    def backward(self, g):
        return g * 2


class NoCompare_Bug(NoCompare):
    __hash__ = object.__hash__

    def backward(self, g):
        return g
