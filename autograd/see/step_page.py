"""Step through a graph in the browser: the forward pass, then the reverse pass, node by node.

    >>> from autograd import Value
    >>> w = Value(0.5, label='w'); x = Value(2.0, label='x'); C = (w * x).tanh()
    >>> page = step_through(C, highlight=w); page
    StepThrough('tanh#1: 4 nodes', 4 nodes, 6 steps)
    >>> page.save('chain.html').name
    'chain.html'

``step_through(root)`` lays the graph out with Graphviz (``draw``), inlines the
drawing as SVG with an id on every node and edge, and embeds the walk as data:
each node's forward value, each step of ``backward_steps`` with its
contributions (local derivative × consumer's grad), and every edge's local
derivative as number and symbol. A small script of ours (``_static/step_through.js``,
no framework) plays it: First / Prev / Next / Last / Play, a slider, the arrow
keys; a click on a node shows its gradient as the sum over paths of products
of local derivatives (``explain``), and for a weight δ × q.

The result shows itself inline in Jupyter and ``.save(path)`` writes one HTML
file that works offline from ``file://`` (see ``autograd.see.page``). Graphs of
more than ``COLLAPSE_ABOVE`` nodes that contain neurons (``dot`` nodes, as
``nn`` builds) are drawn as one box per neuron, grouped by layer; a click on a
neuron opens it. A graph of more than ``MAX_NODES`` nodes, or one that would
draw more than ``MAX_BOXES`` boxes, is refused with a message.
"""

from __future__ import annotations

import html
import math
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import islice
from typing import Any

from ..backward import Step, reverse_steps
from ..graph import forward_order
from ..ops import Primitive, dot_parts
from ..value import Value
from .anatomy import NeuronGroup, find_neurons
from .chains import PASSES_NOTHING, delta_node, why_zero
from .display import check_labels, check_link, check_text
from .js import op_key, ops_js
from .page import Page, static_text
from .trace import arg_positions, edge_symbols, node_names, node_text
from .viz import INSTALL_HINT, GraphvizMissing, draw

__all__ = ["step_through", "StepThrough", "MAX_NODES", "MAX_BOXES", "COLLAPSE_ABOVE"]

MAX_NODES = 2000
"""The most nodes a page steps through (each is a forward and a reverse step)."""
MAX_BOXES = 300
"""The most boxes (values, op circles, neurons) a page draws; Graphviz's layout and the
reader both slow down past it."""
COLLAPSE_ABOVE = 120
"""With ``collapse='auto'``, graphs with more nodes than this are drawn as neurons."""

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", _XLINK)
_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


class StepThrough(Page):
    """An interactive step-through of one graph: ``.save(path)``, inline in Jupyter.

    ``nodes`` and ``steps`` count the graph's nodes and the page's steps
    (one forward step per op node, one reverse step per node); ``collapsed``
    says whether neurons are drawn as boxes. ``data`` is what the page embeds.
    """

    def __init__(self, html_text: str, *, title: str, height: int, data: dict[str, Any]) -> None:
        super().__init__(html_text, title=title, height=height)
        self.data = data
        self.nodes = len(data["nodes"])
        self.steps = len(data["fsteps"]) + len(data["bsteps"])
        self.collapsed = bool(data["neurons"])

    def __repr__(self) -> str:
        how = ", collapsed into neurons" if self.collapsed else ""
        return f"StepThrough({self.title!r}, {self.nodes} nodes, {self.steps} steps{how})"


