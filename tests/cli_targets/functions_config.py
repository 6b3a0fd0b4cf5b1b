"""Functions outside the CS231n conventions: arguments given in GRADCHECK_ARGS, or skipped."""

import numpy as np

GRADCHECK_ARGS = {
    "scale_forward": {"x": {"shape": [3, 2]}, "w": [0.5, -2.0]},
    "scale_wrong_forward": {"x": {"shape": [3, 2]}, "w": [0.5, -2.0]},
    "max_pool_forward_loops": {"x": {"shape": [2, 5]}, "pool_param": {}},
}


def scale_forward(x, w):
    return x * w, (x, w)


def scale_backward(dout, cache):
    x, w = cache
    return dout * w, (dout * x).sum(axis=0)


def scale_wrong_forward(x, w):
    return x * w, (x, w)


def scale_wrong_backward(dout, cache):
    x, w = cache
    return dout * w, (dout * x).mean(axis=0)  # mean instead of sum


def mystery_forward(x, k):
    return x * k, (x, k)


def mystery_backward(dout, cache):
    return dout * cache[1]


def relu_backward(dout, cache):
    return dout * (cache > 0)  # its forward is missing: skipped with that reason


def run_backward(model):
    return model  # a helper, not a pair: ignored


def max_pool_forward_loops(x, pool_param):
    # 1-D pooling over the last axis, window 2 stride 1: a forward with a suffix ...
    out = np.maximum(x[..., :-1], x[..., 1:])
    return out, (x, out)


def max_pool_backward(dout, cache):
    # ... and its backward without one: paired all the same
    x, out = cache
    left = x[..., :-1] >= x[..., 1:]
    dx = np.zeros_like(x)
    dx[..., :-1] += dout * left
    dx[..., 1:] += dout * ~left
    return dx
