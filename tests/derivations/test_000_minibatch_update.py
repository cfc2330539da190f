"""Document 000: the minibatch gradient-descent rule w^l → w^l − η/m Σ_x δ^{x,l}(a^{x,l−1})ᵀ,
BP1–BP4, and the Hadamard alternative the question proposes.

Notation of the document (Nielsen's): z^l = w^l a^{l−1} + b^l, a^l = σ(z^l),
C_x = ½‖a^{x,L} − y^x‖², δ^{x,l} = ∂C_x/∂z^{x,l}; layer l has j neurons, layer l−1 has k.
Oracle: numpy.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import autograd

from .helpers import act, assert_close, col, grads, half_sq, mat, matvec, not_close, rng, vec

# (sizes n0..nL, activations σ^1..σ^L)
NETS = [
    ((3, 4, 2), ("tanh", "sigmoid")),
    ((2, 3, 3, 1), ("sigmoid", "tanh", "identity")),
    ((4, 2, 5), ("tanh", "exp")),
    ((3, 3, 3), ("sigmoid", "sigmoid")),
]
SEEDS = [0, 1, 2]


def _params(seed, sizes):
    r = rng(seed)
    L = len(sizes) - 1
    Ws = [r.normal(size=(sizes[l + 1], sizes[l])) / np.sqrt(sizes[l]) for l in range(L)]
    bs = [col(r.normal(size=sizes[l + 1]) * 0.3) for l in range(len(sizes) - 1)]
    return Ws, bs


def _batch(seed, sizes, m):
    r = rng(1000 + seed)
    return r.normal(size=(m, sizes[0])), r.normal(size=(m, sizes[-1]))


def _numpy_backprop(Ws, bs, acts, x, y):
    """BP1–BP2 in numpy for one example: activations a^0..a^L, pre-activations z^1..z^L,
    errors δ^1..δ^L."""
    a, zs = [col(x)], []
    for W, b, s in zip(Ws, bs, acts):
        zs.append(W @ a[-1] + b)
        a.append(s.f(zs[-1]))
    deltas = [(a[-1] - col(y)) * acts[-1].df(zs[-1])]  # BP1: ∇_a C ⊙ σ'(z^L)
    for l in range(len(Ws) - 1, 0, -1):  # BP2: ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ'(z^l)
        deltas.insert(0, (Ws[l].T @ deltas[0]) * acts[l - 1].df(zs[l - 1]))
    return a, zs, deltas


def _values_net(Ws, bs, acts, x, y):
    """The same network from Values; returns weight/bias Values, z nodes, cost."""
    Wv = [mat(W) for W in Ws]
    bv = [vec(b) for b in bs]
    a = vec(x)
    zs = []
    for W, b, s in zip(Wv, bv, acts):
        z = [p + c for p, c in zip(matvec(W, a), b)]
        zs.append(z)
        a = s.on(z)
    return Wv, bv, zs, half_sq(a, y)


@pytest.mark.parametrize("sizes,names", NETS, ids=[str(s) for s, _ in NETS])
@pytest.mark.parametrize("seed", SEEDS)
def test_BP1_to_BP4_on_a_network_of_values(seed, sizes, names):
    """000 (question: "BP4 … ∂C/∂w^l_jk = a^{l−1}_k δ^l_j"), with BP1 δ^L = ∇_aC ⊙ σ'(z^L),
    BP2 δ^l = ((w^{l+1})ᵀδ^{l+1}) ⊙ σ'(z^l), BP3 ∂C/∂b^l_j = δ^l_j,
    BP4 ∂C/∂w^l_jk = a^{l−1}_k δ^l_j."""
    acts = [act(n) for n in names]
    Ws, bs = _params(seed, sizes)
    X, Y = _batch(seed, sizes, 1)
    Wv, bv, zs, C = _values_net(Ws, bs, acts, X[0], Y[0])
    C.backward()
    a, _, deltas = _numpy_backprop(Ws, bs, acts, X[0], Y[0])
    for l in range(len(Ws)):
        assert_close(col(grads(zs[l])), deltas[l], what=f"BP1/BP2: grad z^{l + 1} = delta^{l + 1}")
        assert_close(col(grads(bv[l])), deltas[l], what=f"BP3 at layer {l + 1}")
        gW = grads(Wv[l])
        for j in range(gW.shape[0]):
            for k in range(gW.shape[1]):
                assert gW[j, k] == pytest.approx(a[l][k, 0] * deltas[l][j, 0], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("sizes,names", NETS, ids=[str(s) for s, _ in NETS])
@pytest.mark.parametrize("seed", SEEDS)
def test_BP4_as_a_matrix_is_the_outer_product_delta_aT(seed, sizes, names):
    """000 (answer): "to get a (j × k) matrix, we take the outer product of these two vectors":
    ∂C/∂w^l = δ^l (a^{l−1})ᵀ, shape (j, k) = shape of w^l."""
    acts = [act(n) for n in names]
    Ws, bs = _params(seed, sizes)
    X, Y = _batch(seed, sizes, 1)
    Wv, _, _, C = _values_net(Ws, bs, acts, X[0], Y[0])
    C.backward()
    a, _, deltas = _numpy_backprop(Ws, bs, acts, X[0], Y[0])
    for l in range(len(Ws)):
        outer = deltas[l] @ a[l].T
        assert outer.shape == Ws[l].shape
        assert_close(grads(Wv[l]), outer)
        assert_close(outer, np.outer(deltas[l], a[l]))


@pytest.mark.parametrize("m", [1, 3, 8])
@pytest.mark.parametrize("sizes,names", NETS, ids=[str(s) for s, _ in NETS])
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_step_over_batch_eq_w_minus_eta_over_m_sum_delta_aT(seed, sizes, names, m):
    """000: w^l → w^l − η/m Σ_x δ^{x,l}(a^{x,l−1})ᵀ (and b^l → b^l − η/m Σ_x δ^{x,l}), the
    engine's gradient of the batch-mean cost taken on Values, one gradient-descent step."""
    acts = [act(n) for n in names]
    Ws, bs = _params(seed, sizes)
    X, Y = _batch(seed, sizes, m)
    eta = 0.3
    Wv = [mat(W) for W in Ws]
    bv = [vec(b) for b in bs]
    costs = []
    for x, y in zip(X, Y):
        a = vec(x)
        for W, b, s in zip(Wv, bv, acts):
            a = s.on([p + c for p, c in zip(matvec(W, a), b)])
        costs.append(half_sq(a, y))
    (autograd.sum(costs) / m).backward()
    sums_W = [np.zeros_like(W) for W in Ws]
    sums_b = [np.zeros_like(b) for b in bs]
    for x, y in zip(X, Y):
        a, _, deltas = _numpy_backprop(Ws, bs, acts, x, y)
        for l in range(len(Ws)):
            sums_W[l] += deltas[l] @ a[l].T
            sums_b[l] += deltas[l]
    for l in range(len(Ws)):
        assert_close(Ws[l] - eta * grads(Wv[l]), Ws[l] - eta / m * sums_W[l], what=f"w^{l + 1}")
        assert_close(bs[l] - eta * col(grads(bv[l])), bs[l] - eta / m * sums_b[l])


