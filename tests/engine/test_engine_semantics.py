"""What backward() means: reuse, accumulation, order, memory, depth and width."""

from __future__ import annotations

import gc
import importlib
import math
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, backward_steps, no_grad, topo_order

ROOT = Path(__file__).resolve().parents[2]


def _graph():
    """A small graph with reuse, a diamond and every kind of edge."""
    x = Value(0.7, label="x")
    w = Value(-1.3, label="w")
    p = x * w  # used twice below: a diamond
    q = p.tanh()
    r = p.sigmoid()
    s = q * r + x  # x reused
    t = (s * s).exp() / (1 + w * w)
    t.label = "t"
    return x, w, p, q, r, s, t


def _all_nodes(root):
    return topo_order(root)


# -- reuse ------------------------------------------------------------------------

def test_a_plus_a_is_two_edges():
    a = Value(3.0, label="a")
    b = a + a
    assert b.parents == (a, a) and b.local_grads == (1.0, 1.0)
    b.backward()
    assert a.grad == 2.0


def test_a_times_a_is_two_edges():
    a = Value(3.0, label="a")
    b = a * a
    assert len(b.parents) == 2 and b.parents[0] is a and b.parents[1] is a
    assert b.local_grads == (3.0, 3.0)
    b.backward()
    assert a.grad == 6.0


def test_dot_and_sum_keep_duplicate_parents():
    a = Value(2.0)
    s = autograd.sum([a, a, a])
    assert s.parents == (a, a, a)
    s.backward()
    assert a.grad == 3.0
    b = Value(5.0)
    d = autograd.dot([b, b], [b, 1.0])  # b*b + b*1
    d.backward()
    assert b.grad == pytest.approx(2 * 5.0 + 1.0)


def test_diamond_sums_both_paths():
    x = Value(0.5, label="x")
    a = x * 3.0
    b = x.exp()
    y = a * b  # two paths from x
    y.backward()
    assert x.grad == pytest.approx(3 * math.exp(0.5) + 3 * 0.5 * math.exp(0.5))
    assert a.grad == pytest.approx(math.exp(0.5)) and b.grad == pytest.approx(1.5)


def test_nested_diamonds_count_every_path():
    # y = x doubled 20 times through a + a: 2^20 paths, dy/dx = 2^20
    x = Value(1.0)
    y = x
    for _ in range(20):
        y = y + y
    y.backward()
    assert y.data == 2.0**20 and x.grad == 2.0**20
    assert len(topo_order(y)) == 21  # each node visited once, not once per path


def test_a_leaf_used_in_many_places():
    x = Value(1.5, label="x")
    terms = [x * float(k) for k in range(1, 501)] + [x.tanh(), x * x, 2**x]
    y = autograd.sum(terms)
    y.backward()
    expected = sum(range(1, 501)) + (1 - math.tanh(1.5) ** 2) + 3.0 + math.log(2) * 2**1.5
    assert x.grad == pytest.approx(expected, rel=1e-12)


def test_graph_grads_match_central_differences():
    def f(x, w):
        p = x * w
        s = p.tanh() * p.sigmoid() + x
        return (s * s).exp() / (1 + w * w)

    assert autograd.gradcheck(f, [0.7, -1.3])
    x, w, *_, t = _graph()
    t.backward()
    nx, nw = autograd.numerical_grad(f, [0.7, -1.3])
    assert x.grad == pytest.approx(nx, rel=1e-6) and w.grad == pytest.approx(nw, rel=1e-6)


# -- accumulation ---------------------------------------------------------------------

def test_repeated_backward_is_exactly_additive_on_every_node():
    *_, t = _graph()
    nodes = _all_nodes(t)
    t.backward()
    first = [n.grad for n in nodes]
    assert all(g != 0.0 for g in first[:3])
    t.backward()
    assert [n.grad for n in nodes] == [2 * g for g in first]  # intermediates included
    t.backward()
    assert [n.grad for n in nodes] == [3 * g for g in first]


