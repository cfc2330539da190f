"""autograd.explain: paths, products, totals, the δ × q split, the path-count refusal."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Explanation, Value, explain, topo_order
from autograd.see.chains import count_paths
from nn.tour import LINEAR_CHAIN

from .networks import linear_chain, nonlinear_chain, plain_mlp, random_graph, sigmoid


def test_linear_chain_matches_document_003():
    x0, (a, b, c), y = LINEAR_CHAIN  # the tour's, the demo's and notebook 01's numbers
    chain = linear_chain(x0, y, (a, b, c))
    n = chain.nodes
    x1, x2, x3 = a * x0, b * a * x0, c * b * a * x0
    d0, d1, d2 = x3 - y, c * (x3 - y), b * c * (x3 - y)  # the documents' backward chains
    expected = {"w23": (d0, x2), "w12": (d1, x1), "w01": (d2, x0)}
    explanations = {w: explain(chain.C, n[w]) for w in expected}
    chain.C.backward()
    for w, (delta, forward) in expected.items():
        e = explanations[w]
        assert e.total == pytest.approx(n[w].grad, rel=1e-12)
        assert e.total == pytest.approx(delta * forward, rel=1e-12)
        assert e.delta == pytest.approx(delta, rel=1e-12)  # δ(consumer): backward chain
        assert e.forward == pytest.approx(forward, rel=1e-12)  # q: forward chain
        assert len(e.paths) == 1
    # factors from the output back to the input, as the documents write them
    factors = explanations["w01"].paths[0].factors
    assert [s for s, _ in factors] == ["1/2", "2·e", "1", "w23", "w12", "x0"]
    assert [v for _, v in factors] == pytest.approx([0.5, 2 * d0, 1.0, c, b, x0])
    assert explanations["w01"].split[0].delta_name == "x1"


def test_nonlinear_chain_matches_document_003():
    x0, y, w = 1.5, 0.2, (0.8, -1.2, 2.0)
    chain = nonlinear_chain(x0, y, w)
    n = chain.nodes
    p, q = [x0], [sigmoid(x0)]
    for i in range(3):
        p.append(w[i] * q[i])
        q.append(sigmoid(p[-1]))
    ds = [qi * (1 - qi) for qi in q]
    d0 = (q[3] - y) * ds[3]
    d1 = d0 * w[2] * ds[2]
    d2 = d1 * w[1] * ds[1]
    e = explain(chain.C, n["w01"])
    assert [s for s, _ in e.paths[0].factors] == [
        "1/2", "2·e", "1", "σ'(p3)", "w23", "σ'(p2)", "w12", "σ'(p1)", "q0"]
    assert e.total == pytest.approx(d2 * q[0], rel=1e-12)
    assert e.delta == pytest.approx(d2, rel=1e-12) and e.forward == pytest.approx(q[0])
    assert explain(chain.C, n["w12"]).total == pytest.approx(d1 * q[1], rel=1e-12)
    assert explain(chain.C, n["w23"]).total == pytest.approx(d0 * q[2], rel=1e-12)
    chain.C.backward()
    for w_name in ("w01", "w12", "w23", "p0"):
        assert explain(chain.C, n[w_name]).total == pytest.approx(n[w_name].grad, rel=1e-12)


def test_total_needs_no_backward_and_touches_no_grad():
    chain = nonlinear_chain()
    e = explain(chain.C, chain.nodes["w12"])
    assert all(v.grad == 0.0 for v in topo_order(chain.C))
    chain.C.backward()
    assert e.total == pytest.approx(chain.nodes["w12"].grad, rel=1e-12)


@pytest.mark.parametrize("bias_in_dot", [False, True])
def test_dot_split_is_delta_of_p_times_q(bias_in_dot):
    m = plain_mlp([2, 3, 2, 1], seed=3, bias_in_dot=bias_in_dot)
    m.C.backward()
    for layer in range(3):
        inputs = m.xs if layer == 0 else m.q[layer - 1]
        for j, ws in enumerate(m.weights[layer]):
            for k, w in enumerate(ws):
                e = explain(m.C, w)
                assert e.split[0].delta_node is m.p[layer][j]  # p, or the bias add after dot
                assert e.delta == pytest.approx(m.p[layer][j].grad, rel=1e-12)
                assert e.forward == inputs[k].data
                assert e.total == pytest.approx(w.grad, rel=1e-12)
                assert sum(p.product for p in e.paths) == pytest.approx(w.grad, rel=1e-9)


def test_paths_on_a_diamond_and_a_reused_node():
    a = Value(1.5, label="a")
    b = a + a  # two edges from a
    c = b * b  # two edges from b
    e = explain(c, a)
    assert e.n_paths == len(e.paths) == 4
    c.backward()
    assert e.total == pytest.approx(a.grad) == pytest.approx(8 * 1.5)
    assert len(e.split) == 2  # a feeds b twice
    with pytest.raises(ValueError, match="feeds 2 edges"):
        _ = e.delta


def test_not_depending():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    e = explain(a * 3, b)
    assert e.total == 0.0 and e.paths == [] and e.split == []
    assert "does not depend" in str(e)


def test_explain_root_itself():
    a = Value(2.0, label="a")
    e = explain(a, a)
    assert e.total == 1.0 and len(e.paths) == 1 and e.paths[0].factors == []


def _exploding(depth: int) -> tuple[Value, Value]:
    x = Value(0.3, label="x")
    v = x
    for _ in range(depth):
        v = (v * v).tanh()  # two edges per level: 2**depth paths
    return v, x


def test_path_count_refusal_suggests_the_delta_form():
    root, x = _exploding(20)
    assert count_paths(root, x) == 2**20
    with pytest.raises(ValueError) as info:
        explain(root, x)
    message = str(info.value)
    assert "1,048,576 paths" in message and "max_paths=10,000" in message
    assert "paths=False" in message and "δ" in message
    e = explain(root, x, paths=False)  # the delta form is cheap
    assert e.paths == [] and e.n_paths == 2**20
    root.backward()
    assert e.total == pytest.approx(x.grad, rel=1e-12)
    assert e.split[0].product + e.split[1].product == pytest.approx(x.grad, rel=1e-12)
    with pytest.raises(ValueError):
        explain(*_exploding(8), max_paths=100)
    assert len(explain(*_exploding(8), max_paths=256).paths) == 256


def test_deep_chain_is_counted_without_recursion():
    x = Value(0.1, label="x")
    v = x
    for _ in range(5000):
        v = v * 1.0001
    e = explain(v, x, paths=False)
    assert e.n_paths == 1 and e.total == pytest.approx(1.0001**5000)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), n_ops=st.integers(1, 14))
def test_random_graphs_total_equals_grad(seed, n_ops):
    root, leaves = random_graph(seed, n_ops=n_ops)
    explanations = {leaf: explain(root, leaf, max_paths=100_000) for leaf in leaves}
    root.backward()
    for leaf, e in explanations.items():
        assert e.total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)
        assert len(e.paths) == e.n_paths == count_paths(root, leaf)
        assert math.fsum(p.product for p in e.paths) == pytest.approx(leaf.grad, rel=1e-9,
                                                                      abs=1e-12)
        assert math.fsum(s.product for s in e.split) == pytest.approx(leaf.grad, rel=1e-9,
                                                                      abs=1e-12)
        for path in e.paths:
            assert path.nodes[0] is root and path.nodes[-1] is leaf
            assert len(path.factors) == len(path.edges) == len(path.nodes) - 1


def test_text_latex_markdown():
    chain = nonlinear_chain()
    e = explain(chain.C, chain.nodes["w12"])
    assert isinstance(e, Explanation)
    text = str(e)
    assert "dC/dw12" in text and "σ'(p2)" in text and "δ(p2) × q1" in text
    latex = e._repr_latex_()
    assert latex.startswith("$$") and r"\frac{\partial C}{\partial w_{12}}" in latex
    assert r"\sigma" in latex and r"\delta" in latex
    md = e._repr_markdown_()
    assert "| path |" in md and "δ(`p2`)" in md


def test_bad_arguments():
    with pytest.raises(TypeError):
        explain(1.0, Value(1.0))


def test_delta_of_a_biased_dot_is_p_itself_even_when_p_feeds_a_plus():
    # an identity-output neuron's p = dot(w, q, b) feeding a '+' (a loss plus a penalty):
    # the delta shown is p's, not the sum's
    from nn import MLP

    m = MLP(2, [2, 1], seed=0)
    t = m.trace([0.5, -1.0])
    L = t.output + Value(0.3)
    split = explain(L, m.layers[-1].neurons[0].w[0], paths=False).split[0]
    assert split.delta_node is t.p[2][0] and split.delta_name == "p2_0"