def step_through(
    root: Value,
    highlight: Value | None = None,
    *,
    collapse: bool | str = "auto",
    title: str | None = None,
    links: Sequence[tuple[str, str]] = (),
    max_nodes: int = MAX_NODES,
    quiz: bool = False,
) -> StepThrough:
    """An interactive page that steps through the forward and the reverse pass of ``root``.

        >>> from autograd import Value
        >>> x = Value(3.0, label='x'); page = step_through(x * x)
        >>> page.steps, page.save('square.html').name
        (3, 'square.html')

    highlight  a Value of the graph (a weight): its chains coloured as in
               ``draw(highlight=...)``, and its gradient as paths shown first
    collapse   'auto' (neurons as boxes past ``COLLAPSE_ABOVE`` nodes), True, False
    title      the page's heading (default: the root's name and the graph's size)
    links      (text, relative href) pairs listed under the heading, such as the
               tour's SVG files (links are followed only when clicked)
    max_nodes  refuse graphs with more nodes than this (default ``MAX_NODES``)
    quiz       at each reverse step, ask for the node's gradient before showing it,
               and answer with the derivation checker's mistake codes
               (``window.chaingrad.answer(number)``); a score at the end

    The reverse pass is seeded with 1 at ``root``, as ``backward_steps(root)``;
    no ``.grad`` is read or changed. Needs Graphviz's ``dot`` for the layout.
    """
    links = _checked_links(links)
    if title is not None:
        title = check_text(title, "step_through", "the title")
    forward, index = _checked_graph(root, highlight, collapse, max_nodes, quiz)
    n = len(forward)
    names = node_names(forward)
    _check_labels(forward, names)
    steps = _steps(root, n, names)
    neurons = _neurons(root, forward, collapse)
    _check_size(forward, neurons, collapse)
    svg_bytes = _layout(root, highlight, n, neurons)
    data = _data(root, forward, index, names, steps, neurons, highlight)
    svg, size = _svg(svg_bytes, data, forward, index, neurons)
    heading = title if title is not None else (
        f"{names[root]}: {n} node{'s' if n != 1 else ''}")
    data["title"] = heading
    data["why"] = _why_zero_texts(root, forward, steps)
    body = _body(heading, svg, links)
    height = 64 + max(460, min(int(size[1]) + 40, 640))
    script = _live_script(forward, data, quiz) + static_text("autograd.see", "step_through.js")
    page = Page.build(heading, body, data, script=script,
                      style=static_text("autograd.see", "step_through.css"), height=height,
                      player=True)
    return StepThrough(page.html, title=heading, height=height, data=data)


def _checked_graph(root: Value, highlight: Value | None, collapse: bool | str,
                   max_nodes: int, quiz: bool = False) -> tuple[list[Value], dict[Value, int]]:
    """step_through's arguments checked before any work: the graph in forward order, indexed."""
    if not isinstance(root, Value):
        raise TypeError(f"step_through: root must be a Value, got {type(root).__name__}")
    if quiz not in (True, False):
        raise TypeError(f"step_through: quiz must be True or False, got {quiz!r}")
    if collapse not in ("auto", True, False):
        raise ValueError(f"step_through: collapse must be 'auto', True or False, got {collapse!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"step_through: max_nodes must be a whole number of nodes, at least 1, "
                         f"got {max_nodes!r}")
    forward = forward_order(root)
    n = len(forward)
    if n > max_nodes:
        raise ValueError(
            f"step_through: the graph behind root has {n:,} nodes, more than the {max_nodes:,} "
            f"a page steps through (max_nodes). Step through a subgraph instead: one "
            f"sample's loss rather than a batch's, or a smaller network; collapse=True draws "
            f"neurons as boxes but the walk still visits every node."
        )
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"step_through: highlight must be a Value, got {type(highlight).__name__}")
    if shutil.which("dot") is None:
        raise GraphvizMissing("step_through lays the graph out with Graphviz. " + INSTALL_HINT)
    index = {node: k for k, node in enumerate(forward)}
    if highlight is not None and highlight not in index:
        raise ValueError(f"step_through: the highlighted value ({highlight.label or 'unlabelled'}"
                         f", data {highlight.data!r}) is not part of the graph behind root")
    return forward, index


def _checked_links(links: Any) -> list[tuple[str, str]]:
    """``links`` as (text, href) pairs, each checked (``display.check_link``), or an error."""
    if isinstance(links, (str, bytes)) or not isinstance(links, (list, tuple)):
        raise TypeError(f"step_through: links must be a list of (text, href) pairs, got "
                        f"{type(links).__name__} {links!r:.80}")
    out = []
    for k, pair in enumerate(links):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"step_through: links[{k}] must be a (text, href) pair, got "
                            f"{pair!r:.80}")
        out.append(check_link(pair[0], pair[1], "step_through"))
    return out


def _layout(root: Value, highlight: Value | None, n: int, neurons: list[NeuronGroup]) -> bytes:
    """Graphviz's SVG of ``draw`` at the pass's last step, every edge with its symbol."""
    dg = draw(root, highlight=highlight, step=n, symbols=True, collapse=bool(neurons), title="")
    try:
        return dg.pipe(format="svg")
    except Exception as error:  # graphviz.ExecutableNotFound when `dot` vanished since
        if type(error).__name__ == "ExecutableNotFound":
            raise GraphvizMissing(INSTALL_HINT) from error
        raise


