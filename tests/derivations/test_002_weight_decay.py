"""Document 002: J(W,b) = [1/m Σ_i ½‖h_{W,b}(x^(i)) − y^(i)‖²] + λ/2 Σ_l Σ_i Σ_j (W^(l)_ji)²,
its gradients through the δ recursion, and why the ½ and the 1/m do not move the minimiser.

Notation of the document (UFLDL's): W^(l) is s_{l+1} × s_l, z^(l+1) = W^(l) a^(l) + b^(l),
a^(l) = f(z^(l)), a^(1) = x, h = a^(n_l); the penalty covers weights only, never biases.
Oracle: numpy.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import autograd

from .helpers import act, assert_close, col, grads, half_sq, mat, matvec, not_close, rng, vec

# (s_1..s_{n_l}, f)
NETS = [((3, 4, 2), "sigmoid"), ((2, 3, 3, 2), "tanh"), ((4, 4, 4), "sigmoid"),
        ((1, 3, 2), "tanh")]
SEEDS = [0, 1, 2]


def _params(seed, sizes):
    r = rng(seed)
    Ws = [r.normal(size=(sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
    bs = [col(r.normal(size=sizes[l + 1]) * 0.5) for l in range(len(sizes) - 1)]
    return Ws, bs


def _data(seed, sizes, m):
    r = rng(500 + seed)
    return r.normal(size=(m, sizes[0])), r.uniform(0.1, 0.9, size=(m, sizes[-1]))


def _numpy_deltas(Ws, bs, f, x, y):
    """a^(1..n_l), z^(2..n_l), and δ^(2..n_l): δ^(n_l) = −(y − a) ⊙ f'(z),
    δ^(l) = (W^(l)ᵀ δ^(l+1)) ⊙ f'(z^(l)). Lists are indexed from layer 2 (index 0)."""
    a, zs = [col(x)], []
    for W, b in zip(Ws, bs):
        zs.append(W @ a[-1] + b)
        a.append(f.f(zs[-1]))
    deltas = [-(col(y) - a[-1]) * f.df(zs[-1])]
    for l in range(len(Ws) - 1, 0, -1):
        deltas.insert(0, (Ws[l].T @ deltas[0]) * f.df(zs[l - 1]))
    return a, zs, deltas


def _engine_J(Ws, bs, f, X, Y, lam):
    """J(W,b) from Values over the batch; returns weight/bias Values, per-example z nodes, J."""
    Wv = [mat(W) for W in Ws]
    bv = [vec(b) for b in bs]
    zs_all, costs = [], []
    for x, y in zip(X, Y):
        a = vec(x)
        zs = []
        for W, b in zip(Wv, bv):
            zs.append([p + c for p, c in zip(matvec(W, a), b)])
            a = f.on(zs[-1])
        zs_all.append(zs)
        costs.append(half_sq(a, y))
    flat = [w for W in Wv for row in W for w in row]
    J = autograd.sum(costs) / len(X) + (lam / 2) * autograd.dot(flat, flat)
    J.backward()
    return Wv, bv, zs_all, J


