"""Drawings of a graph: values, ops, local derivatives, contributions, chains.

    >>> from autograd import Value
    >>> w = Value(0.5, label='w'); x = Value(2.0, label='x'); C = (w * x).tanh(); C.backward()
    >>> dg = draw(C, highlight=w); render(dg, 'chain.svg')   # doctest: +SKIP

Each value is a box (label, data, grad); each op a small circle between its
inputs and its output; each input edge carries its local derivative (the
number, or with ``symbols=True`` the table's symbol such as ``σ'(p2)``) and,
once gradients are there, the contribution that flowed along it in the
reverse pass (upstream grad × local derivative).

``highlight=w`` colours the forward chain flowing into w's consumer (blue),
the backward chain from the root down to that consumer (green) and w itself
(red), so the picture reads dC/dw = (backward chain) × (forward chain).
``step=k`` draws the graph after k steps of ``backward_steps``. Graphs larger
than ``max_nodes`` collapse into one box per neuron, grouped by layer.

graphviz (the Python package) is imported only when drawing; rendering needs
Graphviz's ``dot`` program (see ``render``).
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .backward import backward_steps
from .graph import topo_order
from .ops import OPS, dot_parts
from .trace import arg_positions, edge_symbol, node_names, number
from .value import Value

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = [
    "draw", "render", "value_html", "chain_nodes", "find_neurons", "Neuron",
    "GraphvizMissing", "INSTALL_HINT", "FORWARD_COLOUR", "BACKWARD_COLOUR", "WEIGHT_COLOUR",
]

FORWARD_COLOUR = "#1f77b4"  # the forward chain q (blue, as in document 003)
BACKWARD_COLOUR = "#2ca02c"  # the backward chain δ (green, as δ's recursion in 003)
WEIGHT_COLOUR = "#d62728"  # the weight itself (red, the "missing" factor in 003)
CURRENT_COLOUR = "#ff7f0e"  # the node a backward step is working on
PENDING_COLOUR = "#9e9e9e"
_FILL = {
    FORWARD_COLOUR: "#dbe9f6",
    BACKWARD_COLOUR: "#dff2df",
    WEIGHT_COLOUR: "#f9d6d6",
    CURRENT_COLOUR: "#ffe5cc",
}
_PLAIN_FILL = "#ffffff"
_LEAF_FILL = "#f4f4f4"
_ACTIVATIONS = frozenset({"tanh", "sigmoid", "relu", "exp", "abs"})

def _op_label(node: Value, op: str, fmt: str) -> str:
    """The op's glyph, with a plain number folded into it shown in place: × 0.5, 2 −, x^3."""
    prim = OPS.get(op)
    glyph = prim.glyph if prim is not None else op
    if len(node.args) == 2 and len(node.parents) == 1:
        i = 0 if isinstance(node.args[1], Value) else 1
        c = format(float(node.args[i]), fmt)
        if op == "**":
            return f"x^{c}" if i == 1 else f"{c}^x"
        return f"{glyph} {c}" if i == 1 else f"{c} {glyph}"
    if op == "dot" and dot_parts(node.args)[2] is not None:
        return "w·q + b"
    if op == "sum" and len(node.args) > len(node.parents):
        constants = [a for a in node.args if not isinstance(a, Value)]
        return f"Σ + {format(float(sum(constants)), fmt)}"
    return glyph


INSTALL_HINT = (
    "Graphviz's `dot` program is not installed (or not on PATH); it is needed to render "
    "drawings (the Digraph and its DOT source work without it). Install it with:\n"
    "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "  macOS:          brew install graphviz\n"
    "  conda:          conda install -c conda-forge graphviz"
)


class GraphvizMissing(RuntimeError):
    """Rendering was asked for but Graphviz's ``dot`` program is missing."""


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:  # pragma: no cover - graphviz is a dependency
        raise ImportError(
            "drawing needs the graphviz Python package: pip install graphviz"
        ) from error
    return graphviz


def render(dg: graphviz.Digraph, path: str | Path, format: str | None = None) -> Path:
    """Render a drawing to ``path`` (format from the suffix unless given); returns the path.

        >>> from autograd import Value
        >>> render(draw(Value(1.0) * 2), 'out.svg')   # doctest: +SKIP

    Raises GraphvizMissing (a RuntimeError) with install instructions for
    Debian/Ubuntu, macOS and conda when ``dot`` is not installed.
    """
    path = Path(path)
    fmt = format or path.suffix.lstrip(".") or "svg"
    if shutil.which("dot") is None:
        raise GraphvizMissing(INSTALL_HINT)
    graphviz = _graphviz()
    try:
        data = dg.pipe(format=fmt)
    except graphviz.ExecutableNotFound as error:  # pragma: no cover - which() said yes
        raise GraphvizMissing(INSTALL_HINT) from error
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- the chains of one weight -------------------------------------------------------