# -- the walk ------------------------------------------------------------------------------


def _steps(root: Value, n: int, names: dict[Value, str]) -> list[Step]:
    """The n steps of the reference reverse pass (which touches no .grad)."""
    steps = list(islice(reverse_steps(root), n))
    for s in steps:
        amounts = [c.amount for c in s.contributions]
        if not math.isfinite(s.grad) or not all(math.isfinite(a) for a in amounts):
            raise OverflowError(
                f"step_through: the gradient of {names[s.node]} (op {s.node.op or 'leaf'!r}) "
                f"is {s.grad}; a page cannot show a pass that overflows"
            )
    return steps


def _check_labels(forward: list[Value], names: dict[Value, str]) -> None:
    """Graphviz (and XML) cannot carry every label: name the label before drawing."""
    check_labels(forward, "step_through")


def _neurons(root: Value, forward: list[Value], collapse: bool | str) -> list[NeuronGroup]:
    if collapse is False or (collapse == "auto" and len(forward) <= COLLAPSE_ABOVE):
        return []
    return find_neurons(root, forward[::-1])


def _check_size(forward: list[Value], neurons: list[NeuronGroup], collapse: bool | str) -> None:
    grouped = {m for neuron in neurons for m in neuron.members}
    boxes = len(neurons) + sum(1 + bool(v.parents) for v in forward if v not in grouped)
    if boxes <= MAX_BOXES:
        return
    if neurons:
        hint = ("even with its neurons collapsed into boxes; step through a smaller network "
                "or one sample's loss")
    elif collapse is False:
        hint = "pass collapse=True to draw neurons as boxes, or step through a subgraph"
    else:
        hint = ("and it has no neurons (dot nodes) to collapse into boxes; step through a "
                "subgraph: a part of the computation, one sample's loss")
    raise ValueError(f"step_through: drawing this graph takes {boxes:,} boxes, more than the "
                     f"{MAX_BOXES} a page shows (MAX_BOXES), {hint}")


def _delta_nodes(forward: list[Value]) -> dict[Value, Value]:
    """For each consumer, the node whose δ ``explain`` shows for an edge into it.

    ``dot(w, q, b)`` is p itself; a node whose only use is a '+' with local
    derivative 1 (a separate bias add) shows that '+' (same δ); else the node.
    """
    uses: dict[Value, list[tuple[Value, float]]] = {}
    for node in forward:
        for parent, local in zip(node.parents, node.local_grads):
            uses.setdefault(parent, []).append((node, local))
    return {node: delta_node(node, uses.get(node, [])) for node in forward}


def _node_entry(node: Value, names: dict[Value, str], index: dict[Value, int],
                holes: dict[Value, str], grad: float) -> dict[str, Any]:
    """What the page keeps of a node: name, label, op, data, grad, its op's text (with holes
    the page fills with numbers), and for an op node its op's key and arguments (a node's
    index, or [number] for a number folded into it) to compute it again."""
    entry = {"n": names[node], "l": node.label, "op": node.op, "d": node.data, "g": grad,
             "rhs": node_text(node, names) if node.parents else "",
             "rt": node_text(node, holes) if node.parents else ""}
    if node.parents:
        prim = node.primitive
        entry["k"] = op_key(prim, len(node.args)) if prim is not None else None
        entry["a"] = [index[a] if isinstance(a, Value) else [float(a)] for a in node.args]
    return entry


def _data(root: Value, forward: list[Value], index: dict[Value, int], names: dict[Value, str],
          steps: list[Step], neurons: list[NeuronGroup], highlight: Value | None) -> dict[str, Any]:
    grads = {s.node: s.grad for s in steps}
    delta = _delta_nodes(forward)
    holes = {node: f"\u0000{k}\u0000" for k, node in enumerate(forward)}
    nodes, edges, slot = [], [], {}
    for k, node in enumerate(forward):
        nodes.append(_node_entry(node, names, index, holes, grads[node]))
        positions = arg_positions(node)
        symbols = edge_symbols(node, names)  # all at once: per edge, O(n) each for a dot
        for j, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            slot[(k, j)] = len(edges)
            edges.append({"p": index[parent], "c": k, "j": j, "i": positions[j], "v": local,
                          "s": symbols[j], "dn": index[delta[node]]})
    bsteps = [{"n": index[s.node], "g": s.grad,
               "cs": [[slot[(index[c.consumer], c.index)], c.local, c.consumer_grad, c.amount]
                      for c in s.contributions]} for s in steps]
    units = []
    for neuron in neurons:
        bias = dot_parts(neuron.dot.args)[2]
        units.append({
            "name": neuron.name, "act": neuron.call("p"), "layer": neuron.layer,
            "dot": index[neuron.dot], "pre": index[neuron.pre], "out": index[neuron.out],
            "w": [index[w] for w in neuron.weights], "q": [index[q] for q in neuron.inputs],
            "b": index[bias] if isinstance(bias, Value) else None,
            "members": sorted(index[m] for m in neuron.members),
        })
    return {
        "root": index[root], "nodes": nodes, "edges": edges, "bsteps": bsteps,
        "ops": _op_facts(forward),
        "fsteps": [k for k, node in enumerate(forward) if node.parents],
        "neurons": units, "highlight": index[highlight] if highlight is not None else None,
    }


