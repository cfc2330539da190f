"""MLP.trace: p and q in document 003's indexing; after backward, p[i][j].grad is δ.

The oracle is numpy: the forward pass p_l = W_l q_{l-1} + b_l, q_l = σ_l(p_l) and the
backward recursion δ_L = (q_L − y) ⊙ σ_L'(p_L), δ_{l−1} = (W_lᵀ δ_l) ⊙ σ_{l−1}'(p_{l−1}),
written out by hand; it never calls the engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Value
from nn import MLP, mse

SIGMA = {
    "identity": (lambda p: p, lambda p: np.ones_like(p)),
    "relu": (lambda p: np.maximum(p, 0.0), lambda p: (p > 0).astype(float)),
    "tanh": (np.tanh, lambda p: 1.0 - np.tanh(p) ** 2),
    "sigmoid": (lambda p: 1 / (1 + np.exp(-p)),
                lambda p: (1 / (1 + np.exp(-p))) * (1 - 1 / (1 + np.exp(-p)))),
}


def matrices(model):
    Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    bs = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    return Ws, bs


def numpy_deltas(model, x, y):
    """(ps, qs, deltas, weight grads) by hand, document 003 section IV."""
    Ws, bs = matrices(model)
    acts = [model.input_activation, *model.activations]
    ps = [np.array(x, dtype=float)]
    qs = [SIGMA[acts[0]][0](ps[0])]
    for W, b, a in zip(Ws, bs, acts[1:]):
        ps.append(W @ qs[-1] + b)
        qs.append(SIGMA[a][0](ps[-1]))
    L = len(Ws)
    deltas = [None] * (L + 1)
    deltas[L] = (qs[L] - np.array(y, dtype=float)) * SIGMA[acts[L]][1](ps[L])
    for i in range(L, 0, -1):
        deltas[i - 1] = (Ws[i - 1].T @ deltas[i]) * SIGMA[acts[i - 1]][1](ps[i - 1])
    dWs = [np.outer(deltas[i], qs[i - 1]) for i in range(1, L + 1)]
    return ps, qs, deltas, dWs


@pytest.mark.parametrize(
    "nin, nouts, acts, sigma0, seed",
    [
        (3, [4, 3, 2], ["tanh", "sigmoid", "identity"], "tanh", 0),
        (2, [5, 5, 1], ["relu", "relu", "identity"], None, 1),
        (1, [1, 1, 1], ["sigmoid", "tanh", "sigmoid"], "sigmoid", 2),
        (4, [3, 2], ["identity", "identity"], None, 3),
    ],
)
def test_trace_deltas_equal_numpy_backward_recursion(nin, nouts, acts, sigma0, seed):
    model = MLP(nin, nouts, activation=acts, input_activation=sigma0, seed=seed)
    rng = np.random.default_rng(seed)
    # move biases off zero so that relu units sit on both sides of the kink
    for p in model.parameters():
        if p.data == 0.0:
            p.data = float(rng.uniform(-0.5, 0.5))
    x = rng.uniform(-1.5, 1.5, size=nin).tolist()
    y = rng.uniform(-1.0, 1.0, size=nouts[-1]).tolist()

    t = model.trace(x)
    L = len(nouts)
    assert t.depth == L
    assert [len(layer) for layer in t.p] == [nin, *nouts]
    assert [len(layer) for layer in t.q] == [nin, *nouts]
    assert all(isinstance(v, Value) for layer in t.p + t.q for v in layer)
    out = [t.output] if isinstance(t.output, Value) else t.output
    assert out == t.q[L]

    cost = mse(t.output, y)
    cost.backward()
    ps, qs, deltas, dWs = numpy_deltas(model, x, y)
    for i in range(L + 1):
        np.testing.assert_allclose([v.data for v in t.p[i]], ps[i], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose([v.data for v in t.q[i]], qs[i], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose([v.grad for v in t.p[i]], deltas[i], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        [np.array(d) for d in t.deltas()[1]], deltas[1], rtol=1e-10, atol=1e-12
    )
    for i, layer in enumerate(model.layers, start=1):
        got = np.array([[w.grad for w in n.w] for n in layer.neurons])
        np.testing.assert_allclose(got, dWs[i - 1], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose([n.b.grad for n in layer.neurons], deltas[i], rtol=1e-10,
                                   atol=1e-12)


def test_trace_labels_and_structure():
    model = MLP(2, [3, 1], activation=["tanh", "identity"], input_activation="sigmoid", seed=0)
    t = model.trace([0.5, -0.25])
    assert [v.label for v in t.p[0]] == ["p0_0", "p0_1"]
    assert [v.label for v in t.q[0]] == ["q0_0", "q0_1"]
    assert [v.label for v in t.p[1]] == ["p1_0", "p1_1", "p1_2"]
    assert [v.label for v in t.q[1]] == ["q1_0", "q1_1", "q1_2"]
    assert t.p[2][0].label == "p2_0"
    # identity output: q is p itself, no node
    assert t.q[2][0] is t.p[2][0] and t.output is t.p[2][0]
    # each p is one dot node with the bias in it, reading the previous layer's q
    for i, layer in enumerate(model.layers, start=1):
        for j, n in enumerate(layer.neurons):
            p = t.p[i][j]
            assert p.op == "dot" and p.parents == (*n.w, *t.q[i - 1], n.b)
    assert t.q[1][0].op == "tanh" and t.q[1][0].parents == (t.p[1][0],)
    assert t.q[0][1].op == "sigmoid" and t.q[0][1].parents == (t.p[0][1],)


def test_trace_output_equals_call_and_identity_input_shares_p0():
    model = MLP(3, [4, 2], seed=5)
    t = model.trace([0.1, 0.2, 0.3])
    assert t.q[0] == t.p[0]  # sigma_0 = identity: q0 is p0
    assert [v.data for v in t.output] == [v.data for v in model([0.1, 0.2, 0.3])]


def test_trace_keeps_given_input_values():
    model = MLP(2, [2, 1], seed=0)
    xs = [Value(1.0, label="a"), Value(2.0)]
    t = model.trace(xs)
    assert t.p[0][0] is xs[0] and t.p[0][0].label == "a"
    assert t.p[0][1] is xs[1] and t.p[0][1].label == "p0_1"
    t.output.backward()
    assert xs[0].grad == t.deltas()[0][0]


def test_call_and_trace_build_the_same_graph_with_input_leaves():
    from autograd import numerical_grad, topo_order

    model = MLP(3, [4, 2, 1], activation="tanh", seed=2)
    x = [0.3, -1.2, 0.8]
    out = model(x)
    t = model.trace(x)
    assert len(topo_order(out)) == len(topo_order(t.output))
    assert [n.op for n in topo_order(out)] == [n.op for n in topo_order(t.output)]
    # the plain-number inputs became leaves of the graph: d out / dx is there to read
    inputs = [n for n in topo_order(out) if not n.parents and n not in model.parameters()]
    assert sorted(v.data for v in inputs) == sorted(x)
    out.backward()
    numeric = numerical_grad(lambda *xs: model(list(xs)), x)
    by_data = {v.data: v.grad for v in inputs}
    for xi, g in zip(x, numeric):
        assert by_data[xi] == pytest.approx(g, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("bad, kind", [(float("nan"), ValueError), (True, TypeError),
                                        ("a", TypeError), (10**400, OverflowError)])
def test_a_bad_input_is_named_by_mlp_and_index(bad, kind):
    model = MLP(2, [2, 1], seed=0)
    for call in (model, model.trace):
        with pytest.raises(kind, match=r"MLP: input 1 .*not usable"):
            call([0.5, bad])
