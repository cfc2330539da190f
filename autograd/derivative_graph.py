"""Derivatives as graphs: the op table's rules evaluated on Values.

A node records its local derivatives as floats, which is all a first-order
pass needs. To differentiate a derivative again, the same rules of the same
table entries are evaluated on the node's Values instead (tanh' = 1 - out·out
with ``out`` the node itself), so each local derivative is a Value that
depends on the inputs, and the chain rule written with Values builds the
derivative's own graph. No second table exists.

    >>> from autograd import Value
    >>> x = Value(0.5); y = x.tanh()
    >>> [round(d.data, 4) for d in local_values(y)]
    [0.7864]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .errors import describe
from .graph import topo_order
from .ops import OPS
from .value import Value, _rule_on_values, enable_grad


def local_values(node: Value) -> tuple[Any, ...]:
    """d node / d parent for each parent, as Values (or numbers where constant).

    A rule that turns a Value into a float (``math.exp(x)``) is refused with a
    TypeError naming the op: its result would be silently constant.
    """
    prim = OPS[node.op]
    args = node.args
    positions = [i for i, a in enumerate(args) if isinstance(a, Value)]
    token = _rule_on_values.set(node.op)
    try:
        with enable_grad():
            if prim.nary:
                every = prim.derivatives[0](node, args)
                return tuple(every[i] for i in positions)
            return tuple(prim.derivatives[i](node, *args) for i in positions)
    except (ValueError, ArithmeticError) as error:
        # the rule's own ops (a 1/x, a √) failed: say whose derivative that was
        raise type(error)(
            f"{node.op}: its local derivative at {describe(node)}, built as a graph for a "
            f"higher-order derivative, failed: {error}"
        ) from error
    finally:
        _rule_on_values.reset(token)


def _times(local: Any, g: Any) -> Any:
    """local · g, with the products that need no node (1 and 0 as plain numbers) skipped."""
    if local.__class__ is float or local.__class__ is int:
        if local == 1.0:
            return g
        if local == 0.0:
            return None
    if g.__class__ is float and g == 1.0:
        return local
    return local * g


def _add(total: Any, term: Any) -> Any:
    return term if total is None else total + term


def reaching(order: Sequence[Value], targets: Iterable[Value]) -> set[Value]:
    """The nodes of ``order`` (root first) from which some target can be reached."""
    reach = set(targets)
    for node in reversed(order):  # parents before their consumers
        if node not in reach and not reach.isdisjoint(node.parents):
            reach.add(node)
    return reach


def reverse_graph(root: Value, wrt: Sequence[Value], seed: Any = 1.0) -> list[Any]:
    """d root / d w for each w in wrt, each built as a Value (a number where constant).

    The reverse pass with Values: for each edge, ``grads[parent] += local *
    grads[node]`` where ``local`` comes from ``local_values``. Only nodes that
    lead to some w are visited, so the derivative graph holds nothing else. Each
    gradient node this pass makes for a labelled node is labelled ``∂root/∂node``,
    so a drawing of a derivative's graph says which pass made what.
    """
    order = topo_order(root)
    reach = reaching(order, wrt)
    grads: dict[Value, Any] = {root: seed}
    known = set(order)  # a gradient that is not one of these, this pass made
    with enable_grad():
        for node in order:
            g = grads.get(node)
            if g is None:
                continue
            if node.label and isinstance(g, Value) and not g.label and g not in known:
                g.label = f"∂{root.label or root.op}/∂{node.label}"
            if not node.op or reach.isdisjoint(node.parents):
                continue
            for parent, local in zip(node.parents, local_values(node)):
                if parent in reach:
                    term = _times(local, g)
                    if term is not None:
                        grads[parent] = _add(grads.get(parent), term)
    return [grads.get(w, 0.0) for w in wrt]


def tangent_pass(outputs: Sequence[Value], seeds: dict[Value, Any], on_values: bool) -> dict:
    """Forward mode: each node's tangent d node / d t, from the inputs' tangents.

    ``tangent[node] = Σ local_i · tangent[parent_i]``, node by node in the order
    the forward pass ran. With ``on_values`` the locals are Values (the tangents
    can be differentiated again); otherwise the floats each node recorded.
    """
    tangents = dict(seeds)
    with enable_grad():
        for node in _forward_order(outputs):
            if node in tangents or not node.op:
                continue
            parents = node.parents
            if all(p not in tangents for p in parents):
                continue
            locals_ = local_values(node) if on_values else node.local_grads
            total = None
            for parent, local in zip(parents, locals_):
                if parent in tangents:
                    term = _times(local, tangents[parent])
                    if term is not None:
                        total = _add(total, term)
            tangents[node] = 0.0 if total is None else total
    return tangents


def _forward_order(outputs: Sequence[Value]) -> list[Value]:
    """Every node the outputs depend on, each after its parents, each once: one walk
    from a stand-in node whose parents are the outputs (it is dropped from the order)."""
    stand_in = Value(0.0)
    stand_in._p0, stand_in._l0 = tuple(outputs), (0.0,) * len(outputs)
    return topo_order(stand_in)[:0:-1]
