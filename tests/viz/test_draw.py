"""autograd.draw: DOT structure, edge labels, highlight colours, steps, collapse, rendering."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections import Counter

import graphviz
import pytest

import autograd.see.viz as viz
from autograd import Value, backward_steps, dot, draw, topo_order
from autograd.see import render
from autograd.see.anatomy import find_neurons

from .networks import linear_chain, nonlinear_chain, parse_dot, plain_mlp, random_graph


def ids_of(root: Value) -> dict[Value, str]:
    return {node: f"n{k}" for k, node in enumerate(topo_order(root)[::-1])}


def value_nodes(nodes: dict) -> dict:
    return {k: v for k, v in nodes.items() if k.startswith("n") and not k.endswith("_op")}


@pytest.mark.parametrize("seed", range(8))
def test_node_and_edge_counts(seed):
    root, _ = random_graph(seed)
    order = topo_order(root)
    nodes, edges = parse_dot(draw(root, collapse=False).source)
    inner = [n for n in order if n.parents]
    assert len(value_nodes(nodes)) == len(order)
    assert sum(k.endswith("_op") for k in nodes) == len(inner)
    # one edge per (parent, consumer) pair with multiplicity, plus op -> output
    assert len(edges) == sum(len(n.parents) for n in order) + len(inner)


@pytest.mark.parametrize("seed", range(8))
def test_edge_labels_are_the_local_derivatives(seed):
    root, _ = random_graph(seed)
    ids = ids_of(root)
    _, edges = parse_dot(draw(root, fmt=".17g", collapse=False).source)
    drawn = Counter()
    for src, dst, a in edges:
        if dst.endswith("_op"):
            drawn[(src, dst, float(a["label"].split("\\n")[0]))] += 1
    expected = Counter()
    for node in topo_order(root):
        for parent, local in zip(node.parents, node.local_grads):
            expected[(ids[parent], ids[node] + "_op", local)] += 1
    assert drawn == expected


def test_contributions_after_backward():
    chain = linear_chain()
    chain.C.backward()
    ids = ids_of(chain.C)
    _, edges = parse_dot(draw(chain.C, fmt=".17g").source)
    x2, x3 = chain.nodes["x2"], chain.nodes["x3"]
    (label,) = [a["label"] for s, d, a in edges if s == ids[x2] and d == ids[x3] + "_op"]
    local, contribution = label.split("\\n")
    assert float(local) == x3.local_grads[1]
    assert float(contribution.lstrip("→ ")) == pytest.approx(x3.local_grads[1] * x3.grad)
    assert float(contribution.lstrip("→ ")) == pytest.approx(x2.grad)


def test_no_grads_shown_before_backward():
    chain = linear_chain()
    nodes, edges = parse_dot(draw(chain.C).source)
    assert not any("grad" in a["label"] for a in nodes.values())
    assert not any("→" in a.get("label", "") for _, _, a in edges)


def test_symbols_from_the_table():
    chain = nonlinear_chain()
    source = draw(chain.C, symbols=True).source
    assert "σ'(p2) = " in source and "w23 = 2" in source and "q1 = " in source


def _colours(root, **kw):
    nodes, _ = parse_dot(draw(root, collapse=False, **kw).source)
    by = {}
    for node, nid in ids_of(root).items():
        by.setdefault(nodes[nid]["color"], set()).add(node)
    return by


def test_highlight_colours_exactly_the_chain_linear():
    c = linear_chain()
    c.C.backward()
    n = c.nodes
    by = _colours(c.C, highlight=n["w12"])
    assert by[viz.WEIGHT_COLOUR] == {n["w12"]}
    assert by[viz.FORWARD_COLOUR] == {n["x0"], n["w01"], n["x1"]}
    assert by[viz.BACKWARD_COLOUR] == {n["x2"], n["x3"], n["e"], n["e2"], n["C"]}
    assert n["w23"] not in by.get(viz.BACKWARD_COLOUR, set())


def test_highlight_colours_exactly_the_chain_nonlinear():
    c = nonlinear_chain()
    n = c.nodes
    by = _colours(c.C, highlight=n["w23"])
    assert by[viz.WEIGHT_COLOUR] == {n["w23"]}
    assert by[viz.FORWARD_COLOUR] == {n[k] for k in ("p0", "q0", "w01", "p1", "q1", "w12",
                                                     "p2", "q2")}
    assert by[viz.BACKWARD_COLOUR] == {n[k] for k in ("p3", "q3", "e", "e2", "C")}


def _ancestors(starts):
    seen, stack = set(), list(starts)
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(v.parents)
    return seen


def test_highlight_colours_exactly_the_chain_mlp():
    m = plain_mlp([2, 3, 3, 1], seed=1)
    w = m.weights[1][2][0]  # layer 2, neuron 2, input 0
    consumer = m.p[1][2].parents[0]  # the dot node
    assert consumer.op == "dot"
    every = _ancestors([m.C])
    forward = _ancestors([p for p in consumer.parents if p is not w]) - {w}
    backward = {v for v in every if consumer in _ancestors([v])}
    by = _colours(m.C, highlight=w)
    assert by[viz.WEIGHT_COLOUR] == {w}
    assert by[viz.FORWARD_COLOUR] == forward
    assert by[viz.BACKWARD_COLOUR] == backward
    # the forward chain is layer 1's outputs and all that made them
    assert set(m.q[0]) <= forward and set(m.xs) <= forward


def test_highlight_edges():
    c = linear_chain()
    ids = ids_of(c.C)
    _, edges = parse_dot(draw(c.C, highlight=c.nodes["w12"]).source)
    colour = {(s, d): a["color"] for s, d, a in edges}
    n = c.nodes
    assert colour[(ids[n["w12"]], ids[n["x2"]] + "_op")] == viz.WEIGHT_COLOUR
    assert colour[(ids[n["x1"]], ids[n["x2"]] + "_op")] == viz.FORWARD_COLOUR
    assert colour[(ids[n["x2"]], ids[n["x3"]] + "_op")] == viz.BACKWARD_COLOUR
    assert colour[(ids[n["w23"]], ids[n["x3"]] + "_op")] not in (
        viz.BACKWARD_COLOUR, viz.FORWARD_COLOUR, viz.WEIGHT_COLOUR)


def test_highlight_must_be_in_the_graph():
    c = linear_chain()
    with pytest.raises(ValueError, match="not part of the graph"):
        draw(c.C, highlight=Value(1.0))


@pytest.mark.parametrize("seed", range(4))
def test_step_drawings(seed):
    root, _ = random_graph(seed)
    order = topo_order(root)
    ids = ids_of(root)
    steps = list(backward_steps(root))  # also applies the grads
    grads_after = {n: n.grad for n in order}
    for k in (0, 1, len(order) // 2, len(order)):
        nodes, edges = parse_dot(draw(root, step=k, fmt=".17g").source)
        done = {s.node for s in steps[:k]}
        for node in order:
            label = nodes[ids[node]]["label"]
            if node in done:
                assert "pending" not in label
            else:
                assert "pending" in label and "dashed" in nodes[ids[node]]["style"]
        dashed = sum(a.get("style") == "dashed" for _, _, a in edges)
        assert dashed == sum(len(n.parents) for n in order if n not in done)
    assert {n: n.grad for n in order} == grads_after  # drawing steps touches no .grad
    with pytest.raises(ValueError, match="step"):
        draw(root, step=len(order) + 1)
    for bad in (2.5, True, "3"):
        with pytest.raises(TypeError, match="step must be an int"):
            draw(root, step=bad)


def test_last_step_shows_final_grads():
    c = nonlinear_chain()
    c.C.backward()
    ids = ids_of(c.C)
    nodes, _ = parse_dot(draw(c.C, step=len(topo_order(c.C)), fmt=".17g").source)
    w01 = c.nodes["w01"]
    assert f"grad {w01.grad!r}" in nodes[ids[w01]]["label"] or \
        f"grad {format(w01.grad, '.17g')}" in nodes[ids[w01]]["label"]


@pytest.mark.parametrize("bias_in_dot", [False, True])
def test_collapsed_mlp_node_counts_and_cost(bias_in_dot, edge_reads):
    m = plain_mlp([2, 16, 16, 1], bias_in_dot=bias_in_dot)
    m.C.backward()
    n_values = len(topo_order(m.C))
    assert n_values > 200
    edge_reads.clear()
    dg = draw(m.C)  # collapse='auto'
    source = dg.source
    assert sum(edge_reads.values()) <= 15 * n_values  # a few reads per node: linear
    nodes, edges = parse_dot(source)
    neurons = [k for k in nodes if k.startswith("neuron_")]
    assert len(neurons) == 16 + 16 + 1
    # the rest: 2 inputs and the loss (e = out - y, e**2, /2), each a value box + an op circle
    others = value_nodes({k: v for k, v in nodes.items() if not k.startswith("neuron_")})
    assert len(others) == 2 + 3
    assert sum(k.endswith("_op") for k in nodes) == 3
    # dense layers: 2·16 + 16·16 + 16·1 neuron edges, the output neuron into e's op,
    # and the loss chain: e_op → e → e2_op → e2 → C_op → C
    assert len(edges) == 2 * 16 + 16 * 16 + 16 + 1 + 5
    assert "cluster_layer1" in source and "layer 2 (16 neurons)" in source


def test_collapsed_mlp_full_drawing_is_linear_too(edge_reads):
    m = plain_mlp([2, 16, 16, 1])
    m.C.backward()
    edge_reads.clear()
    source = draw(m.C, collapse=False, symbols=True).source
    assert sum(edge_reads.values()) <= 15 * len(topo_order(m.C))
    nodes, _ = parse_dot(source)
    assert len(value_nodes(nodes)) == len(topo_order(m.C))


@pytest.mark.parametrize("bias_in_dot", [False, True])
def test_expand_one_layer(bias_in_dot):
    m = plain_mlp([2, 4, 3, 1], bias_in_dot=bias_in_dot)
    nodes, _ = parse_dot(draw(m.C, collapse=True, expand=[2]).source)
    assert sum(k.startswith("neuron_") for k in nodes) == 4 + 1
    assert "cluster_layer2" in draw(m.C, collapse=True, expand=[2]).source


def test_small_graph_is_not_collapsed_by_default():
    m = plain_mlp([2, 3, 1])
    nodes, _ = parse_dot(draw(m.C).source)
    assert not any(k.startswith("neuron_") for k in nodes)


@pytest.mark.parametrize("bias_in_dot", [False, True])
def test_find_neurons_layers(bias_in_dot):
    m = plain_mlp([3, 4, 2, 1], bias_in_dot=bias_in_dot)
    neurons = find_neurons(m.C)
    assert Counter(n.layer for n in neurons) == {1: 4, 2: 2, 3: 1}
    assert {n.activation for n in neurons if n.layer < 3} == {"tanh"}
    assert [n.activation for n in neurons if n.layer == 3] == ["identity"]


def test_collapsed_nn_mlp(edge_reads):
    nn = importlib.import_module("nn")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -1.0])
    loss = (out - 1.0) ** 2 / 2
    loss.backward()
    edge_reads.clear()
    source = draw(loss).source
    assert sum(edge_reads.values()) <= 15 * len(topo_order(loss))
    nodes, _ = parse_dot(source)
    assert sum(k.startswith("neuron_") for k in nodes) == 33


def test_render_svg_with_dot(tmp_path):
    assert shutil.which("dot"), viz.INSTALL_HINT  # CI installs graphviz: never skip
    c = nonlinear_chain()
    c.C.backward()
    path = render(draw(c.C, highlight=c.nodes["w12"], symbols=True), tmp_path / "chain.svg")
    text = path.read_text()
    assert "<svg" in text and "w12" in text
    assert "σ&#39;(p2)" in text or "σ'(p2)" in text
    m = plain_mlp([2, 16, 16, 1])
    m.C.backward()
    svg = render(draw(m.C), tmp_path / "mlp.svg").read_text()
    assert svg.count("class=\"node\"") == 33 + 5 + 3


def test_render_png(tmp_path):
    c = linear_chain()
    path = render(draw(c.C, step=3), tmp_path / "step.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_dot_gives_install_instructions(monkeypatch, tmp_path):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    dg = draw(linear_chain().C)  # drawing works without dot
    assert isinstance(dg, graphviz.Digraph) and "digraph" in dg.source
    with pytest.raises(viz.GraphvizMissing) as info:
        render(dg, tmp_path / "x.svg")
    message = str(info.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "conda install -c conda-forge graphviz" in message
    assert isinstance(info.value, RuntimeError)


def test_bad_options():
    c = linear_chain()
    with pytest.raises(ValueError, match="rankdir"):
        draw(c.C, rankdir="XY")
    with pytest.raises(ValueError, match="collapse"):
        draw(c.C, collapse="maybe")
    with pytest.raises(TypeError):
        draw(3.0)
    assert "rankdir=TB" in draw(c.C, rankdir="TB").source
    assert "data 1.500" in draw(c.C, fmt=".3f").source


def test_value_html():
    v = Value(2.0, label="x") * 3
    html = v._repr_html_()
    assert "<table" in html and "*" in html and "6" in html
    assert "x" in Value(2.0, label="x")._repr_html_()


def test_import_autograd_needs_no_graphviz():
    code = "import sys, autograd; assert 'graphviz' not in sys.modules, 'graphviz imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_folded_constants_show_in_the_op_circle():
    """A plain number folded into a node is drawn where it acts: '− 1', 'x^3', '÷ 4', '2 ×'."""
    from autograd import Value, draw

    a = Value(2.0, label="a")
    y = (a - 1.0) ** 3 / 4.0 + 2 * a
    source = draw(y).source
    for label in ('"− 1"', '"x^3"', '"÷ 4"', '"2 ×"'):
        assert f"label={label}" in source


def test_a_computed_bias_counts_as_an_input_for_layer_numbers():
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    first = dot([Value(0.3), Value(0.2)], x, Value(0.1)).tanh()
    second = dot([Value(0.7), Value(-0.4)], x, first)  # bias computed by `first`
    layers = {n.out: n.layer for n in find_neurons(second)}
    assert layers[first] == 1 and layers[second] == 2
