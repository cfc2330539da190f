"""Document 003, "Backpropagation IV (In Progress) - non-linear activations + multi-node layers".

The document stops mid-aside; these tests finish it. First the aside's matrix derivatives
(A, B built from Values), then the full multi-layer result, first on a network built from
Values and then on ``nn.MLP`` through ``MLP.trace``. Oracle: numpy.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from .helpers import (
    act,
    assert_close,
    col,
    data,
    grads,
    half_sq,
    inner,
    mat,
    matvec,
    rng,
    vec,
)

SHAPES2 = [(1, 1), (2, 3), (4, 2), (3, 3), (5, 4)]  # (m, n)
SHAPES3 = [(2, 3, 4), (4, 3, 2), (3, 3, 3), (1, 2, 5), (5, 1, 2)]  # (k, m, n)
ACTS = ["tanh", "sigmoid", "exp", "relu", "identity"]
SEEDS = [0, 1, 2]


def _rand(seed, *shapes, scale=0.7):
    r = rng(seed)
    return [r.normal(size=s) * scale for s in shapes]


# -- C = yᵀσ(Ax) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTS)
@pytest.mark.parametrize("shape", SHAPES2)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_yT_sigma_Ax_gives_y_odot_sigma_prime_Ax_xT(seed, shape, name):
    """003 §IV aside, "Cost linear in weights": C = yᵀσ(Ax) ⟹ δC/δA = [y ⊙ σ'(Ax)] xᵀ,
    elementwise ∂C/∂a_kl = y_k [σ'(Ax)]_k x_l."""
    m, n = shape
    A, x, y = _rand(seed, (m, n), (n, 1), (m, 1))
    s = act(name)
    Av = mat(A)
    C = inner(vec(y), s.on(matvec(Av, vec(x))))
    C.backward()
    assert C.data == pytest.approx((y.T @ s.f(A @ x)).item())
    assert_close(grads(Av), (y * s.df(A @ x)) @ x.T)
    k, l = m - 1, n - 1
    assert grads(Av)[k, l] == pytest.approx(y[k, 0] * s.df(A @ x)[k, 0] * x[l, 0])


@pytest.mark.parametrize("shape", SHAPES2)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_yT_sigma_Ax_identity_sigma_recovers_y_xT(seed, shape):
    """003 §IV aside sanity check: σ = id ⟹ σ' = 1, y ⊙ 1 = y, and δC/δA = y xᵀ (§III)."""
    m, n = shape
    A, x, y = _rand(seed, (m, n), (n, 1), (m, 1))
    Av = mat(A)
    inner(vec(y), act("identity").on(matvec(Av, vec(x)))).backward()
    assert_close(y * np.ones((m, 1)), y)
    assert_close(grads(Av), y @ x.T)


# -- C = yᵀσ2(Aσ1(Bx)) -----------------------------------------------------------------------------

NESTED = [("tanh", "sigmoid"), ("sigmoid", "exp"), ("exp", "tanh"), ("identity", "tanh"),
          ("relu", "sigmoid")]


def _nested(seed, shape, names):
    k, m, n = shape
    A, B, x, y = _rand(seed, (k, m), (m, n), (n, 1), (k, 1))
    s1, s2 = act(names[0]), act(names[1])
    Av, Bv = mat(A), mat(B)
    C = inner(vec(y), s2.on(matvec(Av, s1.on(matvec(Bv, vec(x))))))
    C.backward()
    return A, B, x, y, s1, s2, Av, Bv, C


@pytest.mark.parametrize("names", NESTED, ids=["-".join(n) for n in NESTED])
@pytest.mark.parametrize("shape", SHAPES3)
@pytest.mark.parametrize("seed", SEEDS)
def test_nested_dC_dA_eq_y_odot_sigma2_prime_times_sigma1_BxT(seed, shape, names):
    """003 §IV aside: C = yᵀσ2(Aσ1(Bx)) ⟹ δC/δA = [y ⊙ σ2'(Aσ1(Bx))] σ1(Bx)ᵀ."""
    A, B, x, y, s1, s2, Av, _, _ = _nested(seed, shape, names)
    q = s1.f(B @ x)
    assert_close(grads(Av), (y * s2.df(A @ q)) @ q.T)


@pytest.mark.parametrize("names", NESTED, ids=["-".join(n) for n in NESTED])
@pytest.mark.parametrize("shape", SHAPES3)
@pytest.mark.parametrize("seed", SEEDS)
def test_nested_dC_dB_eq_AT_y_odot_sigma2_prime_odot_sigma1_prime_Bx_xT(seed, shape, names):
    """003 §IV aside (boxed): δC/δB = {[Aᵀ[y ⊙ σ2'(Aσ1(Bx))]] ⊙ σ1'(Bx)} xᵀ, of dimension (m, n)."""
    A, B, x, y, s1, s2, _, Bv, _ = _nested(seed, shape, names)
    inner_ = A.T @ (y * s2.df(A @ s1.f(B @ x)))
    assert inner_.shape == (shape[1], 1)
    expected = (inner_ * s1.df(B @ x)) @ x.T
    assert expected.shape == B.shape
    assert_close(grads(Bv), expected)


@pytest.mark.parametrize("shape", [(2, 3, 4), (4, 3, 2), (3, 2, 2)])
def test_nested_dC_dB_first_guess_y_odot_times_AT_is_ill_formed(shape):
    """003 §IV aside: the first guess [y ⊙ σ2'(Aσ1(Bx))] Aᵀ … is a (k,1)(m,k) product and cannot
    be formed (the document says so: "Oops! this is not well-defined"); Aᵀ goes on the left."""
    k, m, n = shape
    A, B, x, y = _rand(0, (k, m), (m, n), (n, 1), (k, 1))
    s1, s2 = act("tanh"), act("sigmoid")
    left = y * s2.df(A @ s1.f(B @ x))
    with pytest.raises(ValueError):
        left @ A.T
    assert (A.T @ left).shape == (m, 1)


@pytest.mark.parametrize("names", NESTED, ids=["-".join(n) for n in NESTED])
@pytest.mark.parametrize("shape", [(2, 3, 4), (4, 3, 2), (3, 3, 3)])
@pytest.mark.parametrize("seed", SEEDS)
def test_nested_sigma1_identity_gives_AT_y_odot_sigma2_prime_ABx_xT(seed, shape, names):
    """003 §IV aside sanity check: σ1 = id ⟹ δC/δB = Aᵀ[y ⊙ σ2'(ABx)] xᵀ."""
    names = ("identity", names[1])
    A, B, x, y, _, s2, _, Bv, _ = _nested(seed, shape, names)
    assert_close(grads(Bv), A.T @ (y * s2.df(A @ B @ x)) @ x.T)


@pytest.mark.parametrize("name", ACTS)
@pytest.mark.parametrize("shape", [(2, 3), (3, 3), (4, 1)])
@pytest.mark.parametrize("seed", SEEDS)
def test_nested_sigma1_identity_A_eq_I_gives_y_odot_sigma2_prime_Bx_xT(seed, shape, name):
    """003 §IV aside sanity check: σ1 = id and A = I ⟹ δC/δB = [y ⊙ σ2'(Bx)] xᵀ (the text has an
    unmatched bracket there; the formula itself is right)."""
    m, n = shape
    B, x, y = _rand(seed, (m, n), (n, 1), (m, 1))
    s2 = act(name)
    Bv = mat(B)
    inner(vec(y), s2.on(matvec(np.eye(m).tolist(), matvec(Bv, vec(x))))).backward()
    assert_close(grads(Bv), (y * s2.df(B @ x)) @ x.T)


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4, 2), (4, 2, 3)])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_yT_BT_A_x_red_line_ends_B_y_xT_not_y_B_xT(seed, shape):
    """003 §IV aside, erratum: δ/δA (yᵀBᵀAx) is shown two ways; the second correctly gives
    (yᵀBᵀ)ᵀxᵀ = B y xᵀ, but the corrected (red) one-term-at-a-time line still ends "= y B xᵀ",
    which cannot be formed ((p,1)(m,p)). The result is B y xᵀ."""
    p, m, n = shape  # y: (p,1), B: (m,p), A: (m,n), x: (n,1)
    A, B, x, y = _rand(seed, (m, n), (m, p), (n, 1), (p, 1))
    Av = mat(A)
    # yᵀBᵀAx = (By)ᵀ(Ax)
    inner(matvec(B.tolist(), vec(y)), matvec(Av, vec(x))).backward()
    with pytest.raises(ValueError):
        y @ B @ x.T  # as written
    assert_close(grads(Av), B @ y @ x.T)  # corrected
    assert_close(grads(Av), (y.T @ B.T).T @ x.T)  # the "second way" of the text