def _nn():
    return importlib.import_module("nn")


def _mlp_matrices(model):
    Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    bs = [col([n.b.data for n in layer.neurons]) for layer in model.layers]
    return Ws, bs


MLPS = [
    (3, [4, 2], ["tanh", "sigmoid"]),
    (2, [3, 3, 1], ["sigmoid", "tanh", "identity"]),
    (4, [5, 3], ["tanh", "identity"]),
    (3, [3, 3], ["relu", "identity"]),
]


@pytest.mark.parametrize("m", [1, 4, 8])
@pytest.mark.parametrize("nin,nouts,names", MLPS, ids=[str(c[1]) for c in MLPS])
@pytest.mark.parametrize("seed", [0, 1])
def test_nn_SGD_step_over_batch_eq_w_minus_eta_over_m_sum_delta_aT(seed, nin, nouts, names, m):
    """000: one nn.SGD step on the batch-mean cost (1/m) Σ_x ½‖a^{x,L} − y^x‖² of an nn.MLP
    equals w^l − η/m Σ_x δ^{x,l}(a^{x,l−1})ᵀ for every layer (biases: b^l − η/m Σ_x δ^{x,l})."""
    nn = _nn()
    model = nn.MLP(nin, nouts, activation=names, seed=seed)
    acts = [act(n) for n in names]
    Ws, bs = _mlp_matrices(model)
    r = rng(50 + seed)
    X, Y = r.normal(size=(m, nin)), r.normal(size=(m, nouts[-1]))
    eta = 0.25
    loss = autograd.sum([nn.mse(model(x.tolist()), y.tolist()) for x, y in zip(X, Y)]) / m
    model.zero_grad()
    loss.backward()
    nn.SGD(model.parameters(), lr=eta).step()
    new_Ws, new_bs = _mlp_matrices(model)
    for l in range(len(Ws)):
        total_W, total_b = np.zeros_like(Ws[l]), np.zeros_like(bs[l])
        for x, y in zip(X, Y):
            a, _, deltas = _numpy_backprop(Ws, bs, acts, x, y)
            total_W += deltas[l] @ a[l].T
            total_b += deltas[l]
        assert_close(new_Ws[l], Ws[l] - eta / m * total_W, what=f"w^{l + 1}")
        assert_close(new_bs[l], bs[l] - eta / m * total_b, what=f"b^{l + 1}")


