"""Twin of ``scalar_ok``: ``backward()`` keeps its order in a mutable default argument.

The nodes of every previous graph run their ``_backward`` again: gradients depend on a
previous graph on the same leaves.
"""

from . import scalar_ok


class Scalar(scalar_ok.Scalar):
    def backward(self, order=[], seen=set()):  # noqa: B006 - BUG: kept across calls

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