WHY_ZERO_MAX = 10
"""The most leaves whose vanishing gradient the page explains (each costs a pass over the
graph): those whose gradient is exactly 0 first, then the smallest."""


def _why_zero_texts(root: Value, forward: list[Value], steps: list[Step]) -> dict[int, str]:
    """For leaves whose gradient is zero or vanishing: why (``why_zero``), by node index."""
    grads = {s.node: s.grad for s in steps}
    small = sorted((abs(grads[node]), k) for k, node in enumerate(forward)
                   if not node.parents and node is not root
                   and abs(grads[node]) < PASSES_NOTHING)
    found: dict[int, str] = {}
    for _, k in small[:WHY_ZERO_MAX]:
        text = why_zero(root, forward[k])
        if text:
            found[k] = text
    return found


def _op_keys(forward: list[Value]) -> set[tuple[Primitive, int]]:
    return {(node.primitive, len(node.args)) for node in forward
            if node.parents and node.primitive is not None}


def _op_facts(forward: list[Value]) -> dict[str, dict[str, Any]]:
    """What the page says when an op refuses a value: its name, domain and rules."""
    return {op_key(prim, n): {"name": prim.name, "domain": prim.domain, "nary": prim.nary,
                              "rules": "; ".join(prim.formulas)}
            for prim, n in _op_keys(forward)}


def _live_script(forward: list[Value], data: dict[str, Any], quiz: bool) -> str:
    """The JS of the graph's ops (``CG_OPS``); ops it cannot translate are listed in the data
    (``live``: key -> why), and the page refuses to edit a leaf that feeds them. With a quiz,
    the table's typical wrong local derivatives too (``CG_MISTAKES``)."""
    script, failed, data["mistakes"] = ops_js(_op_keys(forward), mistakes=quiz)
    data["quiz"] = bool(quiz)
    unknown = {node.op for node in forward if node.parents and node.primitive is None}
    failed.update({op: f"the op {op!r} is not in the op table" for op in unknown})
    data["live"] = failed
    return script


# -- the drawing: Graphviz's SVG with our ids -------------------------------------------------


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _unwrap_links(group: ET.Element) -> None:
    """Graphviz wraps a node with a tooltip in <g><a xlink:title>; keep the shapes, drop both."""
    for child in list(group):
        if _tag(child) == "g" and any(_tag(c) == "a" for c in child):
            at = list(group).index(child)
            group.remove(child)
            inner = [e for a in child if _tag(a) == "a" for e in a]
            for offset, e in enumerate(inner):
                group.insert(at + offset, e)


def _centre(group: ET.Element) -> float | None:
    """The x in the middle of a node's box (path or polygon), to centre its text lines."""
    for shape in group:
        if _tag(shape) in ("path", "polygon"):
            raw = shape.get("d") or shape.get("points") or ""
            xs = [float(v) for v in _NUM.findall(raw)[0::2]]
            if xs:
                return (min(xs) + max(xs)) / 2
    return None


def _mark_texts(group: ET.Element, kinds: dict[str, str]) -> None:
    """Class the text lines of a box by their first word; centre them so new text fits."""
    centre = _centre(group)
    for text in group:
        if _tag(text) != "text" or text.text is None:
            continue
        first = text.text.split(" ", 1)[0]
        if first in kinds and text.get("font-weight") != "bold":
            text.set("class", kinds[first])
            if centre is not None:
                text.set("text-anchor", "middle")
                text.set("x", f"{centre:.2f}")


