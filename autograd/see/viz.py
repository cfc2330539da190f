"""Drawings of a graph: values, ops, local derivatives, contributions, chains.

    >>> from autograd import Value
    >>> w = Value(0.5, label='w'); x = Value(2.0, label='x'); C = (w * x).tanh(); C.backward()
    >>> dg = draw(C, highlight=w); render(dg, 'chain.svg').stat().st_size > 0
    True

Each value is a box (label, data, grad); each op a small circle between its
inputs and its output; each input edge carries its local derivative (the
number, or with ``symbols=True`` the table's symbol such as ``σ'(p2)``) and,
once gradients are there, the contribution that flowed along it in the
reverse pass (upstream grad × local derivative).

``highlight=w`` colours the forward chain flowing into w's consumer (blue),
the backward chain from the root down to that consumer (green) and w itself
(red), so the picture reads dC/dw = (backward chain) × (forward chain).
``step=k`` draws the graph after k steps of the reference reverse walk
(``reverse_steps``). Graphs larger than ``max_nodes`` collapse into one box
per neuron, grouped by layer (the neurons are found by ``anatomy``).

How ``draw`` is built: ``_Scene`` gathers everything first (order, names,
the replayed steps, the highlight sets, the neuron groups); then value boxes,
neuron boxes and edges are emitted by small functions that only read it.

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

from ..backward import Contribution, reverse_steps
from ..errors import install_command
from ..files import fs_path, write_atomic
from ..graph import topo_order
from ..ops import OPS, dot_parts
from ..value import Value
from .anatomy import NeuronGroup, chain_nodes, find_neurons
from .display import check_labels, check_text, number
from .trace import edge_symbols, node_names

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = [
    "draw", "render", "GraphvizMissing", "INSTALL_HINT",
    "FORWARD_COLOUR", "BACKWARD_COLOUR", "WEIGHT_COLOUR",
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

def _op_label(node: Value, op: str, fmt: str) -> str:
    """The op's glyph, with a plain number folded into it shown in place: × 0.5, 2 −, x^3."""
    prim = OPS.get(op)
    glyph = prim.glyph if prim is not None else op
    if len(node.args) == 2 and len(node.parents) == 1:
        i = 0 if isinstance(node.args[1], Value) else 1
        c = format(float(node.args[i]), fmt)  # any numbers.Real: an int, a Fraction
        if op == "**":
            return f"x^{c}" if i == 1 else f"{c}^x"
        return f"{glyph} {c}" if i == 1 else f"{c} {glyph}"
    if op == "dot" and dot_parts(node.args)[2] is not None:
        return "w·q + b"
    if op == "sum" and len(node.args) > len(node.parents):
        constants = [float(a) for a in node.args if not isinstance(a, Value)]
        return f"Σ + {format(sum(constants), fmt)}"
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
            f"drawing needs the graphviz Python package: {install_command('graphviz')}"
        ) from error
    return graphviz


def render(dg: graphviz.Digraph, path: str | Path, format: str | None = None) -> Path:
    """Render a drawing to ``path`` (format from the suffix unless given); returns the path.

        >>> from autograd import Value
        >>> render(draw(Value(1.0) * 2), 'out.svg').name
        'out.svg'

    Raises GraphvizMissing (a RuntimeError) with install instructions for
    Debian/Ubuntu, macOS and conda when ``dot`` is not installed.
    """
    if not hasattr(dg, "pipe"):
        raise TypeError(f"render: dg must be a drawing (draw's graphviz.Digraph), got "
                        f"{type(dg).__name__} {dg!r:.60}")
    path = Path(fs_path(path, what="render's path"))
    fmt = format or path.suffix.lstrip(".") or "svg"
    if shutil.which("dot") is None:
        raise GraphvizMissing(INSTALL_HINT)
    graphviz = _graphviz()
    try:
        data = dg.pipe(format=fmt)
    except graphviz.ExecutableNotFound as error:  # pragma: no cover - which() said yes
        raise GraphvizMissing(INSTALL_HINT) from error
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, data, what="drawing")


# -- what a drawing shows, gathered before anything is drawn ---------------------------


