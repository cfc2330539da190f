"""micrograd's own names on chaingrad's Value: ``_prev``, ``_op``, ``_backward()`` and
attributes of the user's own (issue 23).

The patterns are the micrograd lecture's and its copies', written here by us: a
``trace``/``draw_dot`` over ``_prev`` and ``_op``; the lecture's neuron stepped back
by hand with ``_backward()``; an AdamW that keeps ``p.m`` and ``p.v`` on each
parameter (EurekaLabs' micrograd does); ``class Value(autograd.Value): pass``.
Oracles: ``backward()``, micrograd 0.1.0's own engine (the ``bench`` extra), and the
derivatives written out by hand.
"""

from __future__ import annotations

import math
import random
import threading

import pytest

import autograd
from autograd import Value, no_grad, topo_order

micro = pytest.importorskip("micrograd.engine")  # installed by make test (the bench extra)
micro_nn = pytest.importorskip("micrograd.nn")


# -- the lecture's drawing: a trace over _prev, a graph with an op node per _op --------


def trace(root):
    """Every node and edge below root, found through ``_prev`` (the lecture's walk)."""
    nodes, edges, stack = set(), set(), [root]
    while stack:
        v = stack.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for parent in v._prev:
            edges.add((parent, v))
            stack.append(parent)
    return nodes, edges


def draw_dot(root):
    from graphviz import Digraph

    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        color = getattr(n, "_vis_color", "white")
        dot.node(uid, f"{{ {n.label} | data {n.data:.4f} | grad {n.grad:.4f} }}",
                 shape="record", style="filled", fillcolor=color)
        if n._op:
            dot.node(uid + n._op, n._op)
            dot.edge(uid + n._op, uid)
    for a, b in edges:
        dot.edge(str(id(a)), str(id(b)) + b._op)
    return dot


