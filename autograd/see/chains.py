"""A gradient taken apart: the sum over paths of products of local derivatives.

    >>> from autograd import Value
    >>> w = Value(0.5, label='w'); x = Value(2.0, label='x'); C = (w * x).tanh()
    >>> e = explain(C, w); [s for s, _ in e.paths[0].factors], round(e.total, 4)
    (["tanh'(mul#1)", 'x'], 0.8399)

d root / d wrt is, by the chain rule, the sum over every path from ``wrt`` up
to ``root`` of the product of the local derivatives on that path's edges.
Each path lists its factors in the documents' order, from the output back to
the input, each as (symbol from the primitive table, value). The number of
paths can grow exponentially with depth, so they are counted first (dynamic
programming over the graph: linear, no recursion) and refused past
``max_paths``; the delta form (``paths=False``) always costs about one
reverse pass:

    dC/dw = δ(consumer) × q     (backward chain × forward chain)

where ``consumer`` is the node ``w`` feeds (a ``dot`` or ``*``), δ its
gradient and q the local derivative, the input paired with ``w``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..backward import reverse_steps
from ..graph import topo_order
from ..ops import dot_parts, latex_words
from ..value import Value
from .display import label_text, number, one_line
from .trace import edge_symbols, node_names

__all__ = ["explain", "Explanation", "Path", "Split", "count_paths", "why_zero", "PATH_COUNT_CAP",
           "PASSES_NOTHING"]

PATH_COUNT_CAP = 2**64
"""Paths are counted exactly up to this number; more are reported as ``PATH_COUNT_CAP + 1``."""

PASSES_NOTHING = 1e-3
"""A local derivative below this (in size) passes (almost) nothing back: a ReLU that is
off, a saturated tanh or σ, a zero input multiplying a weight."""


@dataclass
class Path:
    """One path from ``wrt`` up to ``root``, read from the output back to the input.

    ``nodes``: root first, wrt last. ``edges``: (consumer, parent index) per
    step. ``factors``: (symbol, value) per edge. ``product``: their product.
    """

    nodes: list[Value]
    edges: list[tuple[Value, int]]
    factors: list[tuple[str, float]]

    @property
    def product(self) -> float:
        """The product of the factors: this path's share of the derivative."""
        return math.prod(v for _, v in self.factors)

    def formula(self) -> str:
        """The factors as symbols: ``tanh'(mul#1) · x``."""
        return " · ".join(s for s, _ in self.factors) or "1"

    def numbers(self, fmt: str = ".4g") -> str:
        """The factors as numbers: ``0.42 × 2``."""
        return " × ".join(number(v, fmt) for _, v in self.factors) or "1"

    def __str__(self) -> str:
        return f"{self.formula()} = {self.numbers()} = {number(self.product)}"


@dataclass
class Split:
    """One edge out of ``wrt``: dC/dw through ``consumer`` = delta × forward.

    ``delta`` is d root / d consumer (the backward chain, δ); ``forward`` is
    the local derivative d consumer / d wrt (for a weight in a ``dot`` or a
    ``*`` node, the input q it multiplies: the forward chain). ``delta_node``
    is the node the documents call p: the consumer itself for ``dot(w, q, b)``,
    the bias add after it for ``dot(w, q) + b`` (δ(p) = δ(dot) since dp/d dot = 1).
    """

    consumer: Value
    index: int
    delta: float
    forward: float
    delta_node: Value
    delta_name: str
    forward_symbol: str

    @property
    def product(self) -> float:
        """δ × q."""
        return self.delta * self.forward

    def __str__(self) -> str:
        return (f"δ({self.delta_name}) × {self.forward_symbol} = {number(self.delta)} × "
                f"{number(self.forward)} = {number(self.product)}")


def _grads(root: Value, order: list[Value]) -> dict[Value, float]:
    """d root / d node for every node, read off the reference walk (no .grad touched)."""
    return {step.node: step.grad for step in reverse_steps(root, order=order, contributions=False)}


def count_paths(root: Value, wrt: Value, *, order: list[Value] | None = None,
                cap: int = PATH_COUNT_CAP) -> int:
    """How many paths lead from ``wrt`` up to ``root`` (edges counted with multiplicity).

        >>> a = Value(1.0); b = a + a; count_paths(b * b, a)
        4

    Dynamic programming, inputs first: a node's count is the sum of its
    parents' counts. Linear in nodes + edges: counts are exact up to ``cap``
    and held at ``cap + 1`` ("more than cap") beyond, so no addition ever
    works on a huge integer (a chain of 10^6 ``y * y`` has 2^(10^6) paths).
    """
    order = topo_order(root) if order is None else order
    counts: dict[Value, int] = {wrt: 1}
    over = cap + 1
    for node in reversed(order):  # inputs first
        if node is wrt:
            continue
        total = 0
        for parent in node.parents:
            total += counts.get(parent, 0)
        if total:
            counts[node] = total if total <= cap else over
    return counts.get(root, 0)


