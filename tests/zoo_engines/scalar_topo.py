"""Twin of ``scalar_ok``: ``backward()`` walks the graph breadth-first from the output.

A node reached early through one user runs its ``_backward`` before its other users
have added to its gradient (``d + d * d``).
"""

from . import scalar_ok


class Scalar(scalar_ok.Scalar):
    def backward(self):
        order, seen, queue = [], {id(self)}, [self]
        while queue:  # BUG: breadth-first is not a topological order
            node = queue.pop(0)
            order.append(node)
            for parent in node._parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    queue.append(parent)
        self.grad = 1.0
        for node in order:
            node._backward()