@pytest.mark.parametrize("jk", [(2, 3), (4, 2), (3, 5)])
@pytest.mark.parametrize("seed", SEEDS)
def test_hadamard_alternative_delta_odot_a_cannot_be_formed(seed, jk):
    """000 (question): w^l → w^l − η/m Σ_x δ^{x,l} ⊙ a^{x,l−1}: δ has j entries, a has k, and the
    Hadamard product of vectors of different lengths does not exist (numpy raises ValueError).
    The only elementwise product numpy forms from a column δ and a row aᵀ is broadcasting,
    which *is* the outer product δaᵀ of the book."""
    j, k = jk
    r = rng(seed)
    delta, a = r.normal(size=j), r.normal(size=k)
    with pytest.raises(ValueError):
        delta * a
    with pytest.raises(ValueError):
        col(delta) * col(a)
    assert_close(col(delta) * col(a).T, col(delta) @ col(a).T)


@pytest.mark.parametrize("m", [2, 5])
@pytest.mark.parametrize("seed", SEEDS)
def test_hadamard_alternative_forced_square_gives_different_numbers(seed, m):
    """000 (question): forcing the Hadamard rule to typecheck (a square layer, j = k) it gives
    a j-vector, only the diagonal of Σ_x δ aᵀ; broadcast into w it changes every row the same
    way, and the updated weights differ from the engine's SGD step."""
    sizes, names = (3, 3, 3), ("tanh", "sigmoid")
    acts = [act(n) for n in names]
    Ws, bs = _params(seed, sizes)
    X, Y = _batch(seed, sizes, m)
    eta = 0.3
    l = 1  # the second layer: w^2 is 3 × 3, a^1 and δ^2 both have 3 entries
    outer_sum = np.zeros_like(Ws[l])
    had_sum = np.zeros(sizes[l + 1])
    for x, y in zip(X, Y):
        a, _, deltas = _numpy_backprop(Ws, bs, acts, x, y)
        outer_sum += deltas[l] @ a[l].T
        had_sum += (deltas[l] * a[l]).reshape(-1)
    book = Ws[l] - eta / m * outer_sum
    forced = Ws[l] - eta / m * had_sum  # broadcasting: the same vector off every row
    # the engine's gradient step
    Wv = [mat(W) for W in Ws]
    bv = [vec(b) for b in bs]
    costs = []
    for x, y in zip(X, Y):
        h = vec(x)
        for W, b, s in zip(Wv, bv, acts):
            h = s.on([p + c for p, c in zip(matvec(W, h), b)])
        costs.append(half_sq(h, y))
    (autograd.sum(costs) / m).backward()
    engine = Ws[l] - eta * grads(Wv[l])
    assert_close(engine, book)
    assert not_close(engine, forced)
    assert_close(had_sum, np.diag(outer_sum))  # Hadamard keeps only δ_j a_j, the diagonal


@pytest.mark.parametrize("jk", [(2, 3), (3, 2), (4, 4)])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_answer_sum_drops_the_transposes(seed, jk):
    """000 (answer), erratum: "Σ_x δ^{x,l}(a^{x,l−1})ᵀ = δ^{1,l} a^{1,l−1} + δ^{2,l} a^{2,l−1} + …"
    drops the transposes: δ a is a (j,1)(k,1) product and cannot be formed; the terms are
    δ^{x,l}(a^{x,l−1})ᵀ."""
    j, k = jk
    r = rng(seed)
    D, A = r.normal(size=(3, j, 1)), r.normal(size=(3, k, 1))
    with pytest.raises(ValueError):
        D[0] @ A[0] + D[1] @ A[1]  # as written
    corrected = D[0] @ A[0].T + D[1] @ A[1].T + D[2] @ A[2].T
    assert corrected.shape == (j, k)
    assert_close(corrected, D[:, :, 0].T @ A[:, :, 0])  # Σ_x δ aᵀ = Δᵀ A for stacked rows


@pytest.mark.parametrize("m", [2, 4, 7])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_answer_hadamard_then_sum_rows_is_only_the_diagonal(seed, m):
    """000 (answer), erratum: "Do a Hadamard product and then sum the rows, and this will give the
    above result." With the batch stacked as rows (Δ: m × j, A: m × k) the Hadamard product needs
    j = k, and summing its rows gives the j-vector Σ_x δ^x ⊙ a^x — the diagonal of Σ_x δ^x(a^x)ᵀ,
    not the (j × k) matrix; for j ≠ k it cannot be formed at all."""
    r = rng(seed)
    Delta, A = r.normal(size=(m, 3)), r.normal(size=(m, 3))
    written = (Delta * A).sum(axis=0)
    corrected = sum(np.outer(Delta[x], A[x]) for x in range(m))
    assert written.shape == (3,) and corrected.shape == (3, 3)
    assert_close(written, np.diag(corrected))
    assert not_close(np.diag(written), corrected)
    with pytest.raises(ValueError):
        Delta * r.normal(size=(m, 4))