def test_backward_from_another_root_adds_that_pass():
    x, w, p, q, r, s, t = _graph()
    t.backward()
    after_t = {n: n.grad for n in _all_nodes(t)}
    # a second pass from q alone: dq/dp = 1 - q^2, dq/dx = (1 - q^2) w
    q.backward()
    dq = 1 - q.data**2
    assert q.grad == after_t[q] + 1.0
    assert p.grad == pytest.approx(after_t[p] + dq)
    assert x.grad == pytest.approx(after_t[x] + dq * w.data)
    assert w.grad == pytest.approx(after_t[w] + dq * x.data)
    # nodes q does not depend on are untouched
    for n in (r, s, t):
        assert n.grad == after_t[n]


def test_micrograd_double_counts_intermediates_and_we_do_not():
    """micrograd 0.1.0 sets root.grad = 1 and lets intermediates keep their
    grad, so a second backward adds more than one pass to the leaves."""
    mg = importlib.import_module("micrograd.engine")

    def build(V):
        x = V(2.0)
        h = x * x  # intermediate
        y = h * 3
        return x, h, y

    x, h, y = build(mg.Value)
    y.backward()
    y.backward()
    assert x.grad != 2 * (3 * 2 * 2.0)  # the classic bug (it gets 36, not 24)

    x, h, y = build(Value)
    y.backward()
    y.backward()
    assert x.grad == 2 * (3 * 2 * 2.0) and h.grad == 2 * 3.0 and y.grad == 2.0


def test_backward_seed():
    x = Value(2.0)
    y = x * x
    y.backward(0.5)
    assert x.grad == 2.0 and y.grad == 0.5


def test_backward_from_an_intermediate_node():
    x, w, p, q, r, s, t = _graph()
    s.backward()
    assert s.grad == 1.0
    assert t.grad == 0.0  # downstream of s: not reached
    ds_dp = r.data * (1 - q.data**2) + q.data * r.data * (1 - r.data)
    assert p.grad == pytest.approx(ds_dp)
    assert x.grad == pytest.approx(ds_dp * w.data + 1.0)
    assert w.grad == pytest.approx(ds_dp * x.data)


def test_backward_of_a_leaf():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


# -- the step-by-step pass ------------------------------------------------------------

def test_backward_steps_equal_backward():
    *_, t1 = _graph()
    *_, t2 = _graph()
    t1.backward()
    steps = list(backward_steps(t2))
    n1, n2 = topo_order(t1), topo_order(t2)
    assert [s.node for s in steps] == n2  # one step per node, in backward's order
    assert [n.grad for n in n1] == [n.grad for n in n2]
    for step in steps:
        assert step.grad == step.node.grad  # a single pass: the step's grad is .grad
        if step.node is t2:
            assert step.contributions == [] and step.grad == 1.0
            continue
        for c in step.contributions:
            assert c.consumer.parents[c.index] is step.node
            assert c.local == c.consumer.local_grads[c.index]
            assert c.amount == c.local * c.consumer_grad
        assert math.fsum(c.amount for c in step.contributions) == pytest.approx(step.grad)


def test_backward_steps_stopped_early_changes_nothing():
    *_, t = _graph()
    it = backward_steps(t)
    next(it)
    next(it)
    del it
    assert all(n.grad == 0.0 for n in topo_order(t))


def test_topo_order_puts_consumers_before_parents():
    *_, t = _graph()
    order = topo_order(t)
    assert order[0] is t and len(order) == len(set(map(id, order)))
    position = {n: i for i, n in enumerate(order)}
    for n in order:
        for p in n.parents:
            assert position[p] > position[n]
    assert autograd.leaves(t) == [n for n in autograd.forward_order(t) if not n.parents]


_ORDER_SCRIPT = textwrap.dedent(
    """
    import autograd
    from autograd import Value
    xs = [Value(0.1 * i, label=f"x{i}") for i in range(6)]
    h = [autograd.dot(xs[:3], xs[3:]).tanh(), (xs[0] * xs[1]).sigmoid(), xs[2] + xs[2]]
    y = autograd.sum(h) * h[0] + (h[1] - h[2]) ** 2
    for k, n in enumerate(autograd.topo_order(y)):
        n.label = n.label or f"n{k}"
    print([(n.label, n.op, n.data) for n in autograd.topo_order(y)])
    print([(s.node.label, s.grad, [(c.consumer.label, c.index) for c in s.contributions])
           for s in autograd.backward_steps(y)])
    """
)


