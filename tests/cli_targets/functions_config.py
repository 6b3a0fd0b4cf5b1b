"""Functions outside the CS231n conventions: arguments given in GRADCHECK_ARGS, or skipped."""


GRADCHECK_ARGS = {
    "scale_forward": {"x": {"shape": [3, 2]}, "w": [0.5, -2.0]},
    "scale_wrong_forward": {"x": {"shape": [3, 2]}, "w": [0.5, -2.0]},
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
