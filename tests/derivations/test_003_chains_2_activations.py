"""Document 003, "Backpropagation II - non-linear activations".

One node per layer, an activation σ_i at every node, σ_0 on the input included:
p0 = x0, q_i = σ_i(p_i), p_{i+1} = w_{i,i+1} q_i, C = (q3 − y)²/2.
Oracle: the section's δ chains, computed in numpy with σ_i and σ_i'.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Value

from .helpers import act, away_from_zero, rng

# σ0..σ3: a spread of combinations, every activation at every position at least once
COMBOS = [
    ("tanh", "sigmoid", "tanh", "identity"),
    ("sigmoid", "tanh", "exp", "sigmoid"),
    ("identity", "relu", "tanh", "exp"),
    ("exp", "identity", "sigmoid", "tanh"),
    ("relu", "exp", "identity", "relu"),
    ("tanh", "tanh", "tanh", "tanh"),
    ("sigmoid", "sigmoid", "relu", "identity"),
]
SEEDS = [0, 1, 2]


def _problem(seed):
    r = rng(seed)
    w = [float(v) for v in away_from_zero(r, 3, 0.4, 1.3)]
    p0 = float(r.uniform(0.3, 1.2))  # positive, so that relu on the input is not dead
    y = float(r.normal())
    return p0, y, w


def _engine(p0, y, w, names):
    """Build the chain from Values, run backward, return (weights, p nodes, q nodes, C)."""
    acts = [act(n) for n in names]
    ws = [Value(v) for v in w]
    p = [Value(p0, "p0")]
    q = [acts[0].value(p[0])]
    for i in range(3):
        p.append(ws[i] * q[i])
        q.append(acts[i + 1].value(p[i + 1]))
    C = (q[3] - y) ** 2 / 2
    C.backward()
    return ws, p, q, C


def _oracle(p0, y, w, names):
    """The section's forward chains p_i, q_i and backward chains δ_0..δ_3, in numpy."""
    acts = [act(n) for n in names]
    p = [np.float64(p0)]
    q = [acts[0].f(p[0])]
    for i in range(3):
        p.append(w[i] * q[i])
        q.append(acts[i + 1].f(p[i + 1]))
    d = [(q[3] - y) * acts[3].df(p[3])]  # δ0 = (q3 − y) σ3'(p3)
    d.append(d[0] * w[2] * acts[2].df(p[2]))  # δ1 = δ0 w23 σ2'(p2)
    d.append(d[1] * w[1] * acts[1].df(p[1]))  # δ2 = δ1 w12 σ1'(p1)
    d.append(d[2] * w[0] * acts[0].df(p[0]))  # δ3 = δ2 w01 σ0'(p0)
    return p, q, d


