"""Fast layers that need a compiled extension (``im2col_cython``), as in the course's layout.

The extension is not built here: its import fails, the module still imports (the course
prints a hint), and only the functions that need it cannot run.
"""


from .layers import max_pool_backward_naive, max_pool_forward_naive

try:
    from .im2col_cython import col2im_cython, im2col_cython
except ImportError:
    print("run `python setup.py build_ext --inplace` in the cs231n directory")


def conv_forward_fast(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    f, _, hh, ww = w.shape
    cols = im2col_cython(x, hh, ww, pad, stride)  # noqa: F821 - absent when not built
    out = w.reshape(f, -1) @ cols + b[:, None]
    return out, (x, w, b, conv_param, cols)


def conv_backward_fast(dout, cache):
    x, w, b, conv_param, cols = cache
    f = w.shape[0]
    flat = dout.transpose(1, 2, 3, 0).reshape(f, -1)
    dw = (flat @ cols.T).reshape(w.shape)
    dx = col2im_cython(w.reshape(f, -1).T @ flat, *x.shape, *w.shape[2:],  # noqa: F821
                       conv_param["pad"], conv_param["stride"])
    return dx, dw, flat.sum(axis=1)


def max_pool_forward_fast(x, pool_param):
    n, c, h, w = x.shape
    size, stride = pool_param["pool_height"], pool_param["stride"]
    tiles = size == pool_param["pool_width"] == stride and h % size == 0 and w % size == 0
    if not tiles:  # overlapping or non-square windows: the plain loops
        out, cache = max_pool_forward_naive(x, pool_param)
        return out, ("naive", cache)
    # square windows that tile the input: a reshape does it
    blocks = x.reshape(n, c, h // size, size, w // size, size)
    out = blocks.max(axis=(3, 5))
    return out, ("reshape", (x, blocks, out))


def max_pool_backward_fast(dout, cache):
    method, inner = cache
    if method == "naive":
        return max_pool_backward_naive(dout, inner)
    x, blocks, out = inner
    mask = blocks == out[:, :, :, None, :, None]
    # ties share the gradient: every maximal element gets an equal part
    mask = mask / mask.sum(axis=(3, 5), keepdims=True)
    return (mask * dout[:, :, :, None, :, None]).reshape(x.shape)