@pytest.mark.parametrize("sizes,fname", NETS, ids=[str(s) for s, _ in NETS])
@pytest.mark.parametrize("seed", SEEDS)
def test_output_delta_eq_minus_y_minus_a_times_f_prime_z(seed, sizes, fname):
    """002 (question and answer): δ^(n_l)_i = ∂/∂z^(n_l)_i ½‖y − h(x)‖²
    = −(y_i − a^(n_l)_i) f'(z^(n_l)_i)."""
    f = act(fname)
    Ws, bs = _params(seed, sizes)
    X, Y = _data(seed, sizes, 1)
    _, _, zs, _ = _engine_J(Ws, bs, f, X, Y, 0.0)
    a, z, _ = _numpy_deltas(Ws, bs, f, X[0], Y[0])
    for i in range(sizes[-1]):
        expected = -(Y[0][i] - a[-1][i, 0]) * f.df(z[-1][i, 0])
        assert zs[0][-1][i].grad == pytest.approx(expected, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("sizes,fname", NETS, ids=[str(s) for s, _ in NETS])
@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_delta_eq_sum_j_W_ji_delta_j_times_f_prime_z_i(seed, sizes, fname):
    """002 (question, answer): δ^(l)_i = (Σ_j W^(l)_ji δ^(l+1)_j) f'(z^(l)_i) = ∂J/∂z^(l)_i."""
    f = act(fname)
    Ws, bs = _params(seed, sizes)
    X, Y = _data(seed, sizes, 1)
    _, _, zs, _ = _engine_J(Ws, bs, f, X, Y, 0.0)
    _, z, deltas = _numpy_deltas(Ws, bs, f, X[0], Y[0])
    for idx in range(len(deltas) - 1):  # hidden layers l = idx + 2
        W_l = Ws[idx + 1]  # W^(l) maps layer l to l + 1
        recursion = np.array([
            sum(W_l[j, i] * deltas[idx + 1][j, 0] for j in range(W_l.shape[0])) * f.df(z[idx][i, 0])
            for i in range(W_l.shape[1])
        ])
        assert_close(grads(zs[0][idx]), recursion, what=f"delta^({idx + 2})")


@pytest.mark.parametrize("sizes,fname", NETS, ids=[str(s) for s, _ in NETS])
@pytest.mark.parametrize("seed", SEEDS)
def test_dJ_dW_ij_eq_a_j_delta_i_and_dJ_db_i_eq_delta_i_single_example(seed, sizes, fname):
    """002: ∂J(W,b;x,y)/∂W^(l)_ij = a^(l)_j δ^(l+1)_i and ∂J(W,b;x,y)/∂b^(l)_i = δ^(l+1)_i,
    the answer's Σ_k δ^(l+1)_k a^(l)_j δ_ki."""
    f = act(fname)
    Ws, bs = _params(seed, sizes)
    X, Y = _data(seed, sizes, 1)
    Wv, bv, _, _ = _engine_J(Ws, bs, f, X, Y, 0.0)
    a, _, deltas = _numpy_deltas(Ws, bs, f, X[0], Y[0])
    for l in range(len(Ws)):
        assert_close(grads(Wv[l]), deltas[l] @ a[l].T, what=f"dJ/dW^({l + 1})")
        assert_close(col(grads(bv[l])), deltas[l], what=f"dJ/db^({l + 1})")


@pytest.mark.parametrize("lam", [0.0, 0.1, 1.5])
@pytest.mark.parametrize("m", [1, 4, 7])
@pytest.mark.parametrize("sizes,fname", NETS, ids=[str(s) for s, _ in NETS])
@pytest.mark.parametrize("seed", [0, 1])
def test_dJ_dW_eq_mean_delta_aT_plus_lambda_W_and_dJ_db_eq_mean_delta(seed, sizes, fname, m, lam):
    """002: ∂J/∂W^(l) = [1/m Σ_i ∂J(W,b;x^(i),y^(i))/∂W^(l)] + λW^(l)
    = 1/m Σ_i δ^(l+1)a^(l)ᵀ + λW^(l),
    ∂J/∂b^(l) = 1/m Σ_i δ^(l+1) (no λ term: biases are not penalised)."""
    f = act(fname)
    Ws, bs = _params(seed, sizes)
    X, Y = _data(seed, sizes, m)
    Wv, bv, _, J = _engine_J(Ws, bs, f, X, Y, lam)
    sW = [np.zeros_like(W) for W in Ws]
    sb = [np.zeros_like(b) for b in bs]
    value = 0.0
    for x, y in zip(X, Y):
        a, _, deltas = _numpy_deltas(Ws, bs, f, x, y)
        value += 0.5 * float(((a[-1] - col(y)) ** 2).sum()) / m
        for l in range(len(Ws)):
            sW[l] += deltas[l] @ a[l].T
            sb[l] += deltas[l]
    value += lam / 2 * sum(float((W ** 2).sum()) for W in Ws)
    assert J.data == pytest.approx(value, rel=1e-12)
    for l in range(len(Ws)):
        assert_close(grads(Wv[l]), sW[l] / m + lam * Ws[l], what=f"dJ/dW^({l + 1})")
        assert_close(col(grads(bv[l])), sb[l] / m, what=f"dJ/db^({l + 1})")


@pytest.mark.parametrize("sizes", [(3, 4), (2, 3), (4, 2)])
@pytest.mark.parametrize("seed", SEEDS)
def test_dz_k_dW_ij_eq_a_j_kronecker_ki(seed, sizes):
    """002 (answer): ∂z^(l+1)_k/∂W^(l)_ij = a^(l)_j δ_ki (Kronecker delta)."""
    r = rng(seed)
    W, a = r.normal(size=(sizes[1], sizes[0])), r.normal(size=sizes[0])
    for k in range(sizes[1]):
        Wv = mat(W)
        matvec(Wv, a.tolist())[k].backward()
        expected = np.zeros_like(W)
        expected[k, :] = a
        assert_close(grads(Wv), expected)
        kron = np.eye(sizes[1])[k]  # δ_ki over i
        assert_close(grads(Wv), np.outer(kron, a))  # [i, j] = a_j δ_ki


@pytest.mark.parametrize("fname", ["sigmoid", "tanh"])
@pytest.mark.parametrize("sizes", [(3, 4), (2, 3), (4, 4)])
@pytest.mark.parametrize("seed", SEEDS)
def test_dz_j_next_dz_i_eq_W_ji_f_prime_z_i(seed, sizes, fname):
    """002 (answer): ∂z^(l+1)_j/∂z^(l)_i = W^(l)_ji f'(z^(l)_i),
    with z^(l+1) = W^(l) f(z^(l)) + b^(l)."""
    f = act(fname)
    r = rng(seed)
    s_l, s_next = sizes
    W, b, z = r.normal(size=(s_next, s_l)), r.normal(size=s_next), r.normal(size=s_l)
    for j in range(s_next):
        zv = vec(z)
        (matvec(W.tolist(), f.on(zv))[j] + float(b[j])).backward()
        assert_close(grads(zv), W[j, :] * f.df(z), what=f"row j={j}")


# -- errata in the answer -----------------------------------------------------------------------


@pytest.mark.parametrize("sizes,fname", NETS, ids=[str(s) for s, _ in NETS])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_output_delta_needs_y_i_not_y(seed, sizes, fname):
    """002 (answer), erratum: the output error is derived as −(y − a^(n_l)_i) f'(z^(n_l)_i) with the
    whole vector y; that is a vector of s_{n_l} numbers, not the scalar δ^(n_l)_i. It is
    −(y_i − a^(n_l)_i) f'(z^(n_l)_i) (as in the question)."""
    f = act(fname)
    Ws, bs = _params(seed, sizes)
    X, Y = _data(seed, sizes, 1)
    _, _, zs, _ = _engine_J(Ws, bs, f, X, Y, 0.0)
    a, z, _ = _numpy_deltas(Ws, bs, f, X[0], Y[0])
    y, aL, fp = Y[0], a[-1][:, 0], f.df(z[-1][:, 0])
    for i in range(sizes[-1]):
        written = -(y - aL[i]) * fp[i]
        corrected = -(y[i] - aL[i]) * fp[i]
        assert np.shape(written) == (sizes[-1],)  # a vector, not δ_i
        assert zs[0][-1][i].grad == pytest.approx(corrected, rel=1e-10, abs=1e-14)
        if sizes[-1] > 1:
            assert not_close(written, np.full(sizes[-1], zs[0][-1][i].grad))


@pytest.mark.parametrize("fname", ["sigmoid", "tanh"])
@pytest.mark.parametrize("sizes", [(3, 3), (4, 4), (2, 3)])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_dz_next_dz_expression_indices(seed, sizes, fname):
    """002 (answer), erratum: ∂z^(l+1)_j/∂z^(l)_i is computed as ∂/∂z^(l)_i [Σ_k W^(l)_ji f(z^(l)_j)
    + b^(l)_j]; the summand must be W^(l)_jk f(z^(l)_k) (summed over k). The written expression
    is not z^(l+1)_j, and its derivative in z^(l)_i (i ≠ j) is 0, not W_ji f'(z_i); the stated
    final result W_ji f'(z_i) is that of the corrected expression."""
    f = act(fname)
    r = rng(seed)
    s_l, s_next = sizes
    W, b, z = r.normal(size=(s_next, s_l)), r.normal(size=s_next), r.normal(size=s_l)
    z_next = W @ f.f(z) + b

    def written(zz, i, j):
        return sum(W[j, i] * f.f(zz[j]) for _ in range(s_l)) + b[j]

    def corrected(zz, i, j):
        return sum(W[j, k] * f.f(zz[k]) for k in range(s_l)) + b[j]

    h = 1e-6
    for j in range(min(s_l, s_next)):  # z^(l)_j exists only for j < s_l
        for i in range(s_l):
            e = np.eye(s_l)[i] * h
            d_written = (written(z + e, i, j) - written(z - e, i, j)) / (2 * h)
            d_corrected = (corrected(z + e, i, j) - corrected(z - e, i, j)) / (2 * h)
            assert corrected(z, i, j) == pytest.approx(z_next[j])
            assert d_corrected == pytest.approx(W[j, i] * f.df(z[i]), rel=1e-6, abs=1e-9)
            if i != j:
                assert d_written == 0.0
            assert written(z, i, j) != pytest.approx(z_next[j])
    if s_next > s_l:  # the written f(z^(l)_j) needs j < s_l: j = s_l has no z^(l)_j
        with pytest.raises(IndexError):
            written(z, 0, s_l)


@pytest.mark.parametrize("sizes,fname", [((3, 3, 2), "sigmoid"), ((4, 4, 4), "tanh"),
                                         ((2, 2, 2, 2), "sigmoid")])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_delta_chain_rule_line_sums_dz_j_dz_i(seed, sizes, fname):
    """002 (answer), erratum: δ^(l)_i = ∂J/∂z^(l)_i = ∂/∂z^(l)_i Σ_j δ^(l+1)_j ∂z^(l+1)_j/∂z^(l)_j
    — both the leading ∂/∂z^(l)_i and the denominator z^(l)_j are slips; taken literally the sum
    is Σ_j δ^(l+1)_j W_jj f'(z^(l)_j), the same number for every i (and undefined unless the
    layers have equal width). The chain rule is δ^(l)_i = Σ_j δ^(l+1)_j ∂z^(l+1)_j/∂z^(l)_i
    = f'(z^(l)_i) Σ_j W^(l)_ji δ^(l+1)_j, the line's own final result."""
    f = act(fname)
    Ws, bs = _params(seed, sizes)
    X, Y = _data(seed, sizes, 1)
    _, _, zs, _ = _engine_J(Ws, bs, f, X, Y, 0.0)
    _, z, deltas = _numpy_deltas(Ws, bs, f, X[0], Y[0])
    # hidden layer 2 (index 0): W^(2) = Ws[1] maps it to layer 3 (index 1), both square here
    W, d_next, z_l = Ws[1], deltas[1][:, 0], z[0][:, 0]
    engine = grads(zs[0][0])
    written = np.full(len(z_l), sum(d_next[j] * W[j, j] * f.df(z_l[j]) for j in range(len(d_next))))
    corrected = np.array([sum(d_next[j] * W[j, i] * f.df(z_l[i]) for j in range(len(d_next)))
                          for i in range(len(z_l))])
    assert_close(engine, corrected)
    assert not_close(engine, written)


# -- the ½ and the 1/m do not move the minimiser (only scaling the whole J is harmless) ----------


def _ridge(seed, m=12, n=3, k=2):
    r = rng(seed)
    X = r.normal(size=(m, n))
    Y = X @ r.normal(size=(n, k)) + r.normal(size=k) + 0.3 * r.normal(size=(m, k))
    return X, Y


def _closed_form(X, Y, lam_data_scale, lam):
    """argmin of c·Σ_i ½‖Wx_i + b − y_i‖² + λ/2‖W‖² (numpy normal equations); c = 1/m for J."""
    m, n = X.shape
    Xa = np.hstack([X, np.ones((m, 1))])
    R = np.diag([1.0] * n + [0.0])
    Theta = np.linalg.solve(lam_data_scale * Xa.T @ Xa + lam * R, lam_data_scale * Xa.T @ Y).T
    return Theta[:, :n], Theta[:, n]


def _J_values(Wv, bv, X, Y, data_scale, pen_scale):
    """data_scale·Σ_i ‖Wx_i + b − y_i‖² + pen_scale·‖W‖², built from Values."""
    res = []
    for x, y in zip(X, Y):
        out = [p + c for p, c in zip(matvec(Wv, x.tolist()), bv)]
        res += [o - float(t) for o, t in zip(out, y)]
    flat = [w for row in Wv for w in row]
    return data_scale * autograd.dot(res, res) + pen_scale * autograd.dot(flat, flat)


def _train(X, Y, data_scale, pen_scale, W0, b0, lr, tol=1e-11, max_steps=4000):
    """Plain gradient descent with the engine's gradients until the gradient vanishes."""
    W, b = W0.copy(), b0.copy()
    for _ in range(max_steps):
        Wv, bv = mat(W), vec(b)
        _J_values(Wv, bv, X, Y, data_scale, pen_scale).backward()
        gW, gb = grads(Wv), grads(bv)
        if max(np.abs(gW).max(), np.abs(gb).max()) < tol:
            break
        W, b = W - lr * gW, b - lr * gb
    return W, b


@pytest.mark.parametrize("lam", [0.05, 0.5])
@pytest.mark.parametrize("seed", [0, 1])
def test_half_and_one_over_m_do_not_change_the_argmin(seed, lam):
    """002 (answer, fact (1)): argmin_x f = argmin_x c·f. J = 1/m Σ ½‖h − y‖² + λ/2‖W‖² and
    2m·J = Σ ‖h − y‖² + mλ‖W‖² (no ½, no 1/m) trained to convergence by gradient descent with
    the engine's gradients, from different starting points and step sizes, reach the same
    minimiser — the ridge solution computed in numpy."""
    X, Y = _ridge(seed)
    m, n = X.shape
    k = Y.shape[1]
    W_star, b_star = _closed_form(X, Y, 1.0 / m, lam)
    Xa = np.hstack([X, np.ones((m, 1))])
    L1 = np.linalg.eigvalsh(Xa.T @ Xa / m + lam * np.eye(n + 1)).max()  # curvature of J
    r = rng(seed + 10)
    W1, b1 = _train(X, Y, 0.5 / m, lam / 2, r.normal(size=(k, n)), r.normal(size=k), 1.0 / L1)
    W2, b2 = _train(X, Y, 1.0, m * lam, r.normal(size=(k, n)), r.normal(size=k),
                    0.7 / (2 * m * L1), tol=1e-9)
    assert_close(W1, W_star, rtol=1e-7, atol=1e-8)
    assert_close(b1, b_star, rtol=1e-7, atol=1e-8)
    assert_close(W2, W_star, rtol=1e-7, atol=1e-8)
    assert_close(b2, b_star, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("lam", [0.05, 0.5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_erratum_dropping_half_or_one_over_m_alone_moves_the_argmin(seed, lam):
    """002 (answer (1), (2)[b]), erratum: the ½ and the average are justified by fact (1), which
    holds for a constant multiplying the whole J. In J the ½ and 1/m multiply only the data
    term: dropping either while keeping λ/2‖W‖² (Σ ½‖·‖² or 1/m Σ ‖·‖²) rescales λ and moves the
    minimiser. The minimiser of J is stationary for 2m·J (engine gradient 0) but not for
    Σ ½‖h − y‖² + λ/2‖W‖² nor for 1/m Σ ‖h − y‖² + λ/2‖W‖²."""
    X, Y = _ridge(seed)
    m = X.shape[0]
    W_star, b_star = _closed_form(X, Y, 1.0 / m, lam)

    def grad_norm(data_scale, pen_scale):
        Wv, bv = mat(W_star), vec(b_star)
        _J_values(Wv, bv, X, Y, data_scale, pen_scale).backward()
        return max(np.abs(grads(Wv)).max(), np.abs(grads(bv)).max())

    assert grad_norm(1.0, m * lam) < 1e-9  # the whole J scaled by 2m: still stationary
    assert grad_norm(0.5, lam / 2) > 1e-3  # 1/m dropped, λ/2 kept
    assert grad_norm(1.0 / m, lam / 2) > 1e-3  # ½ dropped, λ/2 kept
    W_sum, _ = _closed_form(X, Y, 1.0, lam)  # the argmin of Σ ½‖·‖² + λ/2‖W‖²
    assert not_close(W_sum, W_star)


# -- the same on nn: nn.mse, nn.l2_penalty over Module.weights(), nn.SGD(weight_decay) -------------

NN_CASES = [(3, [4, 2], "sigmoid"), (2, [3, 3, 2], "tanh"), (4, [4, 1], "sigmoid")]


@pytest.mark.parametrize("lam", [0.1, 0.7])
@pytest.mark.parametrize("nin,nouts,fname", NN_CASES, ids=[str(c[1]) for c in NN_CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_nn_J_with_l2_penalty_dJ_dW_eq_mean_delta_aT_plus_lambda_W(seed, nin, nouts, fname, lam):
    """002 on nn: J = 1/m Σ nn.mse(h(x), y) + nn.l2_penalty(model, λ) has ∂J/∂W^(l) =
    1/m Σ δ^(l+1)a^(l)ᵀ + λW^(l) and ∂J/∂b^(l) = 1/m Σ δ^(l+1) (the penalty takes
    Module.weights(), never biases); one SGD step on J equals one SGD step on the data term
    with weight_decay=λ applied to the weights only: W − α(∂/∂W data + λW)."""
    nn = importlib.import_module("nn")
    f = act(fname)
    model = nn.MLP(nin, nouts, activation=[fname] * len(nouts), seed=seed)
    Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    bs = [col([n.b.data for n in layer.neurons]) for layer in model.layers]
    r = rng(seed + 20)
    m = 5
    X, Y = r.normal(size=(m, nin)), r.uniform(0.1, 0.9, size=(m, nouts[-1]))
    assert len(model.weights()) == sum(W.size for W in Ws)
    data_term = autograd.sum([nn.mse(model(x.tolist()), y.tolist()) for x, y in zip(X, Y)]) / m
    J = data_term + nn.l2_penalty(model, lam)
    J.backward()
    sW = [np.zeros_like(W) for W in Ws]
    sb = [np.zeros_like(b) for b in bs]
    for x, y in zip(X, Y):
        a, _, deltas = _numpy_deltas(Ws, bs, f, x, y)
        for l in range(len(Ws)):
            sW[l] += deltas[l] @ a[l].T
            sb[l] += deltas[l]
    for l, layer in enumerate(model.layers):
        gW = np.array([[w.grad for w in n.w] for n in layer.neurons])
        gb = col([n.b.grad for n in layer.neurons])
        assert_close(gW, sW[l] / m + lam * Ws[l], what=f"dJ/dW^({l + 1})")
        assert_close(gb, sb[l] / m, what=f"dJ/db^({l + 1})")

    alpha = 0.2
    nn.SGD(model.parameters(), lr=alpha).step()
    after_J = [w.data for w in model.parameters()]
    # the same start, the data term only, weight decay on the weights only
    model2 = nn.MLP(nin, nouts, activation=[fname] * len(nouts), seed=seed)
    data2 = autograd.sum([nn.mse(model2(x.tolist()), y.tolist()) for x, y in zip(X, Y)]) / m
    data2.backward()
    weights = set(model2.weights())
    nn.SGD(list(weights), lr=alpha, weight_decay=lam).step()
    nn.SGD([p for p in model2.parameters() if p not in weights], lr=alpha).step()
    assert_close([w.data for w in model2.parameters()], after_J)