@pytest.mark.parametrize("names", COMBOS, ids=["-".join(c) for c in COMBOS])
@pytest.mark.parametrize("seed", SEEDS)
def test_dC_dw_i_iplus1_eq_delta_2_minus_i_q_i(seed, names):
    """003 §II: ∂C/∂w_{i,i+1} = δ_{2−i} q_i, with a different σ_i at every node (σ_0 included)."""
    p0, y, w = _problem(seed)
    ws, _, _, _ = _engine(p0, y, w, names)
    _, q, d = _oracle(p0, y, w, names)
    for i in range(3):
        assert ws[i].grad == pytest.approx(d[2 - i] * q[i], rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("names", COMBOS, ids=["-".join(c) for c in COMBOS])
@pytest.mark.parametrize("seed", SEEDS)
def test_backward_chains_delta_k_are_grads_of_p_3_minus_k(seed, names):
    """003 §II: δ0 = (q3 − y)σ3'(p3), δ1 = δ0 w23 σ2'(p2), δ2 = δ1 w12 σ1'(p1),
    δ3 = δ2 w01 σ0'(p0): δ_k is the grad of the pre-activation p_{3−k}."""
    p0, y, w = _problem(seed)
    _, p, _, _ = _engine(p0, y, w, names)
    _, _, d = _oracle(p0, y, w, names)
    assert [p[3].grad, p[2].grad, p[1].grad, p[0].grad] == pytest.approx(d, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("names", COMBOS, ids=["-".join(c) for c in COMBOS])
@pytest.mark.parametrize("seed", SEEDS)
def test_forward_chains_p_i_q_i(seed, names):
    """003 §II: the forward chains p0, q0 = σ0(p0), p1 = w01 q0, …,
    q3 = σ3(w23 σ2(w12 σ1(w01 σ0(p0))))."""
    p0, y, w = _problem(seed)
    _, p, q, _ = _engine(p0, y, w, names)
    po, qo, _ = _oracle(p0, y, w, names)
    assert [v.data for v in p] == pytest.approx(po, rel=1e-12)
    assert [v.data for v in q] == pytest.approx(qo, rel=1e-12)


@pytest.mark.parametrize("names", COMBOS, ids=["-".join(c) for c in COMBOS])
@pytest.mark.parametrize("seed", SEEDS)
def test_dC_dw01_written_out_in_full(seed, names):
    """003 §II: ∂C/∂w01 = (q3−y) σ3'(w23σ2(w12σ1(w01σ0(p0)))) w23 σ2'(w12σ1(w01σ0(p0)))
    w12 σ1'(w01σ0(p0)) σ0(p0), the nested expression evaluated literally."""
    p0, y, w = _problem(seed)
    s = [act(n) for n in names]
    w01, w12, w23 = w
    inner1 = w01 * s[0].f(p0)
    inner2 = w12 * s[1].f(inner1)
    inner3 = w23 * s[2].f(inner2)
    q3 = s[3].f(inner3)
    expected = (
        (q3 - y) * s[3].df(inner3) * w23 * s[2].df(inner2) * w12 * s[1].df(inner1) * s[0].f(p0)
    )
    ws, _, _, _ = _engine(p0, y, w, names)
    assert ws[0].grad == pytest.approx(expected, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_identity_activations_reduce_to_section_I(seed):
    """003 §II sanity check: with σ_i = id, p_i = q_i = x_i and the derivatives and δ chains
    are those of §I: ∂C/∂w_{i,i+1} = δ_{2−i} x_i with δ0 = x3 − y, δ1 = w23 δ0, δ2 = w12 δ1."""
    p0, y, w = _problem(seed)
    ws, p, q, _ = _engine(p0, y, w, ("identity",) * 4)
    w01, w12, w23 = w
    x = [p0, w01 * p0, w12 * w01 * p0, w23 * w12 * w01 * p0]
    d = [x[3] - y, w23 * (x[3] - y), w12 * w23 * (x[3] - y), w01 * w12 * w23 * (x[3] - y)]
    assert [v.data for v in p] == pytest.approx(x, rel=1e-12)
    assert [v.data for v in q] == pytest.approx(x, rel=1e-12)
    assert [ws[i].grad for i in range(3)] == pytest.approx([d[2] * x[0], d[1] * x[1], d[0] * x[2]])
    assert [p[3].grad, p[2].grad, p[1].grad, p[0].grad] == pytest.approx(d, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_all_derivatives_vanish_when_q3_eq_y(seed):
    """003 §II sanity check: every derivative is proportional to (q3 − y): all vanish at q3 = y."""
    p0, _, w = _problem(seed)
    names = ("tanh", "sigmoid", "exp", "tanh")
    _, q, _ = _oracle(p0, 0.0, w, names)
    ws, _, _, _ = _engine(p0, float(q[3]), w, names)
    assert [v.grad for v in ws] == pytest.approx([0.0, 0.0, 0.0], abs=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_delta_recursion_needs_the_subscripted_sigma_i_prime(seed):
    """003 §II, erratum: the recursions are written δ1 = δ0 w23 σ'(p2), δ2 = δ1 w12 σ'(p1),
    δ3 = δ2 w01 σ'(p0) with an unsubscripted σ'. With a different σ_i per node (the section's
    own setting) only σ_2', σ_1', σ_0' give the chains; any single σ' (e.g. σ_3', the one in
    δ0) does not."""
    names = ("sigmoid", "tanh", "exp", "sigmoid")
    p0, y, w = _problem(seed)
    _, p, _, _ = _engine(p0, y, w, names)
    po, _, d = _oracle(p0, y, w, names)
    s = [act(n) for n in names]
    corrected_d1 = d[0] * w[2] * s[2].df(po[2])
    assert p[2].grad == pytest.approx(corrected_d1, rel=1e-10)
    for j in (0, 1, 3):  # any other σ_j' in place of σ_2'
        written_d1 = d[0] * w[2] * s[j].df(po[2])
        assert written_d1 != pytest.approx(p[2].grad, rel=1e-6)