def chain_nodes(root: Value, wrt: Value) -> tuple[set[Value], set[Value]]:
    """The nodes of w's forward chain and of its backward chain, as ``highlight`` colours them.

        >>> x = Value(2.0); w = Value(3.0); C = (w * x).tanh(); f, b = chain_nodes(C, w)
        >>> f == {x}, len(b)
        (True, 2)

    Forward chain: the other inputs of every node ``wrt`` feeds (its
    consumers), with everything they were computed from (``wrt`` excluded).
    Backward chain: every node on a path from a consumer up to ``root``,
    consumers and root included. A node in both counts as backward.
    """
    order = topo_order(root)
    consumers = [n for n in order if any(p is wrt for p in n.parents)]
    backward = set(consumers)
    for node in reversed(order):  # inputs first: a node joins once a parent has
        if node not in backward and any(p in backward for p in node.parents):
            backward.add(node)
    stack = [p for c in consumers for p in c.parents if p is not wrt]
    forward: set[Value] = set()
    while stack:
        node = stack.pop()
        if node in forward or node is wrt:
            continue
        forward.add(node)
        stack.extend(node.parents)
    return forward - backward, backward


# -- neurons, found from the graph's structure ---------------------------------------


@dataclass
class Neuron:
    """One neuron found in a graph: ``dot(w, q, b)`` or ``dot(w, q)`` [+ bias], [→ activation].

    ``members``: the nodes it stands for (its weights and bias when nothing
    else uses them); ``out``: its output node; ``layer``: 1 + the layer of
    the deepest neuron feeding it (inputs are layer 0).
    """

    dot: Value
    out: Value
    pre: Value  # the documents' p: the dot itself, or its bias add when the bias is apart
    members: list[Value]
    weights: list[Value]
    inputs: list[Value]
    activation: str
    layer: int = 0
    index: int = 0  # place within its layer
    name: str = field(default="")


def find_neurons(root: Value, order: list[Value] | None = None) -> list[Neuron]:
    """Every ``dot`` node with its bias and activation, layers numbered from the inputs.

        >>> from autograd import dot
        >>> w = [Value(1.0), Value(2.0)]; n = (dot(w, [Value(1.0), Value(0.5)]) + Value(0.1)).tanh()
        >>> [(x.activation, x.layer, len(x.members)) for x in find_neurons(n)]
        [('tanh', 1, 6)]
    """
    order = topo_order(root) if order is None else order
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)

    def only_user(node: Value) -> Value | None:
        users = consumers.get(node, [])
        return users[0] if len(users) == 1 else None

    neurons: list[Neuron] = []
    owner: dict[Value, Neuron] = {}
    for node in reversed(order):  # inputs first
        if node.op != "dot" or node in owner:
            continue
        ws, _, bias = dot_parts(node.args)
        n_w = len(ws)
        positions = arg_positions(node)
        weights = [p for p, i in zip(node.parents, positions) if i < n_w]
        inputs = [p for p, i in zip(node.parents, positions) if n_w <= i < 2 * n_w]
        if not weights or any(w.parents for w in weights):
            continue  # a neuron's weights are parameters (leaves); dot(d, d) in a loss is not one
        members = [node]
        out = pre = node
        add = only_user(node)
        if bias is not None:  # dot(w, q, b): the bias is in the node, p = w·q + b
            if isinstance(bias, Value) and not bias.parents and only_user(bias) is node:
                members.append(bias)
            elif isinstance(bias, Value) and bias.parents:
                inputs.append(bias)  # a computed bias feeds the neuron like an input
        elif add is not None and add.op in ("+", "sum"):
            others = [p for p in add.parents if p is not node]
            if all(not p.parents for p in others):
                members.append(add)
                members += [p for p in others if only_user(p) is add]
                out = pre = add
        act = only_user(out)
        activation = "identity"
        if act is not None and act.op in _ACTIVATIONS:
            members.append(act)
            out = act
            activation = act.op
        members += [w for w in weights if not w.parents and only_user(w) is node]
        neuron = Neuron(node, out, pre, members, weights, inputs, activation)
        for m in members:
            owner[m] = neuron
        neurons.append(neuron)

    level: dict[Value, int] = {}
    for node in reversed(order):
        neuron = owner.get(node)
        if neuron is not None and node is neuron.dot:
            neuron.layer = 1 + max((level.get(x, 0) for x in neuron.inputs), default=0)
        if neuron is not None:
            level[node] = neuron.layer
        else:
            level[node] = max((level.get(p, 0) for p in node.parents), default=0)
    counts: dict[int, int] = {}
    for neuron in neurons:
        neuron.index = counts.get(neuron.layer, 0)
        counts[neuron.layer] = neuron.index + 1
        label = neuron.out.label or neuron.pre.label or neuron.dot.label
        if not label:  # nn labels biases b{L}_{j}
            bias = _bias(neuron)
            if bias is not None and bias.label[:1] == "b" and len(bias.label) > 1:
                label = "neuron " + bias.label[1:]
        neuron.name = label or f"L{neuron.layer}.{neuron.index}"
    return neurons


