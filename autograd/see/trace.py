"""A graph as text: numbered assignments (a scalar jaxpr) and its reverse pass.

    >>> from autograd import Value
    >>> x = Value(0.5, label='x'); y = (2 * x).tanh(); print(trace_text(y, grads=False))
    forward (inputs first):
      x      = leaf          # 0.5
      mul#1  = 2 * x         # 1
      tanh#1 = tanh(mul#1)   # 0.7616
    <BLANKLINE>
    reverse (output first):
      tanh#1.grad  = 1
      mul#1.grad  += tanh'(mul#1) * tanh#1.grad   # 0.42 * 1 = 0.42
      x.grad      += 2 * mul#1.grad               # 2 * 0.42 = 0.8399

The names come from the nodes' labels where a label is unique in the graph;
a node without one is named after the op that made it, counted in the forward
order (``mul#1``, ``tanh#1``; ``leaf#1`` for a leaf). Every printed
derivative is read off the primitive table (``ops.OPS``): the same symbols the
drawings and the chain explanations use.
"""

from __future__ import annotations

import re
from collections import Counter

from ..backward import reverse_steps
from ..graph import forward_order
from ..ops import local_symbol, op_text
from ..value import Value
from .display import label_text, number, one_line

__all__ = ["Trace", "trace_text", "node_names", "edge_symbol", "edge_symbols", "arg_positions",
           "number"]

_SIMPLE = re.compile(r"^[\w.'#₀-₉]+(\([\w.'#₀-₉ ]*\))?$")  # a name, or a call of names
_ALIGN_LIMIT = 48  # a column is padded to its longest entry up to this many characters


def node_names(order: list[Value]) -> dict[Value, str]:
    """A printable name for every node: its label if unique, else ``<op>#<k>``.

        >>> a = Value(1.0, label='a'); names = node_names(forward_order((a + 1).tanh() * a))
        >>> list(names.values())
        ['a', 'add#1', 'tanh#1', 'mul#1']

    A name that must be made up says which op made the node, and k counts the
    nodes so named in ``order`` (the forward order: ``add#1`` is computed before
    ``add#2``); a leaf is ``leaf#k``. Two nodes sharing a label are named so too
    (the traces print the label beside the name). A label that is not a str is
    used as ``str(label)``. Linear in the nodes.
    """
    if not isinstance(order, (list, tuple)):
        raise TypeError(f"node_names: order must be a list of Values (forward_order(root)), "
                        f"got {type(order).__name__} {order!r:.60}")
    labels = [label_text(n.label) for n in order]
    counts = Counter(label for label in labels if label)
    made: Counter[str] = Counter()
    names: dict[Value, str] = {}
    for node, label in zip(order, labels):
        if label and counts[label] == 1:
            names[node] = label
            continue
        word = op_word(node)
        made[word] += 1
        name = f"{word}#{made[word]}"
        while name in counts:  # a label of the graph spelled like a made-up name
            name += "'"
        names[node] = name
    return names


def op_word(node: Value) -> str:
    """The op that made ``node`` as a word (the table's ``word``), ``leaf`` for a leaf.

        >>> op_word(Value(2.0) * 3), op_word(Value(2.0).tanh()), op_word(Value(2.0))
        ('mul', 'tanh', 'leaf')
    """
    prim = node.primitive
    if prim is not None:
        return prim.word or prim.name
    return node.op or "leaf"


def arg_positions(node: Value) -> list[int]:
    """For each parent of ``node``, its position among the op's arguments.

    Plain numbers are folded into a node: they are in ``.args`` but not in
    ``.parents``, so parent j is argument ``arg_positions(node)[j]``.

        >>> x = Value(2.0); arg_positions(3 * x)
        [1]
    """
    return _positions(node.args, len(node.parents))


def _positions(args: tuple, n_parents: int) -> list[int]:
    if len(args) == n_parents:
        return list(range(n_parents))
    return [i for i, a in enumerate(args) if isinstance(a, Value)]


def _arg_names(args: tuple, names: dict[Value, str], fmt: str) -> list[str]:
    return [names[a] if isinstance(a, Value) else number(a, fmt) for a in args]


def edge_symbols(node: Value, names: dict[Value, str], fmt: str = ".4g") -> list[str]:
    """The local derivative d node / d parent_j, with the table's symbol, for every parent j.

        >>> w = Value(2.0, label='w'); q = Value(3.0, label='q'); p = w * q
        >>> edge_symbols(p, {w: 'w', q: 'q', p: 'p'})
        ['q', 'w']

    Linear in the node's arguments (a ``sum`` of n inputs costs O(n), not O(n²)).
    """
    prim, args, n_parents = node.primitive, node.args, len(node.parents)
    if prim is None:
        return ["?"] * n_parents
    arg_names = _arg_names(args, names, fmt)
    out = names.get(node, "out")
    return [local_symbol(prim, i, arg_names, out) for i in _positions(args, n_parents)]


