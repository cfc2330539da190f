"""Functional forms, as in JAX: grad(f) and value_and_grad(f), to any order.

    >>> grad(lambda x: x * x)(3.0)
    6.0
    >>> grad(grad(lambda x: x * x * x))(2.0)   # d²(x³)/dx² = 6x
    12.0

Each call computes in a pass of its own and never reads or writes the
``.grad`` of any Value (the arguments', or those ``f`` closes over). On plain
numbers they return floats. When an argument is a Value, or when the call
runs inside another derivative (``grad(grad(f))``), the result is a Value
whose graph can be differentiated again, built from the same op-table rules.
An argument may also be a list of numbers: its derivative is then a list.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import Any

from .backward import reverse_pass
from .errors import as_float, describe
from .graph import paused_collector, topo_order
from .ops import OPS
from .value import Value, _binary, _rule_on_values, enable_grad

# How many functional calls (grad, jvp, ...) are running f in this thread or
# task: inside one, an inner call returns Values so the outer can differentiate it.
call_depth: ContextVar[int] = ContextVar("autograd_functional_depth", default=0)

Argnums = int | Sequence[int]


def gradients(root: Value, wrt: Value | Sequence[Value], create_graph: bool = False) -> Any:
    """d root / d w for each w in ``wrt``, touching no ``.grad`` (PyTorch's ``autograd.grad``).

    A single Value gives one result, a sequence a tuple. Without
    ``create_graph`` the results are floats; with it they are Values whose own
    graph can be differentiated again. Inside another derivative (``grad``,
    ``jvp``, ...) the graph is always built, so that the outer one sees it.

        >>> x = Value(3.0); y = x * x * x
        >>> gradients(y, x), gradients(gradients(y, x, create_graph=True), x)
        (27.0, 18.0)
    """
    _check_node(root, "root")
    targets = (wrt,) if isinstance(wrt, Value) else tuple(wrt)
    for w in targets:
        _check_node(w, "wrt")
    if create_graph or call_depth.get() > 0:
        found = [_as_value(g, "gradients") for g in reverse_graph(root, targets)]
    else:
        with paused_collector():
            grads = reverse_pass(root, 1.0, "gradients")
        found = [grads.get(w, 0.0) for w in targets]
    return found[0] if isinstance(wrt, Value) else tuple(found)


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """f's value and its derivative with respect to the arguments in ``argnums``.

    ``argnums`` is an int (one derivative) or a tuple or list (a tuple of them).

        >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0)
        (10.0, (5.0, 2.0))
    """
    positions, several = argnum_positions(argnums)

    def wrapped(*args: Any) -> tuple[Any, Any]:
        call = _Call(args, positions, "grad")
        out = call.run(f)
        node = scalar_output(out, "grad")
        if node is None:
            grads = [0.0] * len(call.inputs)
        elif call.nested:
            grads = reverse_graph(node, call.inputs)
        else:
            with paused_collector():
                table = reverse_pass(node, 1.0, "grad")
            grads = [table.get(x, 0.0) for x in call.inputs]
        per_arg = call.regroup(grads)
        value = out if call.nested else _float(out)
        return value, (tuple(per_arg) if several else per_arg[0])

    wrapped.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return wrapped


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The derivative of f with respect to the arguments in ``argnums``.

        >>> grad(lambda x, y: x * y, argnums=1)(2.0, 5.0)
        2.0
    """
    vg = value_and_grad(f, argnums)

    def wrapped(*args: Any) -> Any:
        return vg(*args)[1]

    wrapped.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return wrapped


