"""The reverse pass: the chain rule, once per edge, in topological order.

    >>> from autograd import Value
    >>> w = Value(0.5, label='w'); p = w * 3.0; q = p.tanh()
    >>> backward(q); round(w.grad, 6)   # tanh'(p) * 3 = (1 - tanh(1.5)²) * 3
    0.54212
"""

from __future__ import annotations

import builtins
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import check_seed, describe
from .graph import Node, paused_collector, topo_order

_isfinite = math.isfinite
_fsum_fast = builtins.sum

# Every write of a pass's new .grad values happens under this one lock: reading
# node.grad, adding the pass's share and writing it back must not interleave
# with another thread's pass over the same nodes, or one of the two updates is
# lost. The pass itself (the walk, the chain rule) runs outside it, in parallel.
_write_lock = threading.Lock()


def backward(root: Node, grad: float = 1.0) -> None:
    """Add d(root)/d(node) to ``node.grad`` for every node root depends on.

    The pass gathers its gradients in a local dict and adds them to ``.grad``
    once at the end, so a second pass adds exactly its own share to every
    node, intermediates included (micrograd counts those twice). Passes in
    several threads into the same Values add up exactly: that final write is
    done under one lock, so no update is lost (the walks run in parallel). Nothing is
    written unless every new ``.grad`` is a finite float: a ``.grad`` of None
    counts as 0 (PyTorch's ``zero_grad(set_to_none=True)``), anything else
    that is not a number is refused, naming the node. The walk makes no
    cycles, so it runs with the cyclic garbage collector paused
    (``graph.paused_collector``).
    """
    if not hasattr(root, "_p0"):
        raise TypeError(f"backward: root must be a Value, got {type(root).__name__} {root!r:.60}")
    grad = check_seed(grad)  # before the pause: a user's __float__ runs as usual
    with paused_collector():
        grads = reverse_pass(root, grad)
        _write(grads)


def _write(grads: dict[Node, float]) -> None:
    """Add a pass's grads to ``.grad``, all or nothing, atomically with other passes."""
    with _write_lock:
        for node, total in zip(grads, _new_totals(grads)):
            node.grad = total


def reverse_pass(root: Node, grad: float = 1.0, who: str = "backward") -> dict[Node, float]:
    """d(root)/d(node) for every node root depends on, as floats; no ``.grad`` is touched.

    This is the fast path of the reference walk (``backward_steps``): it equals

        for node in topo_order(root):
            for parent, local in zip(node.parents, node.local_grads):
                grads[parent] += local * grads[node]

    with the edges read straight off the slots and zero gradients skipped. A
    gradient that is not finite is refused (OverflowError naming ``who`` and the node).
    """
    order = topo_order(root)  # every consumer of a node comes before it
    grads = dict.fromkeys(order, 0.0)  # a plain dict: the fastest += in CPython
    grads[root] = grad
    for node in order:
        node_grad = grads[node]
        if node_grad == 0.0:
            continue  # sends 0 to every parent (locals are finite): nothing to add
        # The chain rule, once per edge: parent.grad += local * node.grad. The
        # edges are read straight off the slots (see Value), as this loop is hot.
        first = node._p0
        if first.__class__ is tuple:  # sum, dot: two aligned tuples, any length
            for parent, local in zip(first, node._l0):
                grads[parent] += local * node_grad
        elif first.__class__ is list:  # a merged sum: a list of terms, each with local 1.0
            amount = node._l0 * node_grad
            for parent in first:
                grads[parent] += amount
        else:  # an edge per operand slot; None: a number or no operand, no edge
            if first is not None:
                grads[first] += node._l0 * node_grad
            second = node._p1
            if second is not None:
                grads[second] += node._l1 * node_grad
    _refuse_non_finite(grads, who)
    return grads


def _new_totals(grads: dict[Node, float]) -> list[float]:
    """Each node's .grad plus this pass's share, checked before anything is written."""
    try:
        totals = [node.grad + g for node, g in grads.items()]
    except TypeError:  # a .grad set by hand to None, or to something that is no number
        totals = []
    if len(totals) != len(grads) or set(map(type, totals)) - {float}:
        # the slow path, when some .grad is not a float: None counts as 0, others refused
        totals = [_grad_of(node) + g for node, g in grads.items()]
    if not _isfinite(_fsum_fast(totals)) and not all(map(_isfinite, totals)):
        node, total = next((n, t) for n, t in zip(grads, totals) if not _isfinite(t))
        raise OverflowError(
            f"backward: the gradient of {describe(node)} (op {node.op or 'leaf'!r}) would "
            f"become {total} ({node.grad!r} from earlier passes + {grads[node]!r} from this "
            "one); no .grad was changed"
        )
    return totals


def _grad_of(node: Node) -> float:
    g = node.grad
    if g is None:
        return 0.0
    if isinstance(g, (int, float)) and not isinstance(g, bool) and _isfinite(g):
        return float(g)  # an int, or a float subclass (numpy's float64)
    raise TypeError(
        f"backward: the .grad of {describe(node)} is {type(g).__name__} {g!r}; it must be a "
        "finite float (or None, counted as 0); no .grad was changed"
    )