# -- C = ½ σ(Ax)ᵀσ(Ax): the quadratic part, left unfinished by the document ----------------------


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "exp", "identity"])
@pytest.mark.parametrize("shape", SHAPES2)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_half_sigma_Ax_T_sigma_Ax_gives_sigma_odot_sigma_prime_xT(seed, shape, name):
    """003 §IV aside, "Cost quadratic in weights" (finished): C = ½ σ(xᵀAᵀ)σ(Ax) ⟹
    δC/δA = [σ(Ax) ⊙ σ'(Ax)] xᵀ; with σ = id this is A x xᵀ of §III."""
    m, n = shape
    A, x = _rand(seed, (m, n), (n, 1))
    s = act(name)
    Av = mat(A)
    h = s.on(matvec(Av, vec(x)))
    (0.5 * inner(h, h)).backward()
    assert_close(grads(Av), (s.f(A @ x) * s.df(A @ x)) @ x.T)
    if name == "identity":
        assert_close(grads(Av), A @ x @ x.T)


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (4, 4)])
def test_erratum_quadratic_part_sigma_of_Ax_not_xA(shape):
    """003 §IV aside, erratum: "σ(xᵀAᵀ) δσ(xA)/δA" — xA is an (n,1)(m,n) product and cannot be
    formed; the factor is σ(Ax), the transpose partner of σ(xᵀAᵀ)."""
    m, n = shape
    A, x = _rand(1, (m, n), (n, 1))
    with pytest.raises(ValueError):
        x @ A  # as written
    assert_close(np.tanh(x.T @ A.T).T, np.tanh(A @ x))  # corrected: σ(xᵀAᵀ) = σ(Ax)ᵀ


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "exp"])
@pytest.mark.parametrize("shape", SHAPES2)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_half_q_minus_y_squared_one_layer_gives_q_minus_y_odot_sigma_prime_xT(seed, shape, name):
    """003 §IV: C = ½(q − y)ᵀ(q − y) with q = σ(Ax): the quadratic part minus the linear part
    ½qᵀq − yᵀq gives δC/δA = [(σ(Ax) − y) ⊙ σ'(Ax)] xᵀ."""
    m, n = shape
    A, x, y = _rand(seed, (m, n), (n, 1), (m, 1))
    s = act(name)
    Av = mat(A)
    half_sq(s.on(matvec(Av, vec(x))), y).backward()
    q = s.f(A @ x)
    assert_close(grads(Av), ((q - y) * s.df(A @ x)) @ x.T)
    # the linear and quadratic parts separately
    assert_close(
        grads(Av),
        (q * s.df(A @ x)) @ x.T - (y * s.df(A @ x)) @ x.T,
    )