def _svg(svg_bytes: bytes, data: dict[str, Any], forward: list[Value], index: dict[Value, int],
         neurons: list[NeuronGroup]) -> tuple[str, tuple[float, float]]:
    """Graphviz's SVG with ids v<k> (value k), o<k> (its op), u<k> (neuron of dot k),
    e<i> (edge i into an op), oe<k> (op k to its value), c<m> (edges between neurons)."""
    svg = ET.fromstring(svg_bytes)
    by_title = _by_title(svg)
    _mark_values(by_title, data["nodes"])
    _mark_neurons(by_title, data["neurons"])
    group = {m: index[n.dot] for n in neurons for m in n.members}
    data["links"] = _mark_edges(by_title, data["edges"], forward, group)
    by_id = {e.get("id"): e for e in svg.iter() if e.get("id", "").startswith("v")}
    for k, node in enumerate(forward):  # draw(step=n) marks the last step's node as current
        if not node.parents:
            _uncurrent(by_id.get(f"v{k}"))
    width, height = (float(v.rstrip("pt")) * 4 / 3 for v in (svg.get("width"), svg.get("height")))
    svg.set("width", f"{width:.0f}")
    svg.set("height", f"{height:.0f}")
    svg.set("role", "img")
    svg.set("aria-label", "the graph: values as boxes, ops as circles, inputs on the left")
    svg.set("id", "cg-svg")
    return ET.tostring(svg, encoding="unicode"), (width, height)


def _by_title(svg: ET.Element) -> dict[str, list[ET.Element]]:
    """Graphviz's node and edge groups by their <title> (draw's names), titles removed."""
    by_title: dict[str, list[ET.Element]] = {}
    groups = [e for e in svg.iter() if _tag(e) == "g" and e.get("class") in ("node", "edge")]
    for element in groups:
        title = next((c for c in element if _tag(c) == "title"), None)
        if title is None:
            continue
        element.remove(title)
        _unwrap_links(element)
        by_title.setdefault(title.text or "", []).append(element)
    for elements in by_title.values():  # Graphviz numbers them in the order draw made them
        elements.sort(key=lambda e: int(re.sub(r"\D", "", e.get("id", "0")) or 0))
    return by_title


def _first(by_title: dict[str, list[ET.Element]], title: str) -> ET.Element | None:
    found = by_title.get(title)
    return found[0] if found else None


def _mark_values(by_title: dict[str, list[ET.Element]], nodes: list[dict[str, Any]]) -> None:
    """Value k's box becomes v<k>, its op's circle o<k>, the op's arrow into it oe<k>."""
    for k, node in enumerate(nodes):
        box = _first(by_title, f"n{k}")
        if box is not None:
            box.set("id", f"v{k}")
            box.set("class", "node cg-value")
            _mark_texts(box, {"data": "t-data", "grad": "t-grad"})
            _interactive(box, k, node["n"])
        op = _first(by_title, f"n{k}_op")
        if op is not None:
            op.set("id", f"o{k}")
            op.set("class", "node cg-op")
        link = _first(by_title, f"n{k}_op->n{k}")
        if link is not None:
            link.set("id", f"oe{k}")
            link.set("class", "edge cg-opedge")


def _mark_neurons(by_title: dict[str, list[ET.Element]], units: list[dict[str, Any]]) -> None:
    """The box of the neuron whose dot is value k becomes u<k>."""
    for u, unit in enumerate(units):
        box = _first(by_title, f"neuron_n{unit['dot']}")
        if box is None:
            raise RuntimeError(f"step_through: draw() drew no box for neuron {unit['name']!r}")
        box.set("id", f"u{unit['dot']}")
        box.set("class", "node cg-neuron")
        _mark_texts(box, {"out": "t-out", "δ": "t-delta"})
        _interactive(box, None, unit["name"], neuron=u)


def _mark_edges(by_title: dict[str, list[ET.Element]], edges: list[dict[str, Any]],
                forward: list[Value], group: dict[Value, int]) -> list[dict[str, Any]]:
    """Give each edge of the graph its line: e<i> for its own, c<m> for a line between neurons
    (shared by the edges it stands for), None inside a neuron. Returns the shared lines."""

    def end(k: int) -> str:  # the drawn box value k is in: its own, or its neuron's
        return f"neuron_n{group[forward[k]]}" if forward[k] in group else f"n{k}"

    collapsed: dict[int, dict[str, Any]] = {}
    for i, edge in enumerate(edges):
        p, c = edge["p"], edge["c"]
        src = end(p)
        dst = end(c) if forward[c] in group else f"n{c}_op"
        title = f"{src}->{dst}"
        if src == dst or title not in by_title:
            edge["svg"] = None  # inside a neuron
        elif forward[p] in group or forward[c] in group:  # several edges may share this line
            edge["svg"] = _mark_shared(by_title[title][0], collapsed, i)
        else:
            edge["svg"] = _mark_edge(by_title[title].pop(0), i)
    return list(collapsed.values())