def lecture_expression(V):
    a = V(2.0, label="a")
    b = V(-3.0, label="b")
    c = V(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = V(-2.0, label="f")
    L = d * f
    L.label = "L"
    return a, b, c, d, e, f, L


def test_prev_and_op_are_the_parents_and_the_op():
    a, b, c, d, e, f, L = lecture_expression(Value)
    assert L._prev == {d, f} and d._prev == {e, c} and e._prev == {a, b}
    assert type(L._prev) is set and a._prev == set()
    assert (L._op, d._op, e._op, a._op) == ("*", "+", "*", "")
    assert all(n._op == n.op and n._prev == set(n.parents) for n in topo_order(L))
    s = a * a  # a parent used twice is in the set once, as in micrograd
    assert s._prev == {a} and s.parents == (a, a)


def test_prev_on_every_kind_of_node():
    x, y = Value(1.0), Value(2.0)
    kinds = {
        "folded": (x * 3.0, {x}),
        "folded first": (3.0 - x, {x}),
        "unary": (x.tanh(), {x}),
        "sum": (autograd.sum([x, 1.0, y]), {x, y}),
        "dot": (autograd.dot([x, y], [y, 2.0], x), {x, y}),
        "merged sum": (sum(v * 1.0 for v in [x, y, x, y]), None),
    }
    for name, (node, parents) in kinds.items():
        assert node._prev == set(node.parents), name
        if parents is not None:
            assert node._prev == parents, name


def test_the_lectures_draw_dot_runs_over_prev_and_op():
    a, b, c, d, e, f, L = lecture_expression(Value)
    L.backward()
    nodes, edges = trace(L)
    assert nodes == {a, b, c, d, e, f, L}
    assert edges == {(a, e), (b, e), (e, d), (c, d), (d, L), (f, L)}
    dot = draw_dot(L)
    for text in ("a | data 2.0000 | grad 6.0000", "f | data -2.0000 | grad 4.0000",
                 "L | data -8.0000 | grad 1.0000"):
        assert text in dot.source
    assert dot.source.count("label=\"*\"") == 2 and dot.source.count("label=\"+\"") == 1
    svg = dot.pipe(format="svg").decode()  # Graphviz itself lays it out
    assert "grad 6.0000" in svg


def test_the_drawing_can_colour_nodes_with_an_attribute_of_its_own():
    a, b, c, d, e, f, L = lecture_expression(Value)
    for n in (a, b, c, f):
        n._vis_color = "lightgreen"
    source = draw_dot(L).source
    assert source.count("fillcolor=lightgreen") == 4 and source.count("fillcolor=white") == 3


# -- the lecture's neuron stepped back by hand -------------------------------------


def neuron(V):
    """The lecture's neuron: o = tanh(x1·w1 + x2·w2 + b), one node per step."""
    x1, x2 = V(2.0, label="x1"), V(0.0, label="x2")
    w1, w2 = V(-3.0, label="w1"), V(1.0, label="w2")
    b = V(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o


def _micro_tanh(v):
    """tanh for micrograd 0.1.0's Value (it has none), written as its ops are."""
    t = math.tanh(v.data)
    out = micro.Value(t, (v,), "tanh")

    def _backward():
        v.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


def micro_neuron():
    V = micro.Value
    x1, x2, w1, w2 = V(2.0), V(0.0), V(-3.0), V(1.0)
    b = V(6.8813735870195432)
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    return x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, _micro_tanh(n)


def step_back_by_hand(nodes):
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o = nodes
    o.grad = 1.0
    for node in (o, n, b, x1w1x2w2, x2w2, x1w1, x1, w1):  # the lecture's order (leaves: no-ops)
        node._backward()
    return [v.grad for v in nodes]


def test_the_lectures_neuron_stepped_by_hand_agrees_with_backward_and_by_hand_derivatives():
    by_hand = step_back_by_hand(neuron(Value))
    fresh = neuron(Value)
    fresh[-1].backward()
    assert by_hand == [v.grad for v in fresh]  # the same sums in the same order: bit for bit
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o = fresh
    do_dn = 1 - math.tanh(n.data) ** 2  # 0.5 at the lecture's b
    assert do_dn == pytest.approx(0.5, rel=1e-12)
    assert n.grad == b.grad == x1w1.grad == x2w2.grad == pytest.approx(do_dn, rel=1e-15)
    assert (x1.grad, w1.grad) == pytest.approx((-3.0 * do_dn, 2.0 * do_dn), rel=1e-15)
    assert (x2.grad, w2.grad) == pytest.approx((1.0 * do_dn, 0.0), rel=1e-15)


def test_the_lectures_neuron_stepped_by_hand_agrees_with_micrograds_engine():
    ours = step_back_by_hand(neuron(Value))
    theirs = step_back_by_hand(micro_neuron())
    assert ours == pytest.approx(theirs, rel=1e-13, abs=1e-15)
    full = micro_neuron()
    full[-1].backward()
    assert ours == pytest.approx([v.grad for v in full], rel=1e-13, abs=1e-15)


def test_stepping_in_topological_order_is_one_backward_on_a_graph_with_reuse():
    def graph():
        x, w = Value(0.7, label="x"), Value(-1.3, label="w")
        p = x * w
        s = p.tanh() * p.sigmoid() + x
        return x, w, (s * s).exp() / (1 + w * w)

    x, w, t = graph()
    t.grad = 1.0
    for node in topo_order(t):  # root first, each node before its parents
        node._backward()
    x2, w2, t2 = graph()
    t2.backward()
    assert (x.grad, w.grad) == pytest.approx((x2.grad, w2.grad), rel=1e-14)


def test_a_parent_used_twice_gets_both_contributions():
    a = Value(3.0, label="a")
    y = a * a
    y.grad = 1.0
    y._backward()
    assert a.grad == 6.0  # 3 + 3: both edges
    s = autograd.sum([a, a, a])
    a.grad = 0.0
    s.grad = 2.0
    s._backward()
    assert a.grad == 6.0


def test_backward_step_touches_nothing_but_the_parents():
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    p = x * y
    q = p + x
    q.grad = 1.0
    p._backward()  # p.grad is 0: sends 0 to x and y
    assert (x.grad, y.grad, p.grad, q.grad) == (0.0, 0.0, 0.0, 1.0)
    q._backward()
    assert (p.grad, x.grad, y.grad) == (1.0, 1.0, 0.0)  # q's step only: p not stepped
    q._backward()  # a second step adds again, as micrograd's does
    assert (p.grad, x.grad) == (2.0, 2.0)


# -- repeated backward: exact here, double counted by micrograd-style engines -----------


def test_repeated_backward_over_shared_nodes_is_exact_where_micrograd_double_counts():
    """Two losses that share a node, one backward each (as the first revision of
    microgpt does once per position): the sum of the two gradients, exactly."""

    def losses(V):
        x = V(1.5)
        h = x * x  # shared by both losses
        return x, h * 2.0, h * 3.0

    x, l1, l2 = losses(Value)
    l1.backward()
    l2.backward()
    assert x.grad == (2.0 + 3.0) * 2 * 1.5  # 15
    mx, m1, m2 = losses(micro.Value)
    m1.backward()
    m2.backward()
    assert mx.grad == 21.0  # h's gradient from the first pass is sent again: 6 + 15


# -- attributes of the user's own ---------------------------------------------------


def test_a_value_takes_attributes_of_its_own():
    p = Value(0.5, label="p")
    q = p * 2.0
    p.m, p.v, q._vis_color = 0.0, 0.0, "red"
    p.m += 1.0
    assert (p.m, p.v, q._vis_color) == (1.0, 0.0, "red")
    assert not hasattr(Value(1.0), "m") and not hasattr(p, "_vis_color")
    assert vars(p) == {"label": "p", "m": 1.0, "v": 0.0}
    del p.m
    assert not hasattr(p, "m")
    q.backward()  # attributes change nothing in the graph or the pass
    assert p.grad == 2.0 and q.op == "*" and q.parents == (p,)


def test_labels_stay_the_users_to_set_and_are_checked_when_given():
    v = Value(1.0)
    assert v.label == ""
    v.label = "v"
    assert v.label == "v" and Value(1.0).label == "" and (v * 2).label == ""
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)


ENGINE_NAMES = ["op", "_op", "parents", "_prev", "local_grads", "args", "primitive", "_backward"]


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_the_engines_own_attributes_refuse_a_write_and_a_delete(name):
    x = Value(2.0, label="x")
    c = x * 3.0
    c.label = "c"
    before = (c.op, c.parents, c.local_grads, c.args)
    with pytest.raises(AttributeError, match=rf"Value\.{name} is read-only \(node 'c' = 6\)"):
        setattr(c, name, ())
    with pytest.raises(AttributeError, match=rf"Value\.{name} is read-only"):
        delattr(c, name)
    vars(c)[name] = "smuggled"  # even put in the node's dict, the engine's view wins
    assert (c.op, c.parents, c.local_grads, c.args) == before
    c.backward()
    assert x.grad == 3.0


def test_the_refusals_say_what_to_do_instead():
    c = Value(2.0) * 3.0
    with pytest.raises(AttributeError, match="micrograd's name for .parents"):
        c._prev = set()
    with pytest.raises(AttributeError, match="autograd.register a Primitive"):
        c._backward = lambda: None
    with pytest.raises(AttributeError, match="build a new expression"):
        c.op = "+"


def test_changing_the_set_prev_returns_changes_no_graph():
    x, y = Value(1.0), Value(2.0)
    z = x + y
    z._prev.add(Value(5.0))
    z._prev.clear()
    assert z._prev == {x, y} and z.parents == (x, y)


def test_data_and_grad_stay_the_users_to_set():
    x = Value(2.0)
    y = x * x
    y.grad = None  # PyTorch's zero_grad(set_to_none=True): counted as 0
    x.data = 3.0
    y.grad = 1.0
    y._backward()
    assert x.grad == 4.0  # the local derivatives are the ones taken at the forward values


# -- hostile use of _backward ---------------------------------------------------------


def test_backward_step_on_a_leaf_on_a_zero_grad_and_on_a_node_made_under_no_grad():
    leaf = Value(2.0, label="leaf")
    leaf.grad = 5.0
    leaf._backward()
    assert leaf.grad == 5.0
    with no_grad():
        frozen = leaf * 3.0  # no graph: a leaf with no parents
    frozen.grad = 1.0
    frozen._backward()
    assert frozen._prev == set() and frozen._op == "" and leaf.grad == 5.0
    y = leaf * 3.0
    with no_grad():  # stepping back builds no graph, so it works under no_grad too
        y.grad = 2.0
        y._backward()
    assert leaf.grad == 11.0


def test_backward_step_with_a_grad_of_none_or_no_number():
    x = Value(2.0, label="x")
    y = x * 3.0
    y.label = "y"
    x.grad = None
    y.grad = 1.0
    y._backward()
    assert x.grad == 3.0
    y.grad = "1"
    with pytest.raises(TypeError, match=r"_backward: the \.grad of node 'y' = 6 is str"):
        y._backward()
    y.grad, x.grad = 1.0, [0.0]
    with pytest.raises(TypeError, match=r"the \.grad of node 'x' = 2 is list"):
        y._backward()
    assert x.grad == [0.0]


def test_backward_step_that_would_overflow_changes_nothing():
    a, b = Value(1.0, label="a"), Value(1e200, label="b")
    c = a * b  # d c / d a = 1e200
    c.label = "c"
    b.grad = 7.0
    c.grad = 1e200
    with pytest.raises(OverflowError, match="_backward of node 'c'.*'a' = 1 would become inf"):
        c._backward()
    assert (a.grad, b.grad) == (0.0, 7.0)


def test_backward_steps_from_threads_into_a_shared_parent_lose_no_update():
    for _ in range(5):
        shared = Value(1.0, label="shared")
        consumers = [shared * float(k) for k in range(1, 201)]
        for c in consumers:
            c.grad = 1.0
        barrier = threading.Barrier(4)

        def work(part, barrier=barrier):
            barrier.wait()
            for c in part:
                c._backward()

        threads = [threading.Thread(target=work, args=(consumers[k::4],)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert shared.grad == sum(range(1, 201))


# -- EurekaLabs' pattern: an AdamW with its state on the parameters ------------------


class AdamW:
    """An AdamW that keeps its moments on the parameters, as EurekaLabs' micrograd does."""

    def __init__(self, params, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4):
        self.params, self.lr, self.eps, self.wd = params, lr, eps, weight_decay
        self.b1, self.b2 = betas
        self.t = 0
        for p in params:
            p.m = 0.0
            p.v = 0.0

    def step(self):
        self.t += 1
        for p in self.params:
            if p.grad is None:
                continue
            p.m = self.b1 * p.m + (1 - self.b1) * p.grad
            p.v = self.b2 * p.v + (1 - self.b2) * p.grad**2
            m_hat = p.m / (1 - self.b1**self.t)
            v_hat = p.v / (1 - self.b2**self.t)
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.wd * p.data)

    def zero_grad(self):
        for p in self.params:
            p.grad = 0  # an int, as EurekaLabs writes it


def train_with_adamw(V, steps=8):
    """A 2-4-1 network of micrograd's shape written with V's operators, trained with AdamW
    on a few points; returns the loss of every step."""
    rng = random.Random(7)
    layers = [[([V(rng.uniform(-1, 1)) for _ in range(nin)], V(0)) for _ in range(nout)]
              for nin, nout in ((2, 4), (4, 1))]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    data = [([rng.uniform(-2, 2), rng.uniform(-2, 2)], rng.choice((-1.0, 1.0))) for _ in range(6)]
    opt = AdamW(params)
    history = []
    for _ in range(steps):
        total = V(0.0)
        for x, y in data:
            q = [V(xi) for xi in x]
            for k, layer in enumerate(layers):
                q = [sum((wi * qi for wi, qi in zip(w, q)), b) for w, b in layer]
                q = [p.relu() for p in q] if k == 0 else q
            total = total + (1 + -y * q[0]).relu() + (q[0] - y) ** 2 / 2
        loss = total * (1.0 / len(data))
        loss.backward()
        opt.step()
        opt.zero_grad()
        history.append(loss.data)
    return history, params


class SubValue(Value):  # EurekaLabs' micrograd with only its class swapped
    pass


def test_an_adamw_that_keeps_its_state_on_the_parameters_trains_as_on_micrograd():
    ours, params = train_with_adamw(Value)
    theirs, their_params = train_with_adamw(micro.Value)
    sub, _ = train_with_adamw(SubValue)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert sub == ours
    assert ours[-1] < ours[0]
    assert [p.m for p in params] == pytest.approx([p.m for p in their_params], rel=1e-9, abs=1e-15)


# -- micrograd's demo with init="micrograd" --------------------------------------------


def demo_losses(model, V, X, y, steps):
    """micrograd's demo loop (hinge loss, 1e-4 L2, SGD with its decaying rate) for a few steps."""
    losses = []
    for k in range(steps):
        inputs = [list(map(V, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(X))
        total = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        total.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total.data)
    return losses


def test_init_micrograd_reproduces_micrograds_demo_from_the_same_seed():
    from nn import MLP, moons

    X, y = moons(n=24, noise=0.1, seed=3)
    random.seed(1337)
    theirs = micro_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1], init="micrograd")
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    got = demo_losses(ours, Value, X, y, 3)
    want = demo_losses(theirs, micro.Value, X, y, 3)
    assert got == pytest.approx(want, rel=1e-12)
    random.seed(1337)
    default = MLP(2, [16, 16, 1])  # chaingrad's own initialisation draws other weights
    assert [p.data for p in default.parameters()] != [p.data for p in theirs.parameters()]


# -- the lecture's second half, its exercises, micrograd's own engine tests -------------


def lecture_mlp_losses(V, tanh, steps=5):
    """The lecture's MLP(3, [4, 4, 1]) of tanh neurons, sum(..., b) per neuron, squared
    error, SGD with p.data += -0.1 * p.grad after zeroing p.grad by hand."""
    rng = random.Random(42)

    def layer(nin, nout):
        return [([V(rng.uniform(-1, 1)) for _ in range(nin)], V(rng.uniform(-1, 1)))
                for _ in range(nout)]

    layers = [layer(3, 4), layer(4, 4), layer(4, 1)]
    params = [p for lay in layers for w, b in lay for p in (*w, b)]
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    history = []
    for _ in range(steps):
        ypred = []
        for x in xs:
            q = x
            for lay in layers:
                q = [tanh(sum((wi * qi for wi, qi in zip(w, q)), b)) for w, b in lay]
            ypred.append(q[0])
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data += -0.1 * p.grad
        history.append(loss.data)
    return history


def test_the_lectures_mlp_trains_as_on_micrograds_engine():
    ours = lecture_mlp_losses(Value, Value.tanh)
    theirs = lecture_mlp_losses(micro.Value, _micro_tanh)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert ours[-1] < ours[0]


def test_the_exercises_softmax_and_negative_log_likelihood():
    """The exercise: softmax by exp, sum and division, then -log p[3]; its gradient with
    respect to the logits is p - onehot(3) (derived by hand)."""
    logits = [Value(0.0), Value(3.0), Value(-2.0), Value(1.0)]
    counts = [v.exp() for v in logits]
    denominator = sum(counts)
    probs = [c / denominator for c in counts]
    loss = -probs[3].log()
    loss.backward()
    es = [math.exp(v.data) for v in logits]
    p = [e / sum(es) for e in es]
    assert loss.data == pytest.approx(-math.log(p[3]), rel=1e-14)
    want = [pk - (k == 3) for k, pk in enumerate(p)]
    assert [v.grad for v in logits] == pytest.approx(want, rel=1e-12, abs=1e-15)


def micrograd_test_expressions(V):
    """Expressions of the kind micrograd's own test_engine.py checks: numbers on both
    sides, in-place +=, powers, relu, division by and of numbers."""
    x = V(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    a, b = V(-4.0), V(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return (x, y), (a, b, g)


def test_micrograds_own_engine_test_expressions_agree_with_micrograd():
    (x, y), (a, b, g) = micrograd_test_expressions(Value)
    (mx, my), (ma, mb, mg) = micrograd_test_expressions(micro.Value)
    y.backward()
    my.backward()
    g.backward()
    mg.backward()
    assert (y.data, x.grad) == pytest.approx((my.data, mx.grad), rel=1e-14)
    assert (g.data, a.grad, b.grad) == pytest.approx((mg.data, ma.grad, mb.grad), rel=1e-12)
    # by hand, at x = -4 (z = 3x + 2 = -10 < 0, so relu(z) = 0): y = z² + z·x + z·x²
    assert y.data == -20.0 and x.grad == 46.0  # dy/dx = 6z + (6x + 2) + (9x² + 4x)


def test_the_replay_recipe_compile_gives_what_rebuilding_the_graph_gives():
    """For code that would build a graph once and run it again on new numbers: write the
    loss as a function and compile it; every call equals a graph built afresh."""

    def loss(w, x, y):
        p = w[0] * x[0] + w[1] * x[1] + w[2]
        return (p.tanh() - y) ** 2

    step = autograd.compile(loss)
    w = [0.5, -1.0, 0.1]
    rng = random.Random(1)
    for _ in range(20):
        x, y = [rng.uniform(-2, 2), rng.uniform(-2, 2)], rng.choice((-1.0, 1.0))
        value, grads = step(w, x, y)
        ws = [Value(v) for v in w]
        rebuilt = loss(ws, [Value(v) for v in x], y)
        rebuilt.backward()
        assert value == rebuilt.data and grads == [v.grad for v in ws]
        w = [wi - 0.1 * gi for wi, gi in zip(w, grads)]