@pytest.mark.parametrize("n", [2, 3, 5])
def test_erratum_cost_half_q3_minus_y_squared_needs_a_transpose(n):
    """003 §IV, erratum: C = ½(q3 − y)² for column vectors q3, y: (q3 − y)(q3 − y) is an
    (n,1)(n,1) product that cannot be formed (and squaring elementwise gives a vector, not a
    cost); the cost is ½(q3 − y)ᵀ(q3 − y), as the text's expansion ½(q3ᵀq3 − 2yᵀq3) assumes."""
    r = rng(n)
    q3, y = col(r.normal(size=n)), col(r.normal(size=n))
    with pytest.raises(ValueError):
        (q3 - y) @ (q3 - y)  # as written, as a matrix product
    assert ((q3 - y) ** 2).shape == (n, 1)  # elementwise: not a scalar cost
    C = 0.5 * ((q3 - y).T @ (q3 - y)).item()
    assert C == pytest.approx(0.5 * (q3.T @ q3 - 2 * y.T @ q3).item() + 0.5 * (y.T @ y).item())


# -- the full multi-layer result, on a network of Values -----------------------------------------

LAYERS = [
    ((3, 4, 2, 3), ("identity", "tanh", "sigmoid", "tanh")),
    ((2, 5, 3, 1), ("tanh", "sigmoid", "exp", "identity")),
    ((4, 3, 3, 2), ("sigmoid", "relu", "tanh", "sigmoid")),
    ((1, 2, 4, 3), ("identity", "exp", "identity", "tanh")),
    ((3, 3, 3, 3), ("tanh", "tanh", "tanh", "tanh")),
]


