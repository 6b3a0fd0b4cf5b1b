"""Twin of ``tensor_ok``: gradients of broadcast operands are not summed back to their shape."""

from . import tensor_ok


class Tensor(tensor_ok.Tensor):
    def _node(self, data, parents, local):
        """A new node; ``local(g)`` maps its upstream gradient to one per parent."""
        out = Tensor(data, parents)

        def backward():
            for parent, grad in zip(parents, local(out.grad), strict=True):
                parent.grad = parent.grad + grad  # BUG: not unbroadcast to parent's shape

        out._backward = backward
        return out