class _Call:
    """One call of a functional form: its inputs as fresh Values, f run on them.

    A number becomes a leaf; a Value ``a`` becomes a fresh node ``a + 0``
    (derivative 1), so that the derivative with respect to this argument does
    not mix with other uses of ``a`` that f closes over (no perturbation
    confusion). A list of numbers becomes a list of leaves.
    """

    def __init__(self, args: tuple, positions: tuple[int, ...], name: str) -> None:
        self.args = list(args)
        self.nested = call_depth.get() > 0 or any(_holds_value(a) for a in args)
        self.inputs: list[Value] = []
        self.shapes: list[int | None] = []  # per position: None (a scalar) or a list's length
        self.name = name
        self.positions = [_index(i, len(args), name) for i in positions]
        made: dict[int, Any] = {}
        with enable_grad():
            for i in self.positions:
                if i not in made:
                    made[i] = self._wrap(self.args[i], i, name)
                self.args[i] = made[i]

    def _wrap(self, a: Any, i: int, name: str) -> Any:
        if isinstance(a, (list, tuple)):
            items = [self._leaf(x, f"arg{i}[{k}]", name) for k, x in enumerate(a)]
            self.shapes.append(len(items))
            return items
        self.shapes.append(None)
        return self._leaf(a, f"arg{i}", name)

    def _leaf(self, a: Any, label: str, name: str) -> Value:
        if isinstance(a, Value):
            x = _binary(OPS["+"], a, 0.0)  # stands for a, with its own identity
            x.label = label
        else:
            x = Value(_number(a, label, name), label=label)
        self.inputs.append(x)
        return x

    def run(self, f: Callable[..., Any]) -> Any:
        token = call_depth.set(call_depth.get() + 1)
        try:
            with enable_grad():  # a derivative needs the graph, even inside no_grad()
                return f(*self.args)
        finally:
            call_depth.reset(token)

    def layout(self) -> list[int]:
        """For each argument position in ``argnums`` order (repeats kept), list items
        expanded: the index of its input in ``self.inputs``."""
        first: dict[int, int] = {}
        k = 0
        for i, shape in zip(dict.fromkeys(self.positions), self.shapes):
            first[i] = k
            k += 1 if shape is None else shape
        sizes = dict(zip(dict.fromkeys(self.positions), self.shapes))
        out = []
        for i in self.positions:
            n = 1 if sizes[i] is None else sizes[i]
            out.extend(range(first[i], first[i] + n))
        return out

    def regroup(self, flat: list[Any]) -> list[Any]:
        """The derivatives, one per argument position: a number, or a list for a list."""
        if self.nested:
            values = [_as_value(g, self.name) for g in flat]
        else:
            values = [as_float(g, f"{self.name}: a derivative") for g in flat]
        grouped, k = [], 0
        for shape in self.shapes:
            if shape is None:
                grouped.append(values[k])
                k += 1
            else:
                grouped.append(values[k : k + shape])
                k += shape
        by_position = dict(zip(dict.fromkeys(self.positions), grouped))
        return [by_position[i] for i in self.positions]


def argnum_positions(argnums: Any) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,), False
    if isinstance(argnums, (tuple, list)) and all(
        isinstance(i, int) and not isinstance(i, bool) for i in argnums
    ):
        return tuple(argnums), True
    raise TypeError(f"grad: argnums must be an int or a tuple or list of ints, got {argnums!r}")


def _index(i: int, n: int, name: str) -> int:
    if not -n <= i < n:
        raise IndexError(f"{name}: argnums {i} is out of range for {n} arguments")
    return i % n


def _holds_value(a: Any) -> bool:
    return isinstance(a, Value) or (
        isinstance(a, (list, tuple)) and any(isinstance(x, Value) for x in a)
    )


def _number(a: Any, label: str, name: str) -> float:
    if isinstance(a, bool) or not isinstance(a, numbers.Real):
        raise TypeError(
            f"{name}: argument {label} must be a number, a Value or a list of them, "
            f"got {type(a).__name__} {a!r}"
        )
    return as_float(a, f"{name}: argument {label}")


def scalar_output(out: Any, name: str) -> Value | None:
    """f's result as a Value, or None for a plain number (every derivative 0)."""
    if isinstance(out, Value):
        return out
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        as_float(out, f"{name}: f's result")  # a constant, but never a silent NaN or inf
        return None
    raise TypeError(f"{name}: f must return a scalar Value or number, got {type(out).__name__}")


def _float(out: Any) -> float:
    return out.data if isinstance(out, Value) else float(out)


def _as_value(g: Any, name: str) -> Value:
    return g if isinstance(g, Value) else Value(as_float(g, f"{name}: a derivative"))


def _check_node(x: Any, what: str) -> None:
    if not isinstance(x, Value):
        raise TypeError(f"gradients: {what} must be a Value, got {type(x).__name__} {x!r}")

# -- derivatives as graphs -----------------------------------------------------
#
# A node records its local derivatives as floats, which is all a first-order
# pass needs. To differentiate a derivative again, the same rules of the same
# table entries are evaluated on the node's Values instead (tanh' = 1 - out·out
# with ``out`` the node itself), so each local derivative is a Value that
# depends on the inputs, and the chain rule written with Values builds the
# derivative's own graph. No second table exists.


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