def _oracle_deltas(Ws, p0, y, acts):
    """Forward p_i, q_i and backward Δ_k in numpy: Δ0 = (q3 − y) ⊙ σ3'(p3),
    Δ_{k+1} = (W_{2-k,3-k}ᵀ Δ_k) ⊙ σ_{2-k}'(p_{2-k})."""
    p = [p0]
    q = [acts[0].f(p0)]
    for i, W in enumerate(Ws):
        p.append(W @ q[-1])
        q.append(acts[i + 1].f(p[-1]))
    D = [(q[3] - y) * acts[3].df(p[3])]
    for k in range(3):
        D.append((Ws[2 - k].T @ D[-1]) * acts[2 - k].df(p[2 - k]))
    return p, q, D


@pytest.mark.parametrize("widths,names", LAYERS, ids=[str(w) for w, _ in LAYERS])
@pytest.mark.parametrize("seed", SEEDS)
def test_dC_dW_i_iplus1_eq_Delta_2_minus_i_q_iT_values(seed, widths, names):
    """003 §IV (finished): dC/dW_{i,i+1} = Δ_{2−i} q_iᵀ with Δ0 = (q3 − y) ⊙ σ3'(p3) and
    Δ_{k+1} = (Wᵀ Δ_k) ⊙ σ'(p); Δ_k is the grad of p_{3−k}. Network built from Values."""
    r = rng(seed)
    n = widths
    Ws = [r.normal(size=(n[i + 1], n[i])) / np.sqrt(n[i]) for i in range(3)]
    p0, y = col(r.normal(size=n[0])), col(r.normal(size=n[3]))
    acts = [act(a) for a in names]
    Wv = [mat(W) for W in Ws]
    pv = [vec(p0)]
    qv = [acts[0].on(pv[0])]
    for i in range(3):
        pv.append(matvec(Wv[i], qv[-1]))
        qv.append(acts[i + 1].on(pv[-1]))
    half_sq(qv[3], y).backward()
    p, q, D = _oracle_deltas(Ws, p0, y, acts)
    for i in range(4):
        assert_close(col(data(pv[i])), p[i])
        assert_close(col(grads(pv[i])), D[3 - i], what=f"grad p_{i} = Delta_{3 - i}")
    for i in range(3):
        assert_close(grads(Wv[i]), D[2 - i] @ q[i].T, what=f"dC/dW_{i}{i + 1}")


@pytest.mark.parametrize("widths,names", LAYERS[:3], ids=[str(w) for w, _ in LAYERS[:3]])
def test_dC_dW_identity_everywhere_reduces_to_section_III(widths, names):
    """003 §IV with every σ_i = id: Δ_k and dC/dW_{i,i+1} = Δ_{2−i} q_iᵀ are §III's chains."""
    r = rng(7)
    n = widths
    Ws = [r.normal(size=(n[i + 1], n[i])) for i in range(3)]
    p0, y = col(r.normal(size=n[0])), col(r.normal(size=n[3]))
    acts = [act("identity")] * 4
    _, q, D = _oracle_deltas(Ws, p0, y, acts)
    x3 = Ws[2] @ Ws[1] @ Ws[0] @ p0
    assert_close(D[0], x3 - y)
    assert_close(D[2], Ws[1].T @ Ws[2].T @ (x3 - y))
    Wv = [mat(W) for W in Ws]
    x = vec(p0)
    for W in Wv:
        x = matvec(W, x)
    half_sq(x, y).backward()
    assert_close(grads(Wv[0]), Ws[1].T @ Ws[2].T @ (x3 - y) @ p0.T)


