"""Walking a graph without recursion.

    >>> from autograd import Value
    >>> x = Value(1.0, label='x'); y = x * x + x
    >>> [n.op or n.label for n in topo_order(y)]
    ['+', '*', 'x']
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


class _CollectorPause:
    """Pause Python's cyclic garbage collector while any walk over a graph runs.

    A walk makes a few small containers per node and never a cycle, yet each
    700 of them start a collection, and now and then one that traverses the
    whole graph: on a chain of 10^6 nodes that was 70% of the walk's time.
    Reference counting still frees everything at once.

    The collector is one switch for the whole process, so concurrent walks (in
    threads) share one pause: the first to start turns the collector off, the
    last to end turns it back on if it was on. A lock keeps that count right
    whatever the order the walks end in.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._walks = 0
        self._resume = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._walks == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._walks += 1
        try:
            yield
        finally:
            with self._lock:
                self._walks -= 1
                if self._walks == 0 and self._resume:
                    gc.enable()


paused_collector = _CollectorPause()


def topo_order(root: Value) -> list[Value]:
    """Every node root depends on, root first, each node before its parents.

    A depth-first walk with an explicit stack instead of recursion, so a chain
    of any depth works: a node is placed once all its parents are placed, and
    reversing that gives the order in which the reverse pass may visit nodes
    (every consumer of a node before the node). The order is the same on every
    run for the same program: it follows ``.parents`` order.
    """
    placed = []
    seen = {root, None}  # None fills a node's edge slot that holds no parent (see Value)
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                # parent's own parents, read straight off the slots as this loop is
                # hot: a tuple (sum, dot) or two slots, where None counts as seen.
                inputs = parent._p0
                if inputs.__class__ is not tuple:
                    inputs = (inputs, parent._p1)
                # A seen node is placed already (in a DAG no parent is still on the
                # stack), so a node whose inputs are all seen is placed at once: one
                # C-level test instead of a visit, and the order is the same.
                if seen.issuperset(inputs):
                    placed.append(parent)
                else:
                    stack.append((parent, iter(inputs)))
                    break
        else:  # every parent of node is placed: node can follow them
            stack.pop()
            placed.append(node)
    placed.reverse()
    return placed


def forward_order(root: Value) -> list[Value]:
    """Every node root depends on, inputs first: the order the forward pass ran in."""
    return topo_order(root)[::-1]


def leaves(root: Value) -> list[Value]:
    """The nodes with no parents (inputs and parameters), in forward order."""
    return [n for n in forward_order(root) if not n.parents]