def _mark_shared(element: ET.Element, collapsed: dict[int, dict[str, Any]], i: int) -> str:
    """Edge i is drawn as the line ``element`` between neurons: c<m>, m in order of first use."""
    if id(element) not in collapsed:
        collapsed[id(element)] = {"svg": f"c{len(collapsed)}", "edges": []}
        element.set("id", collapsed[id(element)]["svg"])
        element.set("class", "edge cg-link")
    collapsed[id(element)]["edges"].append(i)
    return collapsed[id(element)]["svg"]


def _mark_edge(element: ET.Element, i: int) -> str:
    """Edge i has a line of its own, labelled with its local derivative and contribution."""
    element.set("id", f"e{i}")
    element.set("class", "edge cg-edge")
    element.set("data-edge", str(i))
    texts = [t for t in element if _tag(t) == "text"]
    for t, cls in zip(texts, ("t-local", "t-contrib")):
        t.set("class", cls)
    return f"e{i}"


def _uncurrent(box: ET.Element | None) -> None:
    """Undo draw's 'current step' orange on a leaf (the page marks the current node itself)."""
    if box is None:
        return
    for shape in box:
        if shape.get("stroke", "").lower() == "#ff7f0e":
            shape.set("stroke", "#444444")
            shape.set("fill", "#f4f4f4")
            shape.set("stroke-width", "1")


def _interactive(box: ET.Element, k: int | None, name: str, neuron: int | None = None) -> None:
    box.set("tabindex", "0")
    box.set("role", "button")
    if k is not None:
        box.set("data-node", str(k))
        box.set("aria-label", f"{name}: show its gradient as a sum over paths")
    else:
        box.set("data-neuron", str(neuron))
        box.set("aria-label", f"neuron {name}: open it")


# -- the page around it ----------------------------------------------------------------------


def _body(heading: str, svg: str, links: Sequence[tuple[str, str]]) -> str:
    listed = ""
    if links:
        items = "".join(
            f"<li><a href=\"{html.escape(href, quote=True)}\">{html.escape(text)}</a></li>"
            for text, href in links
        )
        listed = f"<details class=\"files\"><summary>Files</summary><ul>{items}</ul></details>"
    return f"""
<div class="bar" role="toolbar" aria-label="steps">
  <h1>{html.escape(heading)}</h1>
  <span id="cg-player"></span>
  <button id="cg-symbols" aria-pressed="false" title="Edge labels as symbols or numbers">
    Symbols</button>
  <span class="zoom" role="group" aria-label="zoom">
    <button id="cg-zoom-out" type="button" title="Zoom out (-)">−</button>
    <button id="cg-zoom-in" type="button" title="Zoom in (+)">+</button>
    <button id="cg-fit" type="button" title="Fit to the pane, text kept readable (0)">Fit
    </button>
    <button id="cg-actual" type="button" title="Actual size">100%</button>
  </span>
  {listed}
</div>
<div class="main">
  <div class="graph" id="cg-graph">{svg}</div>
  <div class="panel">
    <p id="cg-problem" role="alert" hidden></p>
    <section id="cg-step" aria-live="polite"></section>
    <section id="cg-edit" hidden></section>
    <section id="cg-detail"></section>
    <section class="legend muted">
      <b>Reading it.</b> A box is a value (name, data, grad); a circle its op. Dashed outline:
      not computed yet. Thick outline and a ▼ mark: the node of this step. <code>grad 0.1+…</code>:
      part of its gradient has arrived, more is to come. An edge reads its local derivative
      and, once its consumer is done, <code>→</code> what it carried back (local derivative ×
      consumer's grad). Click (or Enter on) a node for its gradient as a sum over paths;
      hover an edge for its derivative. Keys: ← → step, Home End, space plays; drag or
      Shift+arrows pan, the wheel or + − zoom, 0 fits. Click a leaf to change its value.
    </section>
  </div>
</div>
<div id="cg-tip" role="tooltip" hidden></div>
"""