def test_traversal_order_is_the_same_on_every_run():
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run(
            [sys.executable, "-c", _ORDER_SCRIPT], cwd=ROOT, env=env,
            capture_output=True, text=True, check=True, timeout=120,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


# -- no_grad --------------------------------------------------------------------------

def test_no_grad_builds_no_parents():
    x = Value(2.0, label="x")
    with no_grad():
        assert not autograd.is_grad_enabled()
        ys = [x + 1, 1 + x, x * x, x / 3, x**2, 2**x, -x, x.exp(), x.log(), x.tanh(),
              x.sigmoid(), x.relu(), abs(x), x.sqrt(), autograd.sum([x, x]),
              autograd.dot([x], [x])]
    assert autograd.is_grad_enabled()
    assert len({y.__class__ for y in ys}) == 1
    for y in ys:
        assert y.parents == () and y.local_grads == () and y.op == ""
    assert ys[2].data == 4.0
    y = ys[2] * x  # a constant times x, outside no_grad
    y.backward()
    assert x.grad == 4.0


def test_no_grad_nests_and_restores_after_an_exception():
    with no_grad():
        with no_grad():
            pass
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("boom")
    assert autograd.is_grad_enabled()


# -- memory: no reference cycles --------------------------------------------------------

def _big_graph(n):
    xs = [Value(0.001 * i, label=f"x{i}") for i in range(n)]
    acc = xs[0]
    for x in xs[1:]:
        acc = (acc * x + x).tanh()
    y = autograd.sum([acc, autograd.dot(xs, xs)])
    y.backward()
    list(backward_steps(y))
    return y


def test_a_dropped_graph_is_freed_by_reference_counting():
    """With the cyclic collector off, dropping the root frees the whole graph:
    memory returns to where it was and the collector then finds no garbage."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y = _big_graph(5_000)
        built = tracemalloc.get_traced_memory()[0] - base
        del y
        left = tracemalloc.get_traced_memory()[0] - base
        unreachable = gc.collect()
    finally:
        tracemalloc.stop()
        if was_enabled:
            gc.enable()
    assert built > 1_000_000  # ~15k nodes really were allocated
    # CPython's tuple and float free lists keep a bounded number of freed
    # objects (at most 2000 per tuple size): allow those, nothing in proportion.
    assert left < 0.02 * built + 300_000, f"{left} of {built} bytes still held after del"
    assert unreachable == 0


def test_nodes_hold_no_closures_and_no_reference_to_themselves():
    """A node's slots hold numbers, strings, other nodes and tuples of them (None
    for an edge it lacks): nothing that could close a cycle back to the node
    (micrograd keeps a _backward closure)."""
    *_, t = _graph()
    for node in topo_order(t):
        for name in Value.__slots__:
            held = getattr(node, name)
            if name == "__dict__":  # the user's attributes (none here) and a label given
                held = tuple(held.values())
            assert not callable(held), (name, held)
            items = held if isinstance(held, tuple) else (held,)
            assert all(item is not node for item in items), name
            kinds = (Value, float, int, str, type(None))
            assert all(isinstance(i, kinds) for i in items), (name, held)


# -- depth and width ---------------------------------------------------------------------

@pytest.mark.slow
def test_a_million_op_chain_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 1000
    n = 500_000  # two ops per step: 10^6 ops
    c = 1.0 + 1e-6
    x = Value(1.0, label="x")
    y = x
    for _ in range(n):
        y = y * c + 1e-7
    y.backward()
    assert x.grad == pytest.approx(c**n, rel=1e-9)
    assert y.grad == 1.0
    y.backward()
    assert x.grad == pytest.approx(2 * c**n, rel=1e-9)
    del y  # dropping a 10^6-deep chain must not crash either
    gc.collect()


def test_sum_of_a_hundred_thousand_inputs_is_one_node():
    n = 100_000
    xs = [Value(float(i % 7) - 3.0) for i in range(n)]
    s = autograd.sum(xs)
    assert s.op == "sum" and len(s.parents) == n
    assert s.data == pytest.approx(math.fsum(x.data for x in xs))
    assert len(topo_order(s)) == n + 1
    s.backward()
    assert all(x.grad == 1.0 for x in xs)


def test_dot_of_a_hundred_thousand_inputs_is_one_node():
    n = 100_000
    ws = [Value(0.001 * (i % 101)) for i in range(n)]
    xs = [Value(1.0 - 0.002 * (i % 37)) for i in range(n)]
    p = autograd.dot(ws, xs)
    assert p.op == "dot" and len(p.parents) == 2 * n
    assert p.data == pytest.approx(math.fsum(w.data * x.data for w, x in zip(ws, xs)))
    p.backward()
    assert all(w.grad == x.data and x.grad == w.data for w, x in zip(ws, xs))


def test_dot_refuses_operands_of_different_lengths():
    with pytest.raises(ValueError, match="dot"):
        autograd.dot([Value(1.0)], [Value(1.0), Value(2.0)])


# -- the Value itself ----------------------------------------------------------------------

def test_leaf_attributes():
    v = Value(3, label="v")
    assert (v.data, v.grad, v.label, v.op, v.parents, v.local_grads) == (3.0, 0.0, "v", "", (), ())
    assert type(v.data) is float


def test_values_hash_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a is not b and len({a, b}) == 2
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2


def test_every_op_is_one_node():
    x, y = Value(0.5), Value(1.5)
    cases = {
        "+": x + y, "-": x - y, "*": x * y, "/": x / y, "neg": -x, "**": x**y,
        "exp": x.exp(), "log": x.log(), "tanh": x.tanh(), "sigmoid": x.sigmoid(),
        "relu": x.relu(), "abs": x.abs(), "sqrt": x.sqrt(),
        "sum": autograd.sum([x, y]), "dot": autograd.dot([x], [y]),
        **{m: getattr(x, m)() for m in ("sin", "cos", "tan", "sinh", "cosh", "asin", "acos",
                                        "atan", "asinh", "atanh", "log1p", "expm1", "log2",
                                        "log10", "erf", "gelu", "silu", "softplus")},
        "leaky_relu": x.leaky_relu(), "elu": x.elu(y),
        "acosh": y.acosh(), "atan2": autograd.atan2(x, y), "hypot": autograd.hypot(x, y),
        "maximum": autograd.maximum(x, y), "minimum": autograd.minimum(x, y),
    }
    assert set(cases) == set(autograd.OPS)
    for op, node in cases.items():
        assert node.op == op
        assert all(p is x or p is y for p in node.parents)
    assert abs(x).op == "abs"


class _Sub(Value):
    __slots__ = ()


def _edge_cases():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = _Sub(0.5, label="c")
    return [  # (node, parents, local derivatives, args), one per way a node keeps its edges
        (Value(1.0), (), (), ()),
        (a.tanh(), (a,), (1 - math.tanh(2.0) ** 2,), (a,)),
        (a * b, (a, b), (-3.0, 2.0), (a, b)),
        (a * a, (a, a), (2.0, 2.0), (a, a)),
        (a - 5, (a,), (1.0,), (a, 5)),
        (5 - a, (a,), (-1.0,), (5, a)),
        (autograd.sum([]), (), (), ()),
        (autograd.sum([a]), (a,), (1.0,), (a,)),
        (autograd.sum([a, b]), (a, b), (1.0, 1.0), (a, b)),
        (autograd.sum([a, 1.0, b]), (a, b), (1.0, 1.0), (a, 1.0, b)),
        (autograd.sum([c, a]), (c, a), (1.0, 1.0), (c, a)),
        (c * 4, (c,), (4.0,), (c, 4)),
        (autograd.dot([a, b], [b, 4.0], a), (a, b, b, a), (-3.0, 4.0, 2.0, 1.0), (a, b, b, 4.0, a)),
    ]


@pytest.mark.parametrize("case", range(len(_edge_cases())))
def test_parents_local_grads_and_args_read_back_from_every_kind_of_node(case):
    """Nodes keep one or two edges in slots and more in tuples (Value's docstring);
    .parents, .local_grads and .args must read the same either way, and backward
    (which reads the slots) must send local * grad along every edge."""
    node, parents, local_grads, args = _edge_cases()[case]
    assert node.parents == parents and all(p is q for p, q in zip(node.parents, parents))
    assert node.local_grads == pytest.approx(local_grads, rel=1e-12)
    assert len(node.args) == len(args)
    assert all(x is y if isinstance(y, Value) else x == y for x, y in zip(node.args, args))
    expected = {}
    for parent, local in zip(parents, node.local_grads):
        expected[parent] = expected.get(parent, 0.0) + 2.5 * local
    node.backward(2.5)
    assert node.grad == 2.5
    for parent, g in expected.items():
        assert parent.grad == pytest.approx(g, rel=1e-12)


def _reference_order(root):
    """The plain depth-first postorder, reversed: what topo_order must give."""
    placed, seen, stack = [], {root}, [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            placed.append(node)
    return placed[::-1]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_topo_order_on_random_dags_is_valid_complete_and_deterministic(data):
    leaves = [Value(float(i) / 7 + 0.1) for i in range(data.draw(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(data.draw(st.integers(0, 25))):
        kind = data.draw(st.sampled_from(["+", "*", "tanh", "sum", "dot", "dotb"]))
        pick = lambda: nodes[data.draw(st.integers(0, len(nodes) - 1))]  # noqa: E731
        if kind == "+":
            nodes.append(pick() + pick())
        elif kind == "*":
            nodes.append(pick() * pick())
        elif kind == "tanh":
            nodes.append(pick().tanh())
        elif kind == "sum":
            nodes.append(autograd.sum([pick() for _ in range(data.draw(st.integers(1, 4)))]))
        else:
            n = data.draw(st.integers(1, 3))
            ws, qs = [pick() for _ in range(n)], [pick() for _ in range(n)]
            nodes.append(autograd.dot(ws, qs, pick() if kind == "dotb" else None))
    root = nodes[-1]
    order = topo_order(root)
    assert order == _reference_order(root)
    position = {n: i for i, n in enumerate(order)}
    assert len(position) == len(order) and order[0] is root
    for n in order:
        assert all(position[p] > position[n] for p in n.parents)
    reachable, stack = {root}, [root]
    while stack:
        for p in stack.pop().parents:
            if p not in reachable:
                reachable.add(p)
                stack.append(p)
    assert set(order) == reachable


# -- the collector is paused for a pass, and only for it ---------------------------------

@pytest.mark.parametrize("running", [True, False])
def test_backward_leaves_the_garbage_collector_as_it_found_it(running):
    x = Value(2.0, label="x")
    y = (x * x).exp()
    was = gc.isenabled()
    (gc.enable if running else gc.disable)()
    try:
        y.backward()
        assert gc.isenabled() is running
        assert x.grad == pytest.approx(4.0 * math.exp(4.0))
        with pytest.raises(OverflowError, match="backward"):  # an error in the pass
            (Value(1.0, label="big") * 1e200).backward(1e200)  # d/dbig = 1e400
        assert gc.isenabled() is running
    finally:
        (gc.enable if was else gc.disable)()


def test_a_pass_starts_no_collection_however_many_nodes_it_walks():
    """Walking 200,000 nodes would start hundreds of collections if the collector
    ran; paused, at most one runs, as the collector resumes at the end."""
    y = Value(1.0)
    for _ in range(100_000):
        y = y * 1.0000001 + 1e-7
    collections = []
    gc.collect()  # start the pass with an empty young generation
    gc.callbacks.append(lambda phase, info: collections.append(phase))
    try:
        assert gc.isenabled()
        y.backward()
    finally:
        gc.callbacks.pop()
    assert collections.count("start") <= 1, len(collections)
    assert gc.isenabled()