@dataclass
class _Scene:
    """Everything ``draw`` decides before it emits a node: read by the emitters below."""

    root: Value
    order: list[Value]  # root first (the reverse pass's order)
    forward: list[Value]  # inputs first (the order nodes are drawn in)
    names: dict[Value, str]
    ids: dict[Value, str]
    fmt: str
    symbols: bool
    shown_grads: bool
    highlight: Value | None = None
    fwd_set: set[Value] = field(default_factory=set)
    bwd_set: set[Value] = field(default_factory=set)
    step: int | None = None
    done: dict[Value, float] = field(default_factory=dict)  # grads whole after `step` steps
    sent: dict[Value, list[Contribution]] = field(default_factory=dict)  # what they sent on
    partial: dict[Value, float] = field(default_factory=dict)  # what pending nodes have so far
    current: Value | None = None
    neurons: list[NeuronGroup] = field(default_factory=list)
    expand: Collection[int] = ()  # layers drawn in full even when collapsing
    group: dict[Value, NeuronGroup] = field(default_factory=dict)  # member → its collapsed box
    layer_of: dict[Value, int] = field(default_factory=dict)
    box_colour: dict[str, str] = field(default_factory=dict)  # neuron box id → its colour

    def colour_of(self, node: Value) -> str:
        """The highlight colour of one value ('' for none)."""
        if node is self.highlight:
            return WEIGHT_COLOUR
        if node in self.bwd_set:
            return BACKWARD_COLOUR
        if node in self.fwd_set:
            return FORWARD_COLOUR
        if self.step is not None and node is self.current:
            return CURRENT_COLOUR
        return ""

    def grad_of(self, node: Value) -> float:
        """The grad a drawing shows: the replayed one under ``step``, else ``.grad``."""
        return self.done.get(node, 0.0) if self.step is not None else node.grad

    def pending(self, node: Value) -> bool:
        return self.step is not None and node not in self.done

    def endpoint(self, node: Value) -> str:
        """The DOT id an edge from or to ``node`` uses: its neuron box when collapsed."""
        neuron = self.group.get(node)
        return f"neuron_{self.ids[neuron.dot]}" if neuron is not None else self.ids[node]