def edge_symbol(node: Value, j: int, names: dict[Value, str], fmt: str = ".4g") -> str:
    """The local derivative d node / d parent_j written with the table's symbol.

        >>> w = Value(2.0, label='w'); q = Value(3.0, label='q'); p = w * q
        >>> edge_symbol(p, 0, {w: 'w', q: 'q', p: 'p'})
        'q'

    For one edge; ``edge_symbols`` gives all of a node's edges at the same cost.
    """
    prim = node.primitive
    if prim is None:
        return "?"
    i = arg_positions(node)[j]
    return local_symbol(prim, i, _arg_names(node.args, names, fmt), names.get(node, "out"))


def node_text(node: Value, names: dict[Value, str], fmt: str = ".4g") -> str:
    """The right-hand side of a node's assignment: ``tanh(mul#2)``, ``w * x``, ``leaf``."""
    prim = node.primitive
    if prim is None:
        return "leaf"
    return op_text(prim, _arg_names(node.args, names, fmt))


def _wrap(symbol: str) -> str:
    """Parenthesise a derivative symbol unless it is one token or one call."""
    return symbol if _SIMPLE.match(symbol) else f"({symbol})"


class Trace:
    """The graph behind ``root`` as numbered assignments and their reverse pass.

        >>> from autograd import Value
        >>> print(Trace(Value(3.0, label='x') * 2).forward_lines()[1])
        mul#1 = x * 2   # 6, grad 0

    ``grads`` adds each node's current ``.grad`` to the forward lines;
    ``reverse`` adds the reverse pass, one line per edge, with its numbers.
    Cost: linear in nodes + edges, in time and in the length of the text
    (columns are aligned up to a width, so one long line pads no other).
    """

    def __init__(self, root: Value, *, fmt: str = ".4g", grads: bool = True,
                 reverse: bool = True) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"trace_text: root must be a Value, got {type(root).__name__}")
        format(1.0, fmt)  # a bad format fails here, with Python's own message
        self.root = root
        self.fmt = fmt
        self.grads = grads
        self.reverse = reverse
        self.order = forward_order(root)
        # a label's line break would forge a line of the trace: print it escaped
        self.names = {node: one_line(name) for node, name in node_names(self.order).items()}

    def forward_lines(self) -> list[str]:
        """``name = op(args)   # data, grad g``, inputs first."""
        rows = []
        for node in self.order:
            comment = number(node.data, self.fmt)
            if self.grads:
                comment += f", grad {number(node.grad, self.fmt)}"
            name = self.names[node]
            label = one_line(label_text(node.label))
            if label and name != label:
                comment += f"  ({label})"
            rows.append((name, "= " + node_text(node, self.names, self.fmt), comment))
        return _columns(rows)

    def reverse_lines(self) -> list[str]:
        """``parent.grad += local * node.grad   # numbers``, output first.

        The numbers are those of one pass from ``root`` seeded with 1, read off
        the reference walk ``reverse_steps`` (no backward() needed, no .grad
        touched): one line per edge, as each node sends its grad on.
        """
        names, fmt = self.names, self.fmt
        rows = [(f"{names[self.root]}.grad", " = 1", "")]
        for step in reverse_steps(self.root, order=self.order[::-1]):
            if not step.sent:
                continue
            node_name = names[step.node]
            symbols = edge_symbols(step.node, names, fmt)
            for c, parent, symbol in zip(step.sent, step.node.parents, symbols):
                rows.append((
                    f"{names[parent]}.grad",
                    f"+= {_wrap(symbol)} * {node_name}.grad",
                    f"{number(c.local, fmt)} * {number(c.consumer_grad, fmt)} = "
                    f"{number(c.amount, fmt)}",
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


def _width(cells: list[str]) -> int:
    """The width a column is padded to: its longest entry, ignoring those over the limit."""
    return max((len(c) for c in cells if len(c) <= _ALIGN_LIMIT), default=0)


def _columns(rows: list[tuple[str, str, str]]) -> list[str]:
    """Align name, right-hand side and comment in columns.

    An entry longer than ``_ALIGN_LIMIT`` (the right-hand side of a ``sum``
    over many inputs, say) sticks out instead of widening its column, so the
    text stays linear in the graph's size.
    """
    if not rows:
        return []
    w0 = _width([r[0] for r in rows])
    w1 = _width([r[1] for r in rows])
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

    Cost: linear in the nodes and edges of the graph, in time and in the
    length of the text: one line per node, one per edge, each a few names
    long (a node over n inputs prints one line of O(n)).
    """
    return str(Trace(root, fmt=fmt, grads=grads, reverse=reverse))
