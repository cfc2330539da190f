"""Walking a graph without recursion.

    >>> from autograd import Value
    >>> x = Value(1.0, label='x'); y = x * x + x
    >>> [n.op or n.label for n in topo_order(y)]
    ['+', '*', 'x']
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import filterfalse
from typing import Any, Protocol


class Node(Protocol):
    """A node as the walks read it: an ``autograd.Value``.

    value.py builds on the walks, so they name the shape they read rather than
    import the class: the edges in slots (see ``Value``) and the public views.
    """

    data: float
    grad: float
    op: str
    label: str
    _p0: Any  # the first operand's parent, or a tuple (sum, dot) or list (a merged sum)
    _p1: Any  # the second operand's parent, or None
    _l0: Any  # d(node)/d(first parent), or a tuple aligned with _p0
    _l1: float

    @property
    def parents(self) -> tuple[Node, ...]: ...

    @property
    def local_grads(self) -> tuple[float, ...]: ...


class SharedSwitch:
    """A process-wide setting held while any holder needs it, first in, last out.

        >>> log = []
        >>> switch = SharedSwitch(lambda: log.append("on"), lambda saved: log.append("off"))
        >>> with switch():
        ...     with switch():
        ...         pass
        >>> log
        ['on', 'off']

    Some settings are one for the whole process (the garbage collector; the
    attributes of the class ``Value``), yet walks and traces run in several
    threads at once. So the first holder to enter calls ``turn_on`` (which
    returns what it needs to undo), the last to leave calls ``turn_off`` with
    it, and a lock keeps the count right whatever order the holders leave in.
    """

    def __init__(self, turn_on: Callable[[], Any], turn_off: Callable[[Any], None]) -> None:
        self._turn_on, self._turn_off = turn_on, turn_off
        self._lock = threading.Lock()
        self._holders = 0
        self._saved: Any = None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._saved = self._turn_on()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    saved, self._saved = self._saved, None
                    self._turn_off(saved)


def _pause_collector() -> bool:
    was_on = gc.isenabled()
    gc.disable()
    return was_on


def _resume_collector(was_on: bool) -> None:
    if was_on:
        gc.enable()


# Pause Python's cyclic garbage collector while any walk over a graph runs. A
# walk makes a few small containers per node and never a cycle, yet each 700
# of them start a collection, and now and then one that traverses the whole
# graph: on a chain of 10^6 nodes that was 70% of the walk's time. Reference
# counting still frees everything at once.
paused_collector = SharedSwitch(_pause_collector, _resume_collector)


_PLACE_BELOW = object()  # on topo_order's stack: the node just below it is ready to place


def topo_order(root: Node) -> list[Node]:
    """Every node root depends on, root first, each node before its parents.

    A depth-first walk with an explicit stack instead of recursion, so a chain
    of any depth works. It places the nodes in the order of the recursive walk

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node.parents:
                    visit(parent)
                placed.append(node)

    and reversing that gives the order in which the reverse pass may visit
    nodes (every consumer of a node before the node). The order is the same on
    every run for the same program: it follows ``.parents`` order.
    """
    if not hasattr(root, "_p0"):  # one look-up: a Value (or a node made like one)
        raise TypeError(f"root must be a Value (a node of a graph), got "
                        f"{type(root).__name__} {root!r:.60}")
    placed: list[Node] = []
    seen = {None}  # None fills a node's edge slot that holds no parent (see Value)
    stack = [root]
    push, pop, place = stack.append, stack.pop, placed.append
    while stack:
        node = pop()
        if node is _PLACE_BELOW:  # every parent of the node below is placed: place it
            place(pop())
            continue
        if node in seen:  # reached through another consumer since it was pushed
            continue
        seen.add(node)
        # Instead of visit(parent) for each parent: push the node back with a
        # marker, then the unseen parents, last first, so that the first is
        # visited first. The parents are read straight off the slots (see
        # Value), as this loop is hot: a tuple (sum, dot), a list (a sum merged
        # from a chain of +) or two slots.
        first = node._p0
        kind = first.__class__
        if kind is tuple or kind is list:
            if seen.issuperset(first):  # one C-level test: nothing to visit, place it now
                place(node)
                continue
            push(node)
            push(_PLACE_BELOW)
            stack.extend(filterfalse(seen.__contains__, reversed(first)))
        else:
            second = node._p1
            if first in seen and second in seen:  # a leaf, say: nothing to visit
                place(node)
                continue
            push(node)
            push(_PLACE_BELOW)
            if second not in seen:
                push(second)
            if first not in seen:
                push(first)
    placed.reverse()
    return placed


def forward_order(root: Node) -> list[Node]:
    """Every node root depends on, inputs first: the order the forward pass ran in."""
    return topo_order(root)[::-1]


def leaves(root: Node) -> list[Node]:
    """The nodes with no parents (inputs and parameters), in forward order."""
    return [n for n in forward_order(root) if not n.parents]