def _bias(neuron: Neuron) -> Value | None:
    """The neuron's bias Value: dot's last argument, or the other operand of its bias add."""
    bias = dot_parts(neuron.dot.args)[2]
    if bias is None:
        others = [p for p in neuron.pre.parents if p is not neuron.dot]
        bias = others[0] if neuron.pre is not neuron.dot and len(others) == 1 else None
    return bias if isinstance(bias, Value) else None


# -- drawing --------------------------------------------------------------------------


def _box_label(title: str, lines: list[str]) -> str:
    """An HTML-like label: bold title over small lines."""
    rows = [f"<b>{html.escape(title)}</b>"] if title else []
    rows += [html.escape(s) for s in lines]
    body = "<br/>".join(rows)
    return f"<{body}>"


def draw(
    root: Value,
    *,
    highlight: Value | None = None,
    step: int | None = None,
    symbols: bool = False,
    grads: bool | None = None,
    rankdir: str = "LR",
    fmt: str = ".4g",
    collapse: bool | str = "auto",
    expand: Collection[int] = (),
    max_nodes: int = 200,
    title: str | None = None,
) -> graphviz.Digraph:
    """The graph behind ``root`` as a ``graphviz.Digraph`` (renders inline in Jupyter).

        >>> from autograd import Value
        >>> dg = draw(Value(2.0, label='x').tanh()); 'tanh' in dg.source
        True

    highlight  a Value (a weight): colour its forward chain (blue), the
               backward chain root → its consumer (green) and itself (red)
    step       draw the reverse pass as it stands after ``step`` steps of
               ``backward_steps(root)`` (grads still to come shown as pending);
               ``.grad`` is not touched
    symbols    label each edge with the table's symbol as well as its number
    grads      show grads and contributions (default: once root.grad != 0)
    rankdir    'LR' (inputs on the left) or 'TB', 'RL', 'BT'
    fmt        the format of every number, e.g. '.4g' or '.3f'
    collapse   'auto' (collapse when more than ``max_nodes`` values), True, False:
               one box per neuron (dot [+ bias] [→ activation]) grouped by layer
    expand     layer numbers drawn in full inside a collapsed drawing
    title      a caption under the drawing
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, TB, RL, BT, got {rankdir!r}")
    if collapse not in ("auto", True, False):
        raise ValueError(f"draw: collapse must be 'auto', True or False, got {collapse!r}")
    format(1.0, fmt)  # a bad format fails here, with Python's own message
    graphviz = _graphviz()
    order = topo_order(root)
    forward = order[::-1]
    names = node_names(forward)
    ids = {node: f"n{k}" for k, node in enumerate(forward)}

    # -- what each node's grad is, and which edges have carried their share ----------
    shown_grads = bool(root.grad != 0) if grads is None else grads
    done: dict[Value, float] = {}
    partial: dict[Value, float] = {}
    current: Value | None = None
    n_steps = len(order)
    if step is not None:
        if not 0 <= step <= n_steps:
            raise ValueError(
                f"draw: step must be between 0 and {n_steps} for this graph, got {step}"
            )
        for s in islice(backward_steps(root), step):
            done[s.node] = s.grad
            current = s.node
        for node, g in done.items():
            for parent, local in zip(node.parents, node.local_grads):
                partial[parent] = partial.get(parent, 0.0) + local * g
        shown_grads = True

    def grad_of(node: Value) -> float:
        return done.get(node, 0.0) if step is not None else node.grad

    # -- highlight sets ------------------------------------------------------------------
    fwd_set: set[Value] = set()
    bwd_set: set[Value] = set()
    if highlight is not None:
        if not isinstance(highlight, Value):
            raise TypeError(f"draw: highlight must be a Value, got {type(highlight).__name__}")
        if highlight not in ids:
            raise ValueError(f"draw: the highlighted value ({names.get(highlight, highlight)!r}) "
                             "is not part of the graph behind root")
        fwd_set, bwd_set = chain_nodes(root, highlight)

    def colour_of(node: Value) -> str:
        if node is highlight:
            return WEIGHT_COLOUR
        if node in bwd_set:
            return BACKWARD_COLOUR
        if node in fwd_set:
            return FORWARD_COLOUR
        if step is not None and node is current:
            return CURRENT_COLOUR
        return ""

    dg = graphviz.Digraph(name="chaingrad")
    dg.attr(rankdir=rankdir, fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    dg.attr("node", fontname="Helvetica", fontsize="11")
    dg.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
    caption = title
    if caption is None and step is not None:
        if current is None:
            caption = f"reverse pass: step 0 of {n_steps} (nothing has arrived yet)"
        else:
            caption = f"reverse pass: after step {step} of {n_steps}: {names[current]} holds " \
                      f"its whole grad {number(done[current], fmt)}"
    if caption is None and highlight is not None:
        caption = (f"d{names[root]}/d{names[highlight]} = backward chain (green) × "
                   f"forward chain (blue)")
    if caption:
        dg.attr(label=caption, labelloc="b", fontsize="12")

    # -- collapse into neurons? ------------------------------------------------------------
    collapsing = collapse is True or (collapse == "auto" and len(order) > max_nodes)
    if step is not None and collapse == "auto":
        collapsing = False
    neurons = find_neurons(root, order) if collapsing else []
    if neurons:  # dense layers: straight edges, room between the columns
        dg.attr(splines="line", ranksep="1.6", nodesep="0.12")
    group: dict[Value, Neuron] = {}
    for neuron in neurons:
        if neuron.layer not in expand:
            for m in neuron.members:
                group[m] = neuron
    layer_of: dict[Value, int] = {}
    for neuron in neurons:
        for m in neuron.members:
            layer_of[m] = neuron.layer

    def value_lines(node: Value) -> list[str]:
        lines = [f"data {number(node.data, fmt)}"]
        if step is not None:
            if node in done:
                lines.append(f"grad {number(done[node], fmt)}")
            elif node in partial:
                lines.append(f"grad pending ({number(partial[node], fmt)} so far)")
            else:
                lines.append("grad pending")
        elif shown_grads:
            lines.append(f"grad {number(node.grad, fmt)}")
        return lines

    def add_value(target: Any, node: Value) -> None:
        colour = colour_of(node)
        pending = step is not None and node not in done
        attrs = {
            "shape": "box",
            "style": "rounded,filled" + (",dashed" if pending else ""),
            "fillcolor": _FILL.get(colour, _LEAF_FILL if not node.parents else _PLAIN_FILL),
            "color": colour or (PENDING_COLOUR if pending else "#444444"),
            "penwidth": "2.2" if colour else "1",
            "tooltip": f"{names[node]} = {node.data!r}",
        }
        target.node(ids[node], _box_label(names[node], value_lines(node)), **attrs)
        if node.parents:
            prim = node.primitive
            op = prim.name if prim else node.op
            target.node(f"{ids[node]}_op", _op_label(node, op, fmt), shape="circle", width="0.3",
                        fixedsize="false", margin="0.02", style="filled",
                        fillcolor=_FILL.get(colour, "#eeeeee"),
                        color=colour or "#666666", fontsize="10")

    # -- nodes ---------------------------------------------------------------------------
    clusters: dict[int, Any] = {}
    if neurons:
        for layer in sorted({n.layer for n in neurons}):
            count = sum(1 for n in neurons if n.layer == layer)
            sub = graphviz.Digraph(name=f"cluster_layer{layer}")
            sub.attr(label=f"layer {layer} ({count} neuron{'s' if count != 1 else ''})",
                     style="rounded,dashed", color="#888888", fontsize="11")
            clusters[layer] = sub
    for node in forward:
        if node in group:
            continue
        target = clusters.get(layer_of.get(node, -1), dg)
        add_value(target, node)
    box_colour: dict[str, str] = {}
    for neuron in neurons:
        if neuron.layer in expand:
            continue
        members = set(neuron.members)
        colours = {colour_of(m) for m in members} - {""}
        colour = next((c for c in (WEIGHT_COLOUR, BACKWARD_COLOUR, FORWARD_COLOUR)
                       if c in colours), "")
        lines = [f"{neuron.activation}(w·q + b), {len(dot_parts(neuron.dot.args)[0])} in",
                 f"out {number(neuron.out.data, fmt)}"]
        if shown_grads:
            lines.append(f"δ {number(grad_of(neuron.pre), fmt)}")
        box_colour[f"neuron_{ids[neuron.dot]}"] = colour
        clusters[neuron.layer].node(
            f"neuron_{ids[neuron.dot]}", _box_label(neuron.name, lines), shape="box",
            style="rounded,filled", fillcolor=_FILL.get(colour, "#fff8e1"),
            color=colour or "#b08800", penwidth="2.2" if colour else "1",
            tooltip=f"neuron {neuron.name}: {len(neuron.members)} nodes",
        )
    for sub in clusters.values():
        dg.subgraph(sub)

    # -- edges ----------------------------------------------------------------------------
    def endpoint(node: Value) -> str:
        neuron = group.get(node)
        return f"neuron_{ids[neuron.dot]}" if neuron is not None else ids[node]

    seen_pairs: set[tuple[str, str]] = set()
    for node in forward:
        if not node.parents:
            continue
        target_neuron = group.get(node)
        if target_neuron is None:
            dg.edge(f"{ids[node]}_op", ids[node], color=colour_of(node) or "#666666",
                    arrowsize="0.5")
        for j, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            src = endpoint(parent)
            if target_neuron is not None or parent in group:
                dst = endpoint(node) if target_neuron is not None else f"{ids[node]}_op"
                if src == dst or (src, dst) in seen_pairs:
                    continue
                seen_pairs.add((src, dst))
                a, b = box_colour.get(src, colour_of(parent)), box_colour.get(dst, colour_of(node))
                chain = ""
                if b == BACKWARD_COLOUR and a in (BACKWARD_COLOUR, WEIGHT_COLOUR):
                    chain = BACKWARD_COLOUR
                elif a == FORWARD_COLOUR and b in (FORWARD_COLOUR, WEIGHT_COLOUR):
                    chain = FORWARD_COLOUR
                dg.edge(src, dst, color=chain or "#9e9e9e80", arrowsize="0.4",
                        penwidth="1.6" if chain else "0.6")
                continue
            text = number(local, fmt)
            if symbols:
                symbol = edge_symbol(node, j, names, fmt)
                text = text if symbol == text else f"{symbol} = {text}"
            edge_colour = ""
            if highlight is not None:
                if parent is highlight:
                    edge_colour = WEIGHT_COLOUR
                elif parent in bwd_set and node in bwd_set:
                    edge_colour = BACKWARD_COLOUR
                elif node in bwd_set and parent in fwd_set:
                    edge_colour = FORWARD_COLOUR
                elif parent in fwd_set and node in fwd_set:
                    edge_colour = FORWARD_COLOUR
            style = "solid"
            if step is not None:
                if node in done:
                    text += f"\\n→ {number(local * done[node], fmt)}"
                else:
                    style = "dashed"
            elif shown_grads:
                text += f"\\n→ {number(local * node.grad, fmt)}"
            dg.edge(src, f"{ids[node]}_op", label=text, style=style,
                    color=edge_colour or ("#aaaaaa" if style == "dashed" else "#444444"),
                    fontcolor=edge_colour or "#333333",
                    penwidth="2" if edge_colour else "1")
    return dg


def value_html(v: Value) -> str:
    """A short rich view of one Value for Jupyter: label, op, data, grad, parents.

        >>> '<table' in value_html(Value(2.0, label='x'))
        True
    """
    label = html.escape(v.label) if v.label else "<i>unlabelled</i>"
    op = html.escape(v.op) if v.op else "leaf"
    locals_ = ", ".join(number(g) for g in v.local_grads[:8])
    if len(v.local_grads) > 8:
        locals_ += ", …"
    rows = [
        ("label", label), ("op", op), ("data", number(v.data, ".6g")),
        ("grad", number(v.grad, ".6g")), ("parents", str(len(v.parents))),
    ]
    if v.local_grads:
        rows.append(("local grads", html.escape(locals_)))
    cells = "".join(
        f"<tr><td style='text-align:left;color:#666'>{k}</td>"
        f"<td style='text-align:left'><code>{val}</code></td></tr>" for k, val in rows
    )
    return f"<table style='display:inline-table;font-size:90%'>{cells}</table>"
