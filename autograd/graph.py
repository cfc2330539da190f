"""Walking a graph without recursion.

    >>> from autograd import Value
    >>> x = Value(1.0, label='x'); y = x * x + x
    >>> [n.op or n.label for n in topo_order(y)]
    ['+', '*', 'x']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topo_order(root: Value) -> list[Value]:
    """Every node root depends on, root first, each node before its parents.

    A child-count sort (as in autodidact): first count, for every node, the
    edges that come into it from consumers inside this graph; then start at
    the root and release a node once all its consumers have been released.
    No recursion, so a chain of any depth works. The order is the same on
    every run for the same program: it follows ``.parents`` order.
    """
    consumers = {root: 0}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent in consumers:
                consumers[parent] += 1
            else:
                consumers[parent] = 1
                stack.append(parent)

    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            consumers[parent] -= 1
            if consumers[parent] == 0:
                ready.append(parent)
    return order


def forward_order(root: Value) -> list[Value]:
    """Every node root depends on, inputs first: the order the forward pass ran in."""
    return topo_order(root)[::-1]


def leaves(root: Value) -> list[Value]:
    """The nodes with no parents (inputs and parameters), in forward order."""
    return [n for n in forward_order(root) if not n.parents]