# -- the same on nn.MLP, through MLP.trace ------------------------------------------------------


def _nn():
    return importlib.import_module("nn")


def _weights_of(model):
    """Each layer's weight matrix and bias vector, read as numbers (rows = neurons)."""
    Ws, bs = [], []
    for layer in model.layers:
        Ws.append(np.array([[w.data for w in neuron.w] for neuron in layer.neurons]))
        bs.append(col([neuron.b.data for neuron in layer.neurons]))
    return Ws, bs


def _as_list(out):
    return out if isinstance(out, (list, tuple)) else [out]


MLP_CASES = [
    (3, [4, 2, 3], ["tanh", "sigmoid", "tanh"], "identity"),
    (2, [5, 3, 1], ["tanh", "sigmoid", "identity"], "tanh"),
    (4, [3, 3, 2], ["sigmoid", "tanh", "sigmoid"], "sigmoid"),
    (1, [2, 4, 3], ["tanh", "identity", "tanh"], "identity"),
    (3, [3, 3], ["relu", "tanh"], "tanh"),
]


@pytest.mark.parametrize("nin,nouts,acts,sigma0", MLP_CASES, ids=[str(c[1]) for c in MLP_CASES])
@pytest.mark.parametrize("seed", SEEDS)
def test_mlp_trace_grad_p_i_eq_Delta_and_dC_dW_eq_Delta_qT(seed, nin, nouts, acts, sigma0):
    """003 §IV (finished), on nn.MLP via MLP.trace: after backward of C = ½‖q_L − y‖², the grad of
    every p_i (i = 0..L) equals Δ_{L−i}, with Δ0 = (q_L − y) ⊙ σ_L'(p_L) and
    Δ_{k+1} = (W_{L−k}ᵀ Δ_k) ⊙ σ_{L−k−1}'(p_{L−k−1}); each layer's weight grad is Δ q_{i}ᵀ and
    its bias grad Δ (biases being the documents' constant-input weights)."""
    nn = _nn()
    model = nn.MLP(nin, nouts, activation=acts, input_activation=sigma0, seed=seed)
    r = rng(100 + seed)
    x = r.normal(size=nin)
    y = col(r.normal(size=nouts[-1]))
    t = model.trace(x.tolist())
    C = nn.mse(_as_list(t.output), y.reshape(-1).tolist())
    C.backward()

    L = len(nouts)
    sig = [act(sigma0)] + [act(a) for a in acts]
    Ws, bs = _weights_of(model)
    p = [col(x)]
    q = [sig[0].f(p[0])]
    for i in range(L):
        p.append(Ws[i] @ q[-1] + bs[i])
        q.append(sig[i + 1].f(p[-1]))
    D = [(q[L] - y) * sig[L].df(p[L])]
    for k in range(L):
        D.append((Ws[L - 1 - k].T @ D[-1]) * sig[L - 1 - k].df(p[L - 1 - k]))

    assert len(t.p) == len(t.q) == L + 1
    assert C.data == pytest.approx(0.5 * float(((q[L] - y) ** 2).sum()))
    for i in range(L + 1):
        assert_close(col(data(t.p[i])), p[i], what=f"p[{i}]")
        assert_close(col(data(t.q[i])), q[i], what=f"q[{i}]")
        assert_close(col(grads(t.p[i])), D[L - i], what=f"grad p[{i}] = Delta_{L - i}")
    for i, layer in enumerate(model.layers):
        gW = np.array([[w.grad for w in neuron.w] for neuron in layer.neurons])
        gb = col([neuron.b.grad for neuron in layer.neurons])
        assert_close(gW, D[L - 1 - i] @ q[i].T, what=f"dC/dW layer {i + 1}")
        assert_close(gb, D[L - 1 - i], what=f"dC/db layer {i + 1}")