def _refuse_non_finite(grads: dict, who: str = "backward") -> None:
    # One C-level sum sees any inf or NaN; only then look for the culprit, so
    # that the error names it and no .grad has been touched.
    if _isfinite(_fsum_fast(grads.values())):
        return
    for node, g in grads.items():
        if not _isfinite(g):
            raise OverflowError(
                f"{who}: the gradient of {describe(node)} (op {node.op or 'leaf'!r}) "
                f"is {g}; no .grad was changed"
            )


@dataclass(slots=True)
class Contribution:
    """What one consumer sent back to a node along one edge.

    ``amount = local * consumer_grad``: the chain rule for that edge.
    """

    consumer: Node
    index: int  # which of the consumer's parents this edge is
    local: float  # d consumer / d node, read off the consumer
    consumer_grad: float  # d root / d consumer
    amount: float


@dataclass
class Step:
    """One step of the reverse pass: ``node`` now holds its whole gradient.

    ``grad`` is d root / d node for this pass; ``contributions`` are the
    edges from its consumers that summed to it (none for the root); ``sent``
    are the edges this step sends on to the node's parents, one per parent
    (none for a leaf): the same Contribution objects the parents receive.
    """

    index: int
    node: Node
    grad: float
    contributions: list[Contribution] = field(default_factory=list)
    sent: list[Contribution] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        parts = " + ".join(f"{c.local:.4g}·{c.consumer_grad:.4g}" for c in self.contributions)
        return f"Step {self.index}: {describe(self.node)} grad {self.grad:.6g}" + (
            f" = {parts}" if parts else " (seed)"
        )


def reverse_steps(root: Node, grad: float = 1.0, *, order: list[Node] | None = None,
                  contributions: bool = True) -> Iterator[Step]:
    """The reference reverse pass: one Step per node, in order, touching no ``.grad``.

    It is this loop, the chain rule once per edge, with every number kept::

        grads = defaultdict(float, {root: grad})   # d root / d node, this pass only
        for node in topo_order(root):              # every consumer before its inputs
            for parent, local in zip(node.parents, node.local_grads):
                grads[parent] += local * grads[node]

    ``backward()`` is the same loop made fast, and gives exactly these
    numbers (a test keeps them equal). ``backward_steps``, ``explain``,
    ``trace_text`` and ``draw(step=k)`` all read their numbers off this walk.
    Step k is yielded once node k's gradient is whole, before it is sent on.
    Each Contribution is made once and appears both in its sender's ``.sent``
    and in its receiver's ``.contributions``; with ``contributions=False``
    both stay empty, for a reader that needs only the gradients.

    Cost: one topological order, then O(1) per edge; with contributions, one
    small object per edge, kept until its receiver's step (memory O(nodes +
    edges)); without, about what ``backward()`` costs.

        >>> from autograd import Value
        >>> x = Value(3.0, label='x'); y = x * x
        >>> [(s.node.op or s.node.label, s.grad) for s in reverse_steps(y)], x.grad
        ([('*', 1.0), ('x', 6.0)], 0.0)
    """
    order = topo_order(root) if order is None else order
    grads = dict.fromkeys(order, 0.0)
    grads[root] = check_seed(grad)
    if not contributions:
        for k, node in enumerate(order):
            node_grad = grads[node]
            yield Step(k, node, node_grad)
            for parent, local in zip(node.parents, node.local_grads):
                grads[parent] += local * node_grad  # the chain rule, once per edge
        return
    arrived: dict = {}  # the contributions each node has received so far
    for k, node in enumerate(order):
        node_grad = grads[node]
        sent = []
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            c = Contribution(node, i, local, node_grad, local * node_grad)
            sent.append(c)
            arrived.setdefault(parent, []).append(c)
        yield Step(k, node, node_grad, arrived.pop(node, []), sent)
        for c, parent in zip(sent, node.parents):
            grads[parent] += c.amount  # the same chain rule, the same numbers


def backward_steps(root: Node, grad: float = 1.0) -> Iterator[Step]:
    """The reverse pass one node at a time, in the order backward() visits them.

    Each step names the node, the gradient it now holds and the contributions
    that made it (the steps of ``reverse_steps``). Running the iterator to the
    end adds this pass's gradients to ``.grad``, exactly as backward() does
    (and refuses, changing nothing, when one is not finite); stopping early
    changes nothing. Cost: that of ``reverse_steps``, contributions kept.

        >>> from autograd import Value
        >>> x = Value(3.0, label='x'); y = x * x
        >>> [round(s.grad, 3) for s in backward_steps(y)]
        [1.0, 6.0]
    """
    grads: dict = {}
    for step in reverse_steps(root, grad):
        grads[step.node] = step.grad
        yield step
    _refuse_non_finite(grads)
    _write(grads)  # as backward() writes them
