"""The one clever part: ``sum()``'s chain of ``+`` merged into one Σ node, by reference counts.

    >>> from autograd import Value
    >>> xs = [Value(float(i)) for i in range(5)]
    >>> s = sum(x * 2.0 for x in xs)   # Python's sum: a chain of + ...
    >>> ops_down(s) == ['+', '+', 'sum'] or not _refs   # ... merged below the top
    True

Why: a network's ``sum(w * x for ...)`` makes one '+' node per term, and the
reverse pass then walks one node per term; merged, it walks one Σ. Half of the
backward time of a transformer's or micrograd's step was these chains.

How, and why no number changes. Python's ``sum(w * x for ...)`` builds a chain
of '+' nodes, each the left operand of the next: s₃ = s₂ + p₃, s₂ = s₁ + p₂
... Called with the running sum s₃ about to take another term, this looks at
s₃, s₂, s₁ and p₂, and reads their reference counts: when only sum() (or the
expression being evaluated) holds s₃, and only its one consumer holds each of
s₂, s₁ and p₂, s₂ becomes one 'sum' node over s₁'s terms and p₂, and s₁ is
freed (s₁'s terms are its operands when only s₁ holds them, else s₁ itself). A
sum held anywhere else (a variable, a list, a loop's ``s = s + x``) is left as
it was, and so is the graph below it: what a user holds never changes shape.
s₃ itself is never changed, as its count can be one short: numpy's object
loops pass the array's elements on without a reference of their own, and so
does ``s.__add__(x)`` called by hand; then only the nodes below such a sum
(never the sum itself, its data or any gradient) change shape.

No number changes, to the bit. s₂ keeps its data (the chain's own sum).
Each term has one consumer, the chain, and gets from the 'sum' node the one
contribution the chain would have sent, 1.0 · g, before its own step; the
walk meets the terms in the order it met them in the chain, so everything
below them sums its contributions in the same order. (A term with other
consumers would get its share at another moment, and floating-point sums
depend on order: such a term stops the merge.) A long sum ends as '+' over
'+' over one Σ of the other terms, and backward visits three nodes where it
visited one per term. (A thread walking a sum while another extends it
could see it half merged: hand a sum to other threads once it is built.)

Nothing here is needed to read the engine: with merging off (``value._MERGE_SUMS``
False) every sum stays the chain Python built, and every number is the same.
"""

from __future__ import annotations

import sys
from typing import Any

from .ops import OPS

# Nodes are Values; this module never imports value.py (which imports it), so the
# hints say Any and the class is read off the node in hand.

_SUM = OPS["sum"]


def merge_sum_chain(node: Any) -> None:
    """Merge the sums below ``node`` into one 'sum' node, when nobody holds them (see above)."""

    # 4 references to node: sum()'s running total (or the expression's), __add__'s
    # self, the parameter `node`, getrefcount's argument; a variable would be a 5th
    if _refs(node) != 4:
        return
    mid = node._p0
    # 3 references to mid: node's slot, the local `mid`, getrefcount's argument
    if mid.__class__ is not node.__class__ or mid._op_name != "+" or _refs(mid) != 3:
        return
    low, term = mid._p0, mid._p1
    # 3 references each to low and term: mid's slots, the locals, the argument
    cls = node.__class__
    if (low.__class__ is not cls or term.__class__ is not cls or _refs(low) != 3
            or _refs(term) != 3 or OPS["sum"] is not _SUM):
        return
    terms = low._p0
    if terms.__class__ is list:  # a chain merged before: take its terms over
        terms.append(term)
    else:
        terms = _first_terms(low)
        terms.append(term)
    # mid becomes one 'sum' node: its terms in a list (no other node has one), each
    # with local derivative 1.0, kept once in _l0
    mid._op_name = "sum"
    mid._p0 = terms
    mid._l0 = 1.0
    mid._p1 = None
    mid._l1 = None


def _first_terms(low: Any) -> list:
    """The terms a merged sum starts with: the operands of low, the chain's first '+',
    when low holds the only reference to each (a start of 0 dropped: sum() starts
    at 0); else low itself, kept as a term."""
    first, second = low._p0, low._p1
    if low._op_name != "+":
        return [low]
    folded = low._l0 if first is None else low._l1 if second is None else None
    if folded is not None and folded != 0.0:
        return [low]
    # 3 references to each operand held by low alone: low's slot, the local, the argument
    if first is None:  # 0 + p₁
        return [second] if _refs(second) == 3 else [low]
    if second is None:  # p₁ + 0.0
        return [first] if _refs(first) == 3 else [low]
    return [first, second] if _refs(first) == 3 and _refs(second) == 3 else [low]


_refs = getattr(sys, "getrefcount", None)  # CPython's; other Pythons may have none


def ops_down(node: Any) -> list[str]:
    """The ops met going down the first parents from node (a sum's list ends it)."""
    ops = []
    cls = node.__class__
    while node.__class__ is cls:
        ops.append(node._op_name)
        node = node._p0
    return ops[:-1] if ops and ops[-1] == "" else ops
