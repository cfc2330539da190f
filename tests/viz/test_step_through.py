"""step_through and Page without a browser: the embedded data, the SVG ids, escaping, limits."""

from __future__ import annotations

import json
import os
import re
import shutil
from itertools import islice

import pytest

import autograd.see.step_page as st
from autograd import (
    Page,
    Value,
    backward_steps,
    dot,
    explain,
    forward_order,
    step_through,
    topo_order,
)
from autograd.see.viz import GraphvizMissing
from nn import MLP, mse
from tests.viz.networks import linear_chain, nonlinear_chain


def embedded(page: Page) -> dict:
    text = re.search(r'<script type="application/json" id="cg-data">(.*?)</script>', page.html,
                     re.S).group(1)
    return json.loads(text)


def graphs():
    a = Value(2.0, label="a")
    shared = (a * a + a / a).tanh()  # two edges a -> * and two a -> /
    w = [Value(0.3, label="w0"), Value(-0.7, label="w1")]
    b = Value(0.1, label="b")
    q = [Value(1.5, label="q0"), Value(-2.0, label="q1")]
    bias_apart = (dot(w, q) + b).sigmoid() * 2.0  # explain's δ goes through the bias add
    tr = MLP(2, [3, 2, 1], seed=1).trace([0.4, -0.9])
    return [linear_chain().C, nonlinear_chain().C, shared, bias_apart, mse(tr.output, 0.5)]


@pytest.mark.parametrize("C", graphs())
def test_data_is_backward_steps_and_no_grad_changes(C):
    for n in topo_order(C):
        n.grad = 0.25  # grads from elsewhere: the page must neither read nor change them
    page = step_through(C)
    data = embedded(page)
    assert data == json.loads(json.dumps(page.data))
    forward = forward_order(C)
    index = {n: k for k, n in enumerate(forward)}
    assert [n["d"] for n in data["nodes"]] == [n.data for n in forward]
    steps = list(islice(backward_steps(C), len(forward)))
    assert len(data["bsteps"]) == len(steps)
    for shown, s in zip(data["bsteps"], steps):
        assert shown["n"] == index[s.node] and shown["g"] == s.grad
        for (e, local, cg, amount), c in zip(shown["cs"], s.contributions):
            edge = data["edges"][e]
            assert (edge["c"], edge["j"], edge["p"]) == (index[c.consumer], c.index, index[s.node])
            assert (local, cg, amount) == (c.local, c.consumer_grad, c.amount)
    assert data["fsteps"] == [k for k, n in enumerate(forward) if n.parents]
    assert all(n.grad == 0.25 for n in topo_order(C))
    assert page.steps == len(data["fsteps"]) + len(forward)


@pytest.mark.parametrize("C", graphs())
def test_delta_nodes_are_explains(C):
    data = step_through(C).data
    forward = forward_order(C)
    for k, node in enumerate(forward):
        e = explain(C, node, paths=False)
        index = {n: i for i, n in enumerate(forward)}
        outs = {(edge["c"], edge["j"]): edge for edge in data["edges"] if edge["p"] == k}
        assert len(outs) == len(e.split)
        for s in e.split:
            edge = outs[(index[s.consumer], s.index)]
            assert forward[edge["dn"]] is s.delta_node
            assert edge["s"] == s.forward_symbol and edge["v"] == s.forward
            assert data["nodes"][edge["dn"]]["g"] == pytest.approx(s.delta, rel=1e-12, abs=1e-300)


def test_svg_ids_and_duplicate_edges():
    a = Value(2.0, label="a")
    C = a / a  # two edges a -> '/', local derivatives 1/a = 0.5 and -a/a² = -0.5
    page = step_through(C)
    for i, edge in enumerate(page.data["edges"]):
        assert edge["svg"] == f"e{i}"
        group = re.search(rf'<g id="e{i}"[^>]*>(.*?)</g>', page.html, re.S).group(1)
        local = re.search(r'class="t-local"[^>]*>([^<]*)<', group).group(1)
        assert local.endswith(format(edge["v"], ".4g"))
    assert page.data["edges"][0]["v"] == 0.5 and page.data["edges"][1]["v"] == -0.5
    for k in range(len(page.data["nodes"])):
        assert f'id="v{k}"' in page.html
    assert 'xlink:title' not in page.html  # Graphviz's tooltips are replaced by the page's


