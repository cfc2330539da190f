"""trace_text / Trace, and backward_steps against backward."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    Trace,
    Value,
    backward_steps,
    forward_order,
    node_names,
    topo_order,
    trace_text,
)

from .networks import linear_chain, nonlinear_chain, random_graph


def test_forward_lines_one_per_node_in_topological_order():
    chain = nonlinear_chain()
    chain.C.backward()
    trace = Trace(chain.C)
    lines = trace.forward_lines()
    order = topo_order(chain.C)[::-1]
    assert len(lines) == len(order)
    defined = set()
    for line, node in zip(lines, order):
        name = line.split()[0]
        assert name == trace.names[node]
        for parent in node.parents:  # every input is defined before it is used
            assert trace.names[parent] in defined
        defined.add(name)
    q2 = next(line for line in lines if line.startswith("q2 "))
    assert re.match(r"q2\s+= σ\(p2\)\s+# 0\.3123, grad 0\.205$", q2), q2


def test_reverse_lines_read_the_table():
    chain = nonlinear_chain()
    text = trace_text(chain.C)
    flat = " ".join(text.split())  # columns are aligned with spaces
    assert "p2.grad += σ'(p2) * q2.grad" in flat
    assert "q1.grad += w12 * p2.grad" in flat
    assert "w12.grad += q1 * p2.grad" in flat
    assert "C.grad = 1" in flat
    n_edges = sum(len(v.parents) for v in topo_order(chain.C))
    assert flat.count(".grad +=") == n_edges


def test_unlabelled_nodes_are_named_after_their_op():
    x = Value(0.5, label="x")
    y = (2 * x).tanh()
    lines = Trace(y, grads=False, reverse=False).forward_lines()
    assert lines == ["x      = leaf          # 0.5", "mul#1  = 2 * x         # 1",
                     "tanh#1 = tanh(mul#1)   # 0.7616"]
    assert "mul#1.grad += tanh'(mul#1) * tanh#1.grad" in " ".join(trace_text(y).split())


def test_made_up_names_count_each_op_in_the_forward_order():
    a, b = Value(0.5), Value(2.0, label="b")
    y = ((a * b).tanh() * b + a).tanh()
    names = node_names(forward_order(y))
    assert sorted(names.values()) == sorted(
        ["leaf#1", "b", "mul#1", "tanh#1", "mul#2", "add#1", "tanh#2"])
    assert names[y] == "tanh#2" and names[a] == "leaf#1"
    # a shared label is no name: both nodes are named by their op, the label printed beside
    p1, p2 = Value(1.0, label="p") * 2, Value(3.0, label="p") * 2
    text = trace_text(p1 + p2, grads=False)
    assert "leaf#1 = leaf" in text and "(p)" in text
    # a label spelled like a made-up name keeps it; the made-up one steps aside
    c = Value(1.0, label="mul#1")
    assert node_names(forward_order(c * 2))[(c * 2).parents[0]] == "mul#1"
    z = c * 2
    assert node_names(forward_order(z))[z] == "mul#1'"


def test_duplicate_labels_fall_back_to_numbers():
    a, b = Value(1.0, label="w"), Value(2.0, label="w")
    names = set(Trace(a * b).names.values())
    assert len(names) == 3


def test_reverse_numbers_match_backward():
    chain = linear_chain()
    text = trace_text(chain.C)
    chain.C.backward()
    w12 = chain.nodes["w12"]
    line = next(s for s in text.splitlines() if s.strip().startswith("w12.grad +="))
    assert line.rstrip().endswith(f"= {w12.grad:.4g}")


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10**6), n_ops=st.integers(1, 20))
def test_backward_steps_equal_backward(seed, n_ops):
    root_a, _ = random_graph(seed, n_ops=n_ops)
    root_b, _ = random_graph(seed, n_ops=n_ops)  # the same graph, built twice
    root_a.backward()
    steps = list(backward_steps(root_b))
    order_a, order_b = topo_order(root_a), topo_order(root_b)
    assert [s.node for s in steps] == order_b  # one step per node, in topological order
    for a, b, step in zip(order_a, order_b, steps):
        assert a.grad == pytest.approx(b.grad, rel=1e-12, abs=1e-15)
        assert step.grad == pytest.approx(b.grad, rel=1e-12, abs=1e-15)
        assert sum(c.amount for c in step.contributions) == pytest.approx(step.grad, abs=1e-12) \
            or step.node is root_b
        for c in step.contributions:
            assert c.amount == c.local * c.consumer_grad
            assert c.consumer.parents[c.index] is step.node


def test_stopping_early_changes_nothing():
    chain = linear_chain()
    for k, _ in enumerate(backward_steps(chain.C)):
        if k == 4:
            break
    assert all(v.grad == 0.0 for v in topo_order(chain.C))


def test_trace_repr_and_markdown():
    chain = linear_chain()
    t = Trace(chain.C)
    assert "10 nodes" in repr(t)
    assert t._repr_markdown_().startswith("```")


def test_a_neurons_pre_activation_prints_as_one_line_with_its_bias():
    from autograd import dot, draw, explain

    w = [Value(0.5, label="w1"), Value(-2.0, label="w2")]
    q = [Value(3.0, label="q1"), Value(0.25, label="q2")]
    b = Value(0.1, label="b")
    p = dot(w, q, b)
    p.label = "p"
    C = p.tanh()
    C.backward()
    text = trace_text(C)
    assert "p = dot: w1·q1 + w2·q2 + b" in " ".join(text.split())
    assert re.search(r"b\.grad\s+\+= 1 \* p\.grad", text), text
    assert re.search(r"w1\.grad\s+\+= q1 \* p\.grad", text), text
    assert "w·q + b" in draw(C, collapse=False).source
    # the bias's one path: dC/db = tanh'(p) · 1, and δ(p) × 1 is its split
    e = explain(C, b)
    assert [s for s, _ in e.paths[0].factors] == ["tanh'(p)", "1"]
    assert e.total == pytest.approx(1 - C.data**2, rel=1e-12) == pytest.approx(b.grad)