@dataclass
class Explanation:
    """d root / d wrt as paths, as a total, and as δ × q per edge out of ``wrt``.

    ``paths`` is empty when asked for the delta form only (``paths=False``).
    ``total`` equals ``wrt.grad`` after ``root.backward()`` (one pass, grads
    starting at 0) to rounding; it is computed from the local derivatives, so
    backward need not have run. ``why_zero`` says, when the gradient is zero or
    vanishing (below ``PASSES_NOTHING`` in size), which edge kills it (a ReLU
    that is off, a saturated tanh or σ, a zero input multiplying a weight, no
    path at all, paths that cancel); None otherwise.
    """

    root: Value
    wrt: Value
    paths: list[Path]
    total: float
    split: list[Split]
    n_paths: int
    names: dict[Value, str] = field(repr=False, default_factory=dict)
    why_zero: str | None = None

    @property
    def delta(self) -> float:
        """δ of the node ``wrt`` feeds (the backward chain); needs exactly one such edge."""
        return self._one().delta

    @property
    def forward(self) -> float:
        """The forward chain q that ``wrt`` multiplies; needs exactly one edge out of wrt."""
        return self._one().forward

    def _one(self) -> Split:
        if len(self.split) != 1:
            raise ValueError(
                f"{self.wrt_name} feeds {len(self.split)} edges; read .split for each "
                "(the gradient is the sum of their δ × q)"
            )
        return self.split[0]

    @property
    def root_name(self) -> str:
        return self.names.get(self.root, "root")

    @property
    def wrt_name(self) -> str:
        return self.names.get(self.wrt) or label_text(self.wrt.label) or "w"

    @property
    def n_paths_text(self) -> str:
        """The path count in words: ``1,024 paths``, ``more than 18,446,744,073,709,551,616``."""
        if self.n_paths > PATH_COUNT_CAP:
            return f"more than {PATH_COUNT_CAP:,} paths"
        return f"{self.n_paths:,} path{'s' if self.n_paths != 1 else ''}"

    def __repr__(self) -> str:
        return (
            f"Explanation(d{self.names.get(self.root, 'root')}/d{self.wrt_name} = "
            f"{number(self.total, '.6g')}, {self.n_paths_text})"
        )

    def __str__(self) -> str:
        head = f"d{self.root_name}/d{self.wrt_name}"
        lines = []
        if self.paths:
            s = "" if len(self.paths) == 1 else "s"
            lines.append(f"{head}: the sum over {len(self.paths)} path{s} from "
                         f"{self.wrt_name} up to {self.root_name} of the product of "
                         "local derivatives (output first)")
            for k, path in enumerate(self.paths, 1):
                route = " ← ".join(self.names.get(n, "?") for n in path.nodes)
                lines.append(f"  path {k}: {route}")
                lines.append(f"    {path.formula()}")
                lines.append(f"    = {path.numbers()} = {number(path.product)}")
        elif self.n_paths:
            lines.append(f"{head}: {self.n_paths_text} (not listed: delta form)")
        else:
            lines.append(f"{head}: {self.root_name} does not depend on {self.wrt_name}")
        lines.append(f"  total {head} = {number(self.total, '.6g')}")
        if self.split:
            terms = " + ".join(str(s) for s in self.split)
            lines.append(f"  as backward chain × forward chain: {head} = {terms}")
        if self.why_zero:
            lines.append(f"  why: {self.why_zero}")
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        head = rf"\frac{{\partial {_tex(self.root_name)}}}{{\partial {_tex(self.wrt_name)}}}"
        rows = []
        for path in self.paths[:50]:
            symbols = r" \cdot ".join(_tex(s) for s, _ in path.factors) or "1"
            values = r" \times ".join(_tex(number(v)) for _, v in path.factors) or "1"
            rows.append(rf"&\phantom{{=}} {symbols} = {values} = {_tex(number(path.product))}")
        if len(self.paths) > 50:
            rows.append(rf"&\phantom{{=}} \text{{... {len(self.paths) - 50} more paths}}")
        body = r" \\ + ".join(rows)
        split = ""
        if self.split:
            split = r" \\ &= " + " + ".join(
                rf"\underbrace{{{_tex(number(s.delta))}}}_{{\delta({_tex(s.delta_name)})}}"
                rf"\times\underbrace{{{_tex(number(s.forward))}}}_{{{_tex(s.forward_symbol)}}}"
                for s in self.split
            )
        total = rf" \\ &= {_tex(number(self.total, '.6g'))}"
        lead = rf"{head} &= \sum_{{\text{{paths}}}} \prod \text{{local derivatives}} \\ "
        return rf"$$\begin{{aligned}} {lead}{body}{split}{total} \end{{aligned}}$$"

    def _repr_markdown_(self) -> str:
        head = f"∂{self.root_name}/∂{self.wrt_name}"
        out = [f"**{head} = {number(self.total, '.6g')}**", ""]
        if self.paths:
            out += ["| path | factors (output → input) | product |", "| --- | --- | --- |"]
            for k, path in enumerate(self.paths[:50], 1):
                cells = " · ".join(f"`{s}` = {number(v)}" for s, v in path.factors)
                out.append(f"| {k} | {cells} | {number(path.product)} |")
            out.append("")
        for s in self.split:
            out.append(f"- δ(`{s.delta_name}`) × `{s.forward_symbol}` = {number(s.delta)} × "
                       f"{number(s.forward)} = {number(s.product)} (backward × forward chain)")
        if self.why_zero:
            out += ["", f"Why: {self.why_zero}"]
        return "\n".join(out)