def test_collapsed_network_maps_every_node():
    model = MLP(2, [16, 16, 1], seed=0)
    C = mse(model.trace([0.5, -1.0]).output, 1.0)
    page = step_through(C)
    data = page.data
    assert page.collapsed and len(data["neurons"]) == 33
    members = {m for u in data["neurons"] for m in u["members"]}
    for k in range(len(data["nodes"])):
        assert (f'id="v{k}"' in page.html) != (k in members)
    for u in data["neurons"]:
        assert f'id="u{u["dot"]}"' in page.html
    shown = [e for e in data["edges"] if e["svg"]]
    assert shown and all(e["svg"][0] in "ce" for e in shown)
    assert len(page.html.encode()) < 2_000_000
    full = step_through(MLP(2, [3, 1], seed=0)([1.0, 2.0]), collapse=False)
    assert not full.collapsed


def test_labels_are_escaped_everywhere():
    x = Value(1.0, label="<script>alert(1)</script>")
    y = Value(2.0, label="</script><!--")
    C = x * y
    C.label = "a & b \" ' <"
    page = step_through(C, title="<i>t</i>", links=[("<b>f</b>", "a\"b.svg")])
    assert page.html.count("<script") == 3  # data, the library, the page's script
    assert "alert(1)</script>" not in page.html and "<!--" not in page.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.html  # in the SVG, as text
    data = re.search(r'id="cg-data">(.*?)</script>', page.html, re.S).group(1)
    assert "<" not in data and ">" not in data and "&" not in data
    assert json.loads(data)["nodes"][0]["l"] == "<script>alert(1)</script>"
    assert "<i>" not in page.html and 'href="a&quot;b.svg"' in page.html
    inline = page._repr_html_()
    assert inline.startswith("<iframe srcdoc=\"") and inline.count("<") == 2  # all escaped
    assert 'sandbox="allow-scripts"' in inline


def test_nothing_is_fetched():
    page = step_through(nonlinear_chain().C)
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>)]*", page.html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page.html)
    assert not re.search(r"\bsrc=", page.html)
    assert "default-src 'none'" in page.html


def test_save_is_atomic_and_checks_the_path(tmp_path):
    page = step_through(linear_chain().C)
    target = tmp_path / "page.html"
    target.write_text("old")
    assert page.save(target) == target
    assert target.read_text(encoding="utf-8") == page.html
    assert sorted(os.listdir(tmp_path)) == ["page.html"]  # no temporary file left
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        page.save(tmp_path / "missing" / "page.html")
    with pytest.raises(IsADirectoryError, match="give a file name"):
        page.save(tmp_path)


def test_bad_input():
    C = linear_chain().C
    with pytest.raises(TypeError, match="root must be a Value"):
        step_through(1.0)
    with pytest.raises(TypeError, match="highlight must be a Value"):
        step_through(C, highlight="w")
    with pytest.raises(ValueError, match="not part of the graph"):
        step_through(C, highlight=Value(1.0, label="elsewhere"))
    with pytest.raises(ValueError, match="collapse must be"):
        step_through(C, collapse="yes")


def test_too_large_is_refused_with_advice():
    x = Value(1.0, label="x")
    chain = x
    for _ in range(400):  # 401 nodes (400 with an op circle), no neurons: 801 boxes
        chain = chain * 1.001
    with pytest.raises(ValueError, match=r"801 boxes.*300.*subgraph"):
        step_through(chain)
    with pytest.raises(ValueError, match=r"401 nodes, more than the 100.*subgraph"):
        step_through(chain, max_nodes=100)
    big = mse(MLP(2, [16, 16, 1], seed=0).trace([0.1, 0.2]).output, 0.0)
    with pytest.raises(ValueError, match="collapse=True"):
        step_through(big, collapse=False)
    assert st.MAX_BOXES == 300 and st.MAX_NODES == 2000


def test_dot_missing_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        step_through(linear_chain().C)


def test_highlight_colours_and_selects():
    ch = linear_chain()
    page = step_through(ch.C, highlight=ch.nodes["w12"])
    assert page.data["highlight"] == forward_order(ch.C).index(ch.nodes["w12"])
    assert "#d62728" in page.html  # draw's weight colour, baked into the SVG
    assert repr(page).startswith("StepThrough('C: 10 nodes'")


@pytest.mark.parametrize("label", ["\x00bad", "a\x1bb", "\x7f"])
def test_control_characters_in_labels_are_named(label):
    x = Value(1.0, label=label)
    with pytest.raises(ValueError, match="control character"):
        step_through(x * 2)


def test_odd_but_drawable_labels_and_tiny_graphs():
    for label in ("line\nbreak", "emoji 😀", "tab\tx", "]]>", "&amp;", ""):
        x = Value(1e300, label=label)
        page = step_through((x * 1e-300).tanh(), highlight=x)
        assert page.data["nodes"][0]["l"] == label
    alone = step_through(Value(2.0, label="alone"))
    assert alone.steps == 1 and alone.data["bsteps"] == [{"n": 0, "g": 1.0, "cs": []}]