def _check(root: Any, rankdir: str, collapse: Any, fmt: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, TB, RL, BT, got {rankdir!r}")
    if collapse not in ("auto", True, False):
        raise ValueError(f"draw: collapse must be 'auto', True or False, got {collapse!r}")
    format(1.0, fmt)  # a bad format fails here, with Python's own message


def _replay(scene: _Scene, step: int) -> None:
    """Walk ``step`` steps of the reference reverse pass: done grads, what they sent."""
    n_steps = len(scene.order)
    if isinstance(step, bool) or not isinstance(step, int):
        raise TypeError(f"draw: step must be an int (a number of steps), got {step!r}")
    if not 0 <= step <= n_steps:
        raise ValueError(f"draw: step must be between 0 and {n_steps} for this graph, got {step}")
    scene.step = step
    scene.shown_grads = True
    for s in islice(reverse_steps(scene.root, order=scene.order), step):
        scene.done[s.node] = s.grad
        scene.sent[s.node] = s.sent
        scene.current = s.node
        for c, parent in zip(s.sent, s.node.parents):
            scene.partial[parent] = scene.partial.get(parent, 0.0) + c.amount


def _set_highlight(scene: _Scene, highlight: Any) -> None:
    if not isinstance(highlight, Value):
        raise TypeError(f"draw: highlight must be a Value, got {type(highlight).__name__}")
    if highlight not in scene.ids:
        raise ValueError(f"draw: the highlighted value ({scene.names.get(highlight, highlight)!r})"
                         " is not part of the graph behind root")
    scene.highlight = highlight
    scene.fwd_set, scene.bwd_set = chain_nodes(scene.root, highlight)


def _set_groups(scene: _Scene, expand: Collection[int]) -> None:
    """Find the neurons; those outside ``expand`` stand for their members."""
    scene.neurons = find_neurons(scene.root, scene.order)
    scene.expand = expand
    for neuron in scene.neurons:
        for m in neuron.members:
            if neuron.layer not in expand:
                scene.group[m] = neuron
            scene.layer_of[m] = neuron.layer


def _gather(root: Value, *, highlight: Value | None, step: int | None, symbols: bool,
            grads: bool | None, fmt: str, collapse: bool | str, expand: Collection[int],
            max_nodes: int) -> _Scene:
    """The scene: order, names, replayed steps, highlight sets, neuron groups."""
    order = topo_order(root)
    forward = order[::-1]
    check_labels(forward, "draw")  # Graphviz cannot carry every label: name it first
    scene = _Scene(root, order, forward, node_names(forward),
                   {node: f"n{k}" for k, node in enumerate(forward)}, fmt, symbols,
                   shown_grads=bool(root.grad != 0) if grads is None else grads)
    if step is not None:
        _replay(scene, step)
    if highlight is not None:
        _set_highlight(scene, highlight)
    collapsing = collapse is True or (collapse == "auto" and len(order) > max_nodes)
    if collapsing and not (step is not None and collapse == "auto"):
        _set_groups(scene, expand)
    return scene


def _caption(scene: _Scene, title: str | None) -> str | None:
    if title is not None:
        return title
    names, fmt = scene.names, scene.fmt
    if scene.step is not None:
        n_steps = len(scene.order)
        if scene.current is None:
            return f"reverse pass: step 0 of {n_steps} (nothing has arrived yet)"
        return (f"reverse pass: after step {scene.step} of {n_steps}: {names[scene.current]} "
                f"holds its whole grad {number(scene.done[scene.current], fmt)}")
    if scene.highlight is not None:
        return (f"d{names[scene.root]}/d{names[scene.highlight]} = backward chain (green) × "
                f"forward chain (blue)")
    return None


# -- emitting: value boxes, neuron boxes, edges ---------------------------------------------


def _box_label(title: str, lines: list[str]) -> str:
    """An HTML-like label: bold title over small lines."""
    rows = [f"<b>{html.escape(title)}</b>"] if title else []
    rows += [html.escape(s) for s in lines]
    body = "<br/>".join(rows)
    return f"<{body}>"


def _value_lines(scene: _Scene, node: Value) -> list[str]:
    fmt = scene.fmt
    lines = [f"data {number(node.data, fmt)}"]
    if scene.step is not None:
        if node in scene.done:
            lines.append(f"grad {number(scene.done[node], fmt)}")
        elif node in scene.partial:
            lines.append(f"grad pending ({number(scene.partial[node], fmt)} so far)")
        else:
            lines.append("grad pending")
    elif scene.shown_grads:
        lines.append(f"grad {number(node.grad, fmt)}")
    return lines


def _add_value(scene: _Scene, target: Any, node: Value) -> None:
    """One value box, and its op circle when it was computed."""
    colour = scene.colour_of(node)
    pending = scene.pending(node)
    nid, name = scene.ids[node], scene.names[node]
    target.node(nid, _box_label(name, _value_lines(scene, node)), shape="box",
                style="rounded,filled" + (",dashed" if pending else ""),
                fillcolor=_FILL.get(colour, _LEAF_FILL if not node.parents else _PLAIN_FILL),
                color=colour or (PENDING_COLOUR if pending else "#444444"),
                penwidth="2.2" if colour else "1", tooltip=f"{name} = {node.data!r}")
    if node.parents:
        prim = node.primitive
        op = prim.name if prim else node.op
        target.node(f"{nid}_op", _op_label(node, op, scene.fmt), shape="circle", width="0.3",
                    fixedsize="false", margin="0.02", style="filled",
                    fillcolor=_FILL.get(colour, "#eeeeee"),
                    color=colour or "#666666", fontsize="10")


def _layer_clusters(scene: _Scene, graphviz: Any) -> dict[int, Any]:
    """One dashed cluster per layer of neurons."""
    clusters: dict[int, Any] = {}
    for layer in sorted({n.layer for n in scene.neurons}):
        count = sum(1 for n in scene.neurons if n.layer == layer)
        sub = graphviz.Digraph(name=f"cluster_layer{layer}")
        sub.attr(label=f"layer {layer} ({count} neuron{'s' if count != 1 else ''})",
                 style="rounded,dashed", color="#888888", fontsize="11")
        clusters[layer] = sub
    return clusters


def _add_neuron(scene: _Scene, cluster: Any, neuron: NeuronGroup) -> None:
    """One collapsed neuron: σ(w·q + b), its output and δ; coloured by its members."""
    colours = {scene.colour_of(m) for m in neuron.members} - {""}
    colour = next((c for c in (WEIGHT_COLOUR, BACKWARD_COLOUR, FORWARD_COLOUR)
                   if c in colours), "")
    lines = [f"{neuron.call('w·q + b')}, {len(dot_parts(neuron.dot.args)[0])} in",
             f"out {number(neuron.out.data, scene.fmt)}"]
    if scene.shown_grads:
        lines.append(f"δ {number(scene.grad_of(neuron.pre), scene.fmt)}")
    box = f"neuron_{scene.ids[neuron.dot]}"
    scene.box_colour[box] = colour
    cluster.node(box, _box_label(neuron.name, lines), shape="box", style="rounded,filled",
                 fillcolor=_FILL.get(colour, "#fff8e1"), color=colour or "#b08800",
                 penwidth="2.2" if colour else "1",
                 tooltip=f"neuron {neuron.name}: {len(neuron.members)} nodes")


def _add_nodes(scene: _Scene, dg: Any, graphviz: Any) -> None:
    """Value boxes (in their layer's cluster when collapsing), then neuron boxes."""
    clusters = _layer_clusters(scene, graphviz)
    for node in scene.forward:
        if node not in scene.group:
            _add_value(scene, clusters.get(scene.layer_of.get(node, -1), dg), node)
    for neuron in scene.neurons:
        if neuron.layer not in scene.expand:
            _add_neuron(scene, clusters[neuron.layer], neuron)
    for sub in clusters.values():
        dg.subgraph(sub)


def _group_edge(scene: _Scene, dg: Any, src: str, dst: str, parent: Value, node: Value) -> None:
    """An edge into or out of a neuron box: coloured when it carries a chain."""
    a = scene.box_colour.get(src, scene.colour_of(parent))
    b = scene.box_colour.get(dst, scene.colour_of(node))
    chain = ""
    if b == BACKWARD_COLOUR and a in (BACKWARD_COLOUR, WEIGHT_COLOUR):
        chain = BACKWARD_COLOUR
    elif a == FORWARD_COLOUR and b in (FORWARD_COLOUR, WEIGHT_COLOUR):
        chain = FORWARD_COLOUR
    dg.edge(src, dst, color=chain or "#9e9e9e80", arrowsize="0.4",
            penwidth="1.6" if chain else "0.6")


def _edge_colour(scene: _Scene, parent: Value, node: Value) -> str:
    """The chain an edge belongs to under ``highlight`` ('' for none)."""
    if scene.highlight is None:
        return ""
    fwd, bwd = scene.fwd_set, scene.bwd_set
    if parent is scene.highlight:
        return WEIGHT_COLOUR
    if parent in bwd and node in bwd:
        return BACKWARD_COLOUR
    if (node in bwd and parent in fwd) or (parent in fwd and node in fwd):
        return FORWARD_COLOUR
    return ""


def _value_edge(scene: _Scene, dg: Any, node: Value, j: int, parent: Value, local: float,
                symbol: str | None) -> None:
    """Parent j → node's op circle: the local derivative, and what flowed back along it."""
    text = number(local, scene.fmt)
    if symbol is not None:
        text = text if symbol == text else f"{symbol} = {text}"
    style = "solid"
    if scene.step is not None:
        if node in scene.done:
            text += f"\\n→ {number(scene.sent[node][j].amount, scene.fmt)}"
        else:
            style = "dashed"
    elif scene.shown_grads:
        text += f"\\n→ {number(local * node.grad, scene.fmt)}"
    colour = _edge_colour(scene, parent, node)
    dg.edge(scene.endpoint(parent), f"{scene.ids[node]}_op", label=text, style=style,
            color=colour or ("#aaaaaa" if style == "dashed" else "#444444"),
            fontcolor=colour or "#333333", penwidth="2" if colour else "1")


def _add_edges(scene: _Scene, dg: Any) -> None:
    """Every edge, forward order: op → value, parent → op, or to and from neuron boxes."""
    seen_pairs: set[tuple[str, str]] = set()
    for node in scene.forward:
        if not node.parents:
            continue
        in_box = node in scene.group
        if not in_box:
            dg.edge(f"{scene.ids[node]}_op", scene.ids[node],
                    color=scene.colour_of(node) or "#666666", arrowsize="0.5")
        symbols = edge_symbols(node, scene.names, scene.fmt) if scene.symbols else None
        for j, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            if not in_box and parent not in scene.group:
                _value_edge(scene, dg, node, j, parent, local, symbols[j] if symbols else None)
                continue
            src = scene.endpoint(parent)
            dst = scene.endpoint(node) if in_box else f"{scene.ids[node]}_op"
            if src != dst and (src, dst) not in seen_pairs:
                seen_pairs.add((src, dst))
                _group_edge(scene, dg, src, dst, parent, node)


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
               ``reverse_steps(root)`` (grads still to come shown as pending);
               ``.grad`` is not touched
    symbols    label each edge with the table's symbol as well as its number
    grads      show grads and contributions (default: once root.grad != 0)
    rankdir    'LR' (inputs on the left) or 'TB', 'RL', 'BT'
    fmt        the format of every number, e.g. '.4g' or '.3f'
    collapse   'auto' (collapse when more than ``max_nodes`` values), True, False:
               one box per neuron (dot [+ bias] [→ activation]) grouped by layer
    expand     layer numbers drawn in full inside a collapsed drawing
    title      a caption under the drawing

    Cost: linear in the nodes and edges of the graph (and in ``step``).
    """
    _check(root, rankdir, collapse, fmt)
    if title is not None:
        title = check_text(title, "draw", "the title")
    graphviz = _graphviz()
    scene = _gather(root, highlight=highlight, step=step, symbols=symbols, grads=grads,
                    fmt=fmt, collapse=collapse, expand=expand, max_nodes=max_nodes)
    dg = graphviz.Digraph(name="chaingrad")
    dg.attr(rankdir=rankdir, fontname="Helvetica", nodesep="0.25", ranksep="0.35")
    dg.attr("node", fontname="Helvetica", fontsize="11")
    dg.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
    caption = _caption(scene, title)
    if caption:
        dg.attr(label=caption, labelloc="b", fontsize="12")
    if scene.neurons:  # dense layers: straight edges, room between the columns
        dg.attr(splines="line", ranksep="1.6", nodesep="0.12")
    _add_nodes(scene, dg, graphviz)
    _add_edges(scene, dg)
    return dg