_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _underscored(word: str) -> str:
    """A label with underscores in LaTeX: one is a subscript (w_12 → w_{12}, my_bias →
    my_{bias}); with more (a_b_c), each is an underscore, as a double subscript is an error."""
    head, _, rest = word.partition("_")
    if head and rest and "_" not in rest:  # x_1₂: subscript digits join the subscript
        return f"{head}_{{{rest.translate(_SUB)}}}"
    return word.replace("_", r"\_")


def _tex(text: str) -> str:
    """A symbol or name in LaTeX: σ → \\sigma, p₂ → p_{2}, w01 → w_{01}, · → \\cdot."""
    text = text.replace("\\", r"\backslash ")
    for a, b in (("{", r"\{"), ("}", r"\}"), ("$", r"\$")):  # a label's own braces are text
        text = text.replace(a, b)
    words = latex_words()  # each op's entry says how its words are written
    # a word with underscores: letters (Greek too) and digits, then _ and anything of a word
    text = re.sub(r"[^\W_₀-₉]*_\w*",
                  lambda m: words.get(m.group(0)) or _underscored(m.group(0)), text)
    text = re.sub(r"([₀-₉]+)", lambda m: "_{" + m.group(1).translate(_SUB) + "}", text)
    # w01 → w_{01}, but a word of the table (log10, atan2, expm1) is written as its entry says
    text = re.sub(r"([A-Za-z]+)(\d+)\b",
                  lambda m: m[0] if m[0] in words else f"{m[1]}_{{{m[2]}}}", text)
    pattern = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    if pattern:
        text = re.sub(rf"\b({pattern})\b", lambda m: words[m.group(1)], text)
    # √(1 - x²): the whole bracket goes under the root
    text = re.sub(r"√\(([^()]*)\)", r"\\sqrt{\1}", text)
    for a, b in (("σ", r"\sigma "), ("·", r"\cdot "), ("√", r"\sqrt "), ("²", "^2"),
                 ("π", r"\pi "), ("δ", r"\delta "), ("#", r"\#"), ("%", r"\%"), ("&", r"\&")):
        text = text.replace(a, b)
    text = re.sub(r"\^\(([^()]*)\)", r"^{(\1)}", text)
    return text


def explain(root: Value, wrt: Value, *, max_paths: int = 10_000, paths: bool = True) -> Explanation:
    """d root / d wrt as the sum over paths of products of local derivatives.

        >>> x = Value(3.0, label='x'); e = explain(x * x, x)
        >>> [p.formula() for p in e.paths], e.total
        (['x', 'x'], 6.0)

    What it costs: the total, the δ × q split and the path count take one
    topological order, one reference reverse pass and one counting pass, each
    linear in the nodes and edges of the graph, whatever its shape (the delta
    form, ``paths=False``, stops there). Listing the paths costs, in addition,
    the sum of their lengths: a chain of 10^6 nodes is one path of 10^6
    factors; a graph that branches and joins at every level has a number of
    paths exponential in its depth. So paths are counted first (exactly, up to
    ``PATH_COUNT_CAP``) and more than ``max_paths`` of them are refused with a
    ValueError that says how many there are, before anything is listed.
    """
    if not isinstance(root, Value) or not isinstance(wrt, Value):
        raise TypeError(
            f"explain: root and wrt must be Values, got {type(root).__name__} and "
            f"{type(wrt).__name__}"
        )
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 0:
        raise ValueError(f"explain: max_paths must be an int ≥ 0, got {max_paths!r}")
    order = topo_order(root)
    # a label's line break would forge a line of the explanation: printed escaped
    names = {node: one_line(name) for node, name in node_names(order[::-1]).items()}
    n_paths = count_paths(root, wrt, order=order)
    if paths and n_paths > max_paths:
        raise ValueError(_too_many_paths(names[root], _name_of(wrt, names), n_paths, max_paths))
    grads = _grads(root, order)
    listed = _enumerate(root, wrt, order, names) if paths and n_paths else []
    split = _split(wrt, order, grads, names)
    total = grads.get(wrt, 0.0)
    why = _why_zero(root, wrt, order, names, n_paths, total)
    return Explanation(root, wrt, listed, total, split, n_paths, names, why)


