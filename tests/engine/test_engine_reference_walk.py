"""The reference reverse walk (reverse_steps) and backward(): the same numbers, exactly.

reverse_steps is the chain-rule loop written plainly and kept whole; backward()
is the same loop made fast. On random graphs (shared nodes, sum and dot with
and without a bias, numbers of several kinds folded in, any seed) every node's
backward() grad equals the walk's, bit for bit, and the walk touches no .grad.
"""

from __future__ import annotations

import functools
import math
import operator
from collections import defaultdict
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, backward_steps, topo_order
from autograd.backward import reverse_steps

NUMBER = st.one_of(
    st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False),
    st.integers(-3, 3),
    st.sampled_from([Fraction(1, 3), Fraction(-5, 7)]),
)
OPS = ["+", "-", "*", "neg", "tanh", "sigmoid", "sum", "dot", "dot+b", "num*", "+num", "pysum",
       "relu", "/"]


@st.composite
def graphs(draw):
    """A random DAG: every op reads earlier nodes (so nodes are shared) or folded numbers."""
    n_leaves = draw(st.integers(1, 4))
    nodes = [Value(draw(NUMBER.map(float)), label=f"a{i}") for i in range(n_leaves)]
    for _ in range(draw(st.integers(1, 18))):
        op = draw(st.sampled_from(OPS))
        pick = st.integers(0, len(nodes) - 1).map(nodes.__getitem__)
        a, b = draw(pick), draw(pick)
        try:
            v = _apply(draw, op, a, b, pick)
        except OverflowError:  # products of products can leave the floats: squash instead
            v = a.tanh()
        nodes.append(v)
    root = draw(st.sampled_from(nodes[n_leaves:]))
    seed = draw(st.one_of(st.just(1.0), st.floats(-3, 3, allow_nan=False)))
    return root, seed


def _apply(draw, op, a, b, pick):
    if op in ("+", "-", "*"):
        return {"+": operator.add, "-": operator.sub, "*": operator.mul}[op](a, b)
    if op == "neg":
        return -a
    if op in ("tanh", "sigmoid"):
        return getattr(a, op)()
    if op == "sum":
        return autograd.sum([a, b, draw(NUMBER), draw(pick)])
    if op in ("dot", "dot+b"):
        bias = draw(st.one_of(pick, NUMBER)) if op == "dot+b" else None
        return autograd.dot([a, draw(NUMBER)], [b, a], bias)
    if op == "pysum":  # Python's sum over temporaries: the chain of + is merged
        terms = (draw(pick) * draw(NUMBER) if draw(st.booleans()) else draw(pick)
                 for _ in range(draw(st.integers(1, 9))))
        return sum(terms, draw(st.one_of(st.just(0), pick)))
    if op == "relu":
        return a.relu()
    if op == "/":
        return a / (b * b + 1.0)
    if op == "num*":
        return draw(NUMBER) * a
    return a + draw(NUMBER)


def three_line_loop(root: Value, seed: float) -> dict:
    """The loop reverse_steps' docstring shows, verbatim."""
    grads = defaultdict(float, {root: seed})
    for node in topo_order(root):
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] += local * grads[node]
    return grads


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_backward_gives_exactly_the_grads_of_the_reference_walk(graph):
    root, seed = graph
    order = topo_order(root)
    steps = list(reverse_steps(root, seed))
    assert all(node.grad == 0.0 for node in order)  # the walk touched no .grad
    assert [s.node for s in steps] == order
    assert [s.index for s in steps] == list(range(len(order)))
    loop = three_line_loop(root, seed)
    if not all(math.isfinite(s.grad) for s in steps):  # backward refuses, writing nothing
        with pytest.raises(OverflowError):
            root.backward(seed)
        assert all(node.grad == 0.0 for node in order)
        return
    root.backward(seed)
    for step in steps:
        assert step.node.grad == step.grad == loop[step.node]  # exactly, not approximately


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_each_step_is_the_sum_of_what_its_consumers_sent(graph):
    root, seed = graph
    steps = list(reverse_steps(root, seed))
    received = {}
    for step in steps:
        node = step.node
        # a grad is its contributions added in arrival order, starting from 0.0
        if node is not root:
            assert step.grad == functools.reduce(
                operator.add, (c.amount for c in step.contributions), 0.0)
        else:
            assert step.contributions == [] and step.grad == float(seed)
        for c in step.contributions:
            assert c.consumer.parents[c.index] is node
            assert c.amount == c.local * c.consumer_grad
            assert received.pop(id(c)) is c  # the very object its sender sent
        assert [c.index for c in step.sent] == list(range(len(node.parents)))
        for c, local in zip(step.sent, node.local_grads):
            assert c.consumer is node and c.local == local and c.consumer_grad == step.grad
            received[id(c)] = c
    assert received == {}  # every contribution sent was received by a later step


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_without_contributions_the_walk_gives_the_same_grads(graph):
    root, seed = graph
    full = [(s.node, s.grad) for s in reverse_steps(root, seed)]
    light = list(reverse_steps(root, seed, contributions=False))
    assert [(s.node, s.grad) for s in light] == full
    assert all(s.contributions == [] and s.sent == [] for s in light)


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_backward_steps_run_to_the_end_adds_what_backward_adds(graph):
    root, seed = graph
    order = topo_order(root)
    if not all(math.isfinite(g) for g in three_line_loop(root, seed).values()):
        return  # both refuse: the test above sees to it
    list(backward_steps(root, seed))
    first = {n: n.grad for n in order}
    for n in order:
        n.grad = 0.0
    root.backward(seed)
    assert {n: n.grad for n in order} == first


def recursive_order(root: Value) -> list:
    """topo_order's docstring's recursive walk, written out."""
    placed, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            placed.append(node)

    visit(root)
    return placed[::-1]


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_topo_order_is_the_order_of_the_recursive_walk(graph):
    root, _ = graph
    assert topo_order(root) == recursive_order(root)


def test_a_deep_chain_walks_without_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(50_000):
        y = y * 1.00001
    *_, last = reverse_steps(y)
    assert last.node is x and last.grad == three_line_loop(y, 1.0)[x]
    assert x.grad == 0.0
