"""A graph as text: numbered assignments (a scalar jaxpr) and its reverse pass.

    >>> from autograd import Value
    >>> x = Value(0.5, label='x'); y = (2 * x).tanh(); print(trace_text(y, grads=False))
    forward (inputs first):
      x  = leaf       # 0.5
      v1 = 2 * x      # 1
      v2 = tanh(v1)   # 0.7616
    <BLANKLINE>
    reverse (output first):
      v2.grad  = 1
      v1.grad += tanh'(v1) * v2.grad   # 0.42 * 1 = 0.42
      x.grad  += 2 * v1.grad           # 2 * 0.42 = 0.8399

The names come from the nodes' labels where a label is unique in the graph,
``v<k>`` otherwise (k = the node's place in the forward order). Every printed
derivative is read off the primitive table (``ops.OPS``): the same symbols the
drawings and the chain explanations use.
"""

from __future__ import annotations

import re
from collections import Counter

from .graph import forward_order
from .ops import local_symbol, op_text
from .value import Value

__all__ = ["Trace", "trace_text", "node_names", "edge_symbol", "arg_positions", "number"]

_SIMPLE = re.compile(r"^[\w.'₀-₉]+(\([\w.'₀-₉ ]*\))?$")


def number(x: float, fmt: str = ".4g") -> str:
    """A number as the traces and drawings print it (``-0`` printed as ``0``).

        >>> number(0.123456), number(2.0), number(-0.0)
        ('0.1235', '2', '0')
    """
    text = format(x, fmt)
    return "0" if text in ("-0", "-0.0") else text


def node_names(order: list[Value]) -> dict[Value, str]:
    """A printable name for every node: its label if unique, else ``v<k>``.

        >>> a = Value(1.0, label='a'); names = node_names(forward_order(a + 1))
        >>> sorted(names.values())
        ['a', 'v1']
    """
    counts = Counter(n.label for n in order if n.label)
    names: dict[Value, str] = {}
    taken = set(counts)
    for k, node in enumerate(order):
        if node.label and counts[node.label] == 1:
            names[node] = node.label
        else:
            name = f"v{k}"
            while name in taken:
                name += "'"
            names[node] = name
    return names


def arg_positions(node: Value) -> list[int]:
    """For each parent of ``node``, its position among the op's arguments.

    Plain numbers are folded into a node: they are in ``.args`` but not in
    ``.parents``, so parent j is argument ``arg_positions(node)[j]``.

        >>> x = Value(2.0); arg_positions(3 * x)
        [1]
    """
    if len(node.args) == len(node.parents):
        return list(range(len(node.parents)))
    return [i for i, a in enumerate(node.args) if isinstance(a, Value)]


def _arg_names(node: Value, names: dict[Value, str], fmt: str) -> list[str]:
    return [names[a] if isinstance(a, Value) else number(a, fmt) for a in node.args]


def edge_symbol(node: Value, j: int, names: dict[Value, str], fmt: str = ".4g") -> str:
    """The local derivative d node / d parent_j written with the table's symbol.

        >>> w = Value(2.0, label='w'); q = Value(3.0, label='q'); p = w * q
        >>> edge_symbol(p, 0, {w: 'w', q: 'q', p: 'p'})
        'q'
    """
    prim = node.primitive
    if prim is None:
        return "?"
    i = arg_positions(node)[j]
    return local_symbol(prim, i, _arg_names(node, names, fmt), names.get(node, "out"))


def node_text(node: Value, names: dict[Value, str], fmt: str = ".4g") -> str:
    """The right-hand side of a node's assignment: ``tanh(v6)``, ``w * x``, ``leaf``."""
    prim = node.primitive
    if prim is None:
        return "leaf"
    return op_text(prim, _arg_names(node, names, fmt))


def _wrap(symbol: str) -> str:
    """Parenthesise a derivative symbol unless it is one token or one call."""
    return symbol if _SIMPLE.match(symbol) else f"({symbol})"


class Trace:
    """The graph behind ``root`` as numbered assignments and their reverse pass.

        >>> from autograd import Value
        >>> print(Trace(Value(3.0, label='x') * 2).forward_lines()[1])
        v1 = x * 2   # 6, grad 0

    ``grads`` adds each node's current ``.grad`` to the forward lines;
    ``reverse`` adds the reverse pass, one line per edge, with its numbers.
    """

    def __init__(self, root: Value, *, fmt: str = ".4g", grads: bool = True,
                 reverse: bool = True) -> None:
        self.root = root
        self.fmt = fmt
        self.grads = grads
        self.reverse = reverse
        self.order = forward_order(root)
        self.names = node_names(self.order)

    def forward_lines(self) -> list[str]:
        """``name = op(args)   # data, grad g``, inputs first."""
        rows = []
        for node in self.order:
            comment = number(node.data, self.fmt)
            if self.grads:
                comment += f", grad {number(node.grad, self.fmt)}"
            name = self.names[node]
            if node.label and name != node.label:
                comment += f"  ({node.label})"
            rows.append((name, "= " + node_text(node, self.names, self.fmt), comment))
        return _columns(rows)

    def reverse_lines(self) -> list[str]:
        """``parent.grad += local * node.grad   # numbers``, output first.

        The numbers are those of one pass from ``root`` seeded with 1, worked
        out from the local derivatives (no backward() needed).
        """
        grads: dict[Value, float] = {self.root: 1.0}
        rows = [(f"{self.names[self.root]}.grad", " = 1", "")]
        for node in reversed(self.order):
            g = grads.get(node, 0.0)
            for j, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
                symbol = _wrap(edge_symbol(node, j, self.names, self.fmt))
                amount = local * g
                grads[parent] = grads.get(parent, 0.0) + amount
                rows.append((
                    f"{self.names[parent]}.grad",
                    f"+= {symbol} * {self.names[node]}.grad",
                    f"{number(local, self.fmt)} * {number(g, self.fmt)} = "
                    f"{number(amount, self.fmt)}",
                ))
        return _columns(rows)

    def __str__(self) -> str:
        text = "forward (inputs first):\n" + "\n".join("  " + s for s in self.forward_lines())
        if self.reverse:
            text += "\n\nreverse (output first):\n"
            text += "\n".join("  " + s for s in self.reverse_lines())
        return text

    def __repr__(self) -> str:
        return f"Trace({len(self.order)} nodes, root {self.names[self.root]})"

    def _repr_markdown_(self) -> str:
        return "```\n" + str(self) + "\n```"


def _columns(rows: list[tuple[str, str, str]]) -> list[str]:
    """Align name, right-hand side and comment in columns."""
    if not rows:
        return []
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    out = []
    for name, rhs, comment in rows:
        line = f"{name:<{w0}} {rhs:<{w1}}"
        out.append(f"{line}   # {comment}".rstrip() if comment else line.rstrip())
    return out


def trace_text(root: Value, *, fmt: str = ".4g", grads: bool = True,
               reverse: bool = True) -> str:
    """The graph behind ``root`` as numbered assignments, then its reverse pass.

        >>> from autograd import Value
        >>> 'tanh(x)' in trace_text(Value(0.5, label='x').tanh())
        True
    """
    return str(Trace(root, fmt=fmt, grads=grads, reverse=reverse))