def why_zero(root: Value, wrt: Value) -> str | None:
    """Why d root / d wrt is zero or vanishing: the edge that kills it; None when it is not.

        >>> w = Value(0.5, label='w'); x = Value(-2.0, label='x'); h = (w * x).relu()
        >>> why_zero(h, w)  # doctest: +ELLIPSIS
        "...the relu relu#1 is off: its input mul#1 = -1 ≤ 0, so relu'(mul#1) = 0..."

    ``explain(root, wrt).why_zero`` is the same sentence. Linear in the graph.
    """
    if not isinstance(root, Value) or not isinstance(wrt, Value):
        raise TypeError("why_zero: root and wrt must be Values")
    order = topo_order(root)
    names = node_names(order[::-1])
    total = _grads(root, order).get(wrt, 0.0)
    return _why_zero(root, wrt, order, names, count_paths(root, wrt, order=order), total)


def _why_zero(root: Value, wrt: Value, order: list[Value], names: dict[Value, str],
              n_paths: int, total: float) -> str | None:
    """The sentence for ``Explanation.why_zero``: the edges where the flow back stops."""
    if abs(total) >= PASSES_NOTHING:
        return None  # a gradient of this size is not vanishing: no pass spent on it
    head = f"d{names.get(root, 'root')}/d{_name_of(wrt, names)}"
    if n_paths == 0:
        return (f"{head} is 0: no path leads from {_name_of(wrt, names)} up to "
                f"{names.get(root, 'root')}, which does not depend on it")
    alive = {wrt}  # reached from wrt through edges that pass something back
    blocked = []
    for node in reversed(order):  # inputs first
        if node is wrt:
            continue
        dead = []
        for j, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            if parent in alive:
                if abs(local) >= PASSES_NOTHING:
                    alive.add(node)
                else:
                    dead.append((node, j, parent, local))
        if node not in alive:
            blocked += dead
    size = "0" if total == 0 else f"{number(total, '.3g')}, vanishing"
    if root in alive:
        if total != 0:
            return None
        return (f"{head} is 0 although a path passes something back: its "
                f"{n_paths:,} paths' products cancel (they sum to 0)")
    edges = "; ".join(_killer(c, j, p, local, names) for c, j, p, local in blocked[:5])
    more = f" (and {len(blocked) - 5} more)" if len(blocked) > 5 else ""
    return (f"{head} is {size}: every path from {_name_of(wrt, names)} up to "
            f"{names.get(root, 'root')} crosses an edge that passes (almost) nothing back: "
            f"{edges}{more}")


def _killer(consumer: Value, j: int, parent: Value, local: float,
            names: dict[Value, str]) -> str:
    """One edge that stops the flow back, in the words of its op."""
    c, p = names[consumer], names[parent]
    symbol = edge_symbols(consumer, names)[j]
    if consumer.op == "relu":
        return (f"the relu {c} is off: its input {p} = {number(parent.data)} ≤ 0, so "
                f"{symbol} = 0 and nothing flows back through it")
    if consumer.op in ("tanh", "sigmoid"):
        return (f"the {consumer.op} {c} is saturated: its input {p} = {number(parent.data)} "
                f"puts it at {number(consumer.data, '.6g')}, where {symbol} = "
                f"{number(local, '.2g')}")
    if consumer.op in ("*", "dot") and local == 0:
        return (f"{p} multiplies {symbol} = 0 in {c}: d{c}/d{p} = {symbol} = 0, so a zero "
                "input passes no gradient to its weight")
    return f"the edge {c} ← {p} has local derivative {symbol} = {number(local, '.2g')}"


def _name_of(node: Value, names: dict[Value, str]) -> str:
    return names.get(node) or label_text(node.label) or "wrt"


def _too_many_paths(root: str, wrt: str, n_paths: int, max_paths: int) -> str:
    count = f"more than {PATH_COUNT_CAP:,}" if n_paths > PATH_COUNT_CAP else f"{n_paths:,}"
    return (
        f"explain: d{root}/d{wrt} is a sum over {count} paths (counted, not listed), "
        f"more than max_paths={max_paths:,}, so none is listed. The gradient itself is "
        f"cheap: explain(root, wrt, paths=False) gives the total and its delta form "
        f"dC/dw = δ(consumer) × q (backward chain × forward chain) in one reverse pass. "
        f"To list them all, pass max_paths={n_paths if n_paths <= PATH_COUNT_CAP else 'N'} "
        f"(time and memory grow with the number of paths times their length)."
    )


def _split(wrt: Value, order: list[Value], grads: dict[Value, float],
           names: dict[Value, str]) -> list[Split]:
    """δ × q for every edge out of ``wrt``, its consumers in topological order."""
    consumers = _two_deep(wrt, order)
    split = []
    for node in reversed(consumers):  # its keys come inputs first
        symbols = edge_symbols(node, names)
        shown = delta_node(node, consumers[node])
        for j, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            if parent is wrt:
                split.append(Split(node, j, grads.get(node, 0.0), local, shown, names[shown],
                                   symbols[j]))
    return split


def _two_deep(wrt: Value, order: list[Value]) -> dict[Value, list[tuple[Value, float]]]:
    """Each node that ``wrt`` feeds (inputs first), with the nodes that use it and how.

    One pass, inputs first, so a consumer is known before its own consumers come;
    a node that touches no consumer costs one C-level set test.
    """
    consumers: dict[Value, list[tuple[Value, float]]] = {}
    keys = consumers.keys()
    for node in reversed(order):
        parents = node.parents
        if not keys.isdisjoint(parents):
            for parent, local in zip(parents, node.local_grads):
                if parent in consumers:
                    consumers[parent].append((node, local))
        if wrt in parents:
            consumers[node] = []
    return consumers


def _enumerate(root: Value, wrt: Value, order: list[Value],
               names: dict[Value, str]) -> list[Path]:
    """Every path root → wrt, depth first by an explicit stack (no recursion).

    A path so far is a linked list of its edges, ``(consumer, index, rest)``,
    shared by every path that continues it: extending one is O(1) (copying a
    list would make a chain of n nodes cost n²/2), and each path found is
    read out once, in O(its length). Only nodes that reach ``wrt`` are
    entered, so every node entered lies on a path that is listed.
    """
    reaches = {wrt}
    for node in reversed(order):  # inputs first
        if not reaches.isdisjoint(node.parents):
            reaches.add(node)
    symbols: dict[Value, list[str]] = {}  # each node's edge symbols, made once
    found: list[Path] = []
    stack: list[tuple[Value, tuple | None]] = [(root, None)]
    while stack:
        node, link = stack.pop()
        if node is wrt:
            found.append(_path(root, link, symbols, names))
            continue
        parents = node.parents
        for j in range(len(parents) - 1, -1, -1):  # parent 0 is popped, so listed, first
            if parents[j] in reaches:
                stack.append((parents[j], (node, j, link)))
    return found


def _path(root: Value, link: tuple | None, symbols: dict[Value, list[str]],
          names: dict[Value, str]) -> Path:
    """A Path read out of its linked edges (which run from wrt back to root)."""
    edges: list[tuple[Value, int]] = []
    while link is not None:
        consumer, j, link = link
        edges.append((consumer, j))
    edges.reverse()
    nodes = [root]
    factors = []
    for consumer, j in edges:
        if consumer not in symbols:
            symbols[consumer] = edge_symbols(consumer, names)
        nodes.append(consumer.parents[j])
        factors.append((symbols[consumer][j], consumer.local_grads[j]))
    return Path(nodes, edges, factors)


def delta_node(node: Value, consumers: list[tuple[Value, float]]) -> Value:
    """The node whose δ the documents write: ``dot(w, q, b)`` itself, or through a bias add.

    ``consumers`` are the node's (consumer, local derivative) pairs.

    Goes up one node when the node's only consumer is a '+' with local
    derivative 1 (the bias add), whose δ is the same number.
    """
    if node.op == "dot" and dot_parts(node.args)[2] is not None:
        return node  # dot(w, q, b) is p itself: its bias is inside
    if len(consumers) == 1 and consumers[0][0].op == "+" and consumers[0][1] == 1.0:
        return consumers[0][0]
    return node
