"""Document 003, "Backpropagation III - linear activations + multi-node layers" and its
"Aside: Matrix derivatives".

Matrices are built element by element from scalar Values; products are
``autograd.dot`` nodes. Oracle: the boxed matrix-derivative formulas, in numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd

from .helpers import (
    assert_close,
    col,
    data,
    grads,
    half_sq,
    inner,
    mat,
    matvec,
    not_close,
    rng,
    vec,
)

# (m, n) and (l, m, n) shapes; several, rectangular both ways, some tall some wide
SHAPES2 = [(1, 1), (2, 3), (4, 2), (3, 3), (5, 4)]
SHAPES3 = [(2, 3, 4), (4, 3, 2), (3, 3, 3), (1, 2, 5), (5, 1, 2)]
SEEDS = [0, 1, 2]
# network layer widths n0, n1, n2, n3 for x0 -> x1 -> x2 -> x3
WIDTHS = [(3, 4, 2, 3), (2, 2, 2, 2), (5, 3, 4, 2), (1, 3, 2, 4), (4, 2, 5, 1)]


def _linear_net(seed, widths):
    r = rng(seed)
    n0, n1, n2, n3 = widths
    W01, W12, W23 = (r.normal(size=(b, a)) / np.sqrt(a) for a, b in [(n0, n1), (n1, n2), (n2, n3)])
    x0 = col(r.normal(size=n0))
    y = col(r.normal(size=n3))
    return W01, W12, W23, x0, y


def _engine_net(W01, W12, W23, x0, y):
    """x1 = W01 x0, x2 = W12 x1, x3 = W23 x2, C = (x3 − y)ᵀ(x3 − y)/2, all from Values."""
    Ws = [mat(W01, "W01"), mat(W12, "W12"), mat(W23, "W23")]
    xs = [vec(x0, "x0")]
    for W in Ws:
        xs.append(matvec(W, xs[-1]))
    C = half_sq(xs[3], y)
    C.backward()
    return Ws, xs, C


# -- the aside: costs linear in the weights ---------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES2)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_yT_A_x_gives_y_xT(seed, shape):
    """003 §III aside, "Cost linear in weights": C = yᵀAx ⟹ δC/δA = y xᵀ."""
    m, n = shape
    r = rng(seed)
    A, x, y = r.normal(size=(m, n)), col(r.normal(size=n)), col(r.normal(size=m))
    Av = mat(A)
    C = inner(vec(y), matvec(Av, vec(x)))
    C.backward()
    assert C.data == pytest.approx((y.T @ A @ x).item())
    assert_close(grads(Av), y @ x.T)


@pytest.mark.parametrize("shape", SHAPES3)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_yT_A_B_x_gives_y_xT_BT_and_AT_y_xT(seed, shape):
    """003 §III aside: C = yᵀABx ⟹ δC/δA = y xᵀBᵀ, δC/δB = Aᵀ y xᵀ."""
    l, m, n = shape
    r = rng(seed)
    A, B = r.normal(size=(l, m)), r.normal(size=(m, n))
    x, y = col(r.normal(size=n)), col(r.normal(size=l))
    Av, Bv = mat(A), mat(B)
    C = inner(vec(y), matvec(Av, matvec(Bv, vec(x))))
    C.backward()
    assert_close(grads(Av), y @ x.T @ B.T)
    assert_close(grads(Bv), A.T @ y @ x.T)


@pytest.mark.parametrize("shape", SHAPES3)
@pytest.mark.parametrize("seed", SEEDS)
def test_linear_rule_transpose_constants_and_put_them_left(seed, shape):
    """003 §III aside (end): "pass through all constants but transpose them":
    δ/δA (yᵀAB x) = (yᵀ)ᵀ (Bx)ᵀ and δ/δB (yᵀAB x) = (yᵀA)ᵀ xᵀ."""
    l, m, n = shape
    r = rng(seed)
    A, B = r.normal(size=(l, m)), r.normal(size=(m, n))
    x, y = col(r.normal(size=n)), col(r.normal(size=l))
    Av, Bv = mat(A), mat(B)
    inner(vec(y), matvec(Av, matvec(Bv, vec(x)))).backward()
    assert_close(grads(Av), (y.T).T @ (B @ x).T)
    assert_close(grads(Bv), (y.T @ A).T @ x.T)


# -- the aside: costs quadratic in the weights ------------------------------------------------


def _half_norm_sq(vs):
    return 0.5 * autograd.dot(vs, vs)


@pytest.mark.parametrize("shape", SHAPES2)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_half_xT_AT_A_x_gives_A_x_xT(seed, shape):
    """003 §III aside, "Cost quadratic in weights": C = ½ xᵀAᵀAx ⟹ δC/δA = A x xᵀ."""
    m, n = shape
    r = rng(seed)
    A, x = r.normal(size=(m, n)), col(r.normal(size=n))
    Av = mat(A)
    C = _half_norm_sq(matvec(Av, vec(x)))
    C.backward()
    assert C.data == pytest.approx(0.5 * (x.T @ A.T @ A @ x).item())
    assert_close(grads(Av), A @ x @ x.T)


@pytest.mark.parametrize("shape", SHAPES3)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_half_xT_BT_AT_A_B_x_gives_ABx_BxT_and_ATA_B_x_xT(seed, shape):
    """003 §III aside: C = ½ xᵀBᵀAᵀABx ⟹ δC/δA = (ABx)(Bx)ᵀ = AB(xxᵀ)Bᵀ,
    δC/δB = (AᵀA) B (xxᵀ)."""
    l, m, n = shape
    r = rng(seed)
    A, B, x = r.normal(size=(l, m)), r.normal(size=(m, n)), col(r.normal(size=n))
    Av, Bv = mat(A), mat(B)
    _half_norm_sq(matvec(Av, matvec(Bv, vec(x)))).backward()
    assert_close(grads(Av), (A @ B @ x) @ (B @ x).T)
    assert_close(grads(Av), A @ B @ (x @ x.T) @ B.T)
    assert_close(grads(Bv), (A.T @ A) @ B @ (x @ x.T))


@pytest.mark.parametrize("shape", SHAPES3)
@pytest.mark.parametrize("seed", SEEDS)
def test_C_half_xT_BT_D_B_x_index_calculation_gives_DBxxT(seed, shape):
    """003 §III aside, the index calculation with D = AᵀA symmetric:
    [δC/δB]_cd = ½ x_d [d_ck b_kl x_l + d_jc b_ji x_i] = (D B x xᵀ)_cd."""
    l, m, n = shape
    r = rng(seed)
    A, B, x = r.normal(size=(l, m)), r.normal(size=(m, n)), r.normal(size=n)
    D = A.T @ A
    Bv = mat(B)
    # C = ½ xᵀBᵀDBx with D given as numbers: ½ (Bx)ᵀ D (Bx)
    Bx = matvec(Bv, x.tolist())
    _half_norm_sq_D = 0.5 * inner(Bx, matvec(D.tolist(), Bx))
    _half_norm_sq_D.backward()
    two_terms = 0.5 * (
        np.einsum("d,ck,kl,l->cd", x, D, B, x) + np.einsum("i,ji,jc,d->cd", x, B, D, x)
    )
    assert_close(grads(Bv), two_terms)
    assert_close(grads(Bv), D @ B @ np.outer(x, x))


# -- errata in the aside ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (4, 4)])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_identity_check_selects_xxT_not_xTx(seed, shape):
    """003 §III aside, erratum: replacing D = AᵀA by I gives C = ½xᵀBᵀBx with δC/δB = B(xxᵀ);
    the text concludes "so we know xxᵀ is the wrong choice" — it is xᵀx that is ruled out
    (and the boxed result indeed uses xxᵀ)."""
    m, n = shape
    r = rng(seed)
    B, x = r.normal(size=(m, n)), col(r.normal(size=n))
    Bv = mat(B)
    _half_norm_sq(matvec(Bv, vec(x))).backward()
    assert_close(grads(Bv), B @ (x @ x.T))  # corrected: xxᵀ is the right choice
    assert not_close(grads(Bv), B * (x.T @ x).item())  # as written-off: xᵀx is the wrong one


@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_gradient_descent_uses_the_gradient_at_t(seed):
    """003 §III, erratum: the update is written w^(t+1) = w^(t) − η ∂C/∂w^(t+1) (gradient at the
    new point, an implicit equation); gradient descent, as in §I and in the aside's
    W^(t+1) = W^(t) − η δC/δW^(t), uses the gradient at w^(t)."""
    r = rng(seed)
    A, x, y = r.normal(size=(3, 4)), col(r.normal(size=4)), col(r.normal(size=3))
    eta = 0.1

    def grad_at(Wnp):
        Wv = mat(Wnp)
        half_sq(matvec(Wv, vec(x)), y).backward()
        return grads(Wv)

    stepped = A - eta * grad_at(A)  # what a gradient-descent step (SGD) produces
    oracle = A - eta * (A @ x - y) @ x.T
    assert_close(stepped, oracle)
    # the written rule is not satisfied by that step: the gradient at t+1 differs
    assert not_close(stepped, A - eta * grad_at(stepped))


# -- the network: expanded cost, the three boxed gradients, the backward chains Δ_i ----------------


@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("seed", SEEDS)
def test_boxed_dC_dW01_W12_W23_and_Delta_chains(seed, widths):
    """003 §III: δC/δW01 = W12ᵀW23ᵀ(x3 − y)x0ᵀ, δC/δW12 = W23ᵀ(x3 − y)x1ᵀ,
    δC/δW23 = (x3 − y)x2ᵀ, i.e. δC/δW_{i,i+1} = Δ_{2−i} x_iᵀ with Δ0 = x3 − y,
    Δ1 = W23ᵀΔ0, Δ2 = W12ᵀΔ1, Δ3 = W01ᵀΔ2 (the grads of x3, x2, x1, x0)."""
    W01, W12, W23, x0, y = _linear_net(seed, widths)
    Ws, xs, _ = _engine_net(W01, W12, W23, x0, y)
    x1 = W01 @ x0
    x2 = W12 @ x1
    x3 = W23 @ x2
    assert_close(col(data(xs[3])), x3)
    assert_close(grads(Ws[0]), W12.T @ W23.T @ (x3 - y) @ x0.T)
    assert_close(grads(Ws[1]), W23.T @ (x3 - y) @ x1.T)
    assert_close(grads(Ws[2]), (x3 - y) @ x2.T)
    D0 = x3 - y
    D1 = W23.T @ D0
    D2 = W12.T @ D1
    D3 = W01.T @ D2
    for k, Dk in enumerate([D0, D1, D2, D3]):
        assert_close(col(grads(xs[3 - k])), Dk, what=f"Delta_{k}")
    xi = [x0, x1, x2]
    Delta = [D0, D1, D2]
    for i in range(3):
        assert_close(grads(Ws[i]), Delta[2 - i] @ xi[i].T, what=f"dC/dW_{i}{i + 1}")


@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("seed", SEEDS)
def test_dC_dW01_as_DTD_W01_x0x0T_minus_DT_y_x0T(seed, widths):
    """003 §III: with D = W23W12, δC/δW01 = (DᵀD)W01(x0x0ᵀ) − Dᵀ y x0ᵀ (quadratic + linear rules);
    for W12 with u = W01x0: W23ᵀW23W12uuᵀ − W23ᵀyuᵀ; for W23 with D = W12W01:
    W23 D(x0x0ᵀ)Dᵀ − y x0ᵀDᵀ."""
    W01, W12, W23, x0, y = _linear_net(seed, widths)
    Ws, _, _ = _engine_net(W01, W12, W23, x0, y)
    D = W23 @ W12
    assert_close(grads(Ws[0]), (D.T @ D) @ W01 @ (x0 @ x0.T) - D.T @ y @ x0.T)
    u = W01 @ x0
    assert_close(grads(Ws[1]), W23.T @ W23 @ W12 @ u @ u.T - W23.T @ y @ u.T)
    D = W12 @ W01
    assert_close(grads(Ws[2]), W23 @ D @ (x0 @ x0.T) @ D.T - y @ x0.T @ D.T)


@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("seed", SEEDS)
def test_cost_expansion_half_x3Tx3_minus_yTx3_plus_half_yTy(seed, widths):
    """003 §III: C = (x3−y)ᵀ(x3−y)/2 = ½[x3ᵀx3 − x3ᵀy − yᵀx3 + yᵀy], x3ᵀy = yᵀx3, and dropping
    ½yᵀy leaves the gradients unchanged (C' = C − const has the same derivatives)."""
    W01, W12, W23, x0, y = _linear_net(seed, widths)
    Ws, xs, C = _engine_net(W01, W12, W23, x0, y)
    x3 = W23 @ W12 @ W01 @ x0
    full = 0.5 * (x3.T @ x3 - x3.T @ y - y.T @ x3 + y.T @ y).item()
    assert C.data == pytest.approx(full)
    assert (x3.T @ y).item() == pytest.approx((y.T @ x3).item())
    # C' = x3ᵀx3/2 − yᵀx3 built from Values: same gradients
    Ws2 = [mat(W01), mat(W12), mat(W23)]
    x = vec(x0)
    for W in Ws2:
        x = matvec(W, x)
    Cp = 0.5 * inner(x, x) - inner(vec(y), x)
    Cp.backward()
    assert Cp.data == pytest.approx(C.data - 0.5 * (y.T @ y).item())
    for W, W2 in zip(Ws, Ws2):
        assert_close(grads(W2), grads(W))


@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_multidimcost_is_x3Tx3_over_2_not_x3Ty_over_2(seed, widths):
    """003 §III, erratum: eq. (multidimcost) writes C = ½[x3ᵀx3 − 2yᵀx3] = x3ᵀy/2 − yᵀx3; the
    right-hand side must be x3ᵀx3/2 − yᵀx3 (as the section itself writes further down)."""
    W01, W12, W23, x0, y = _linear_net(seed, widths)
    x3 = W23 @ W12 @ W01 @ x0
    target = 0.5 * (x3.T @ x3 - 2 * y.T @ x3).item()
    written = (x3.T @ y / 2 - y.T @ x3).item()
    corrected = (x3.T @ x3 / 2 - y.T @ x3).item()
    assert corrected == pytest.approx(target)
    assert written != pytest.approx(target)
    # and the written cost does not have the boxed gradient: δ/δW23 (x3ᵀy/2 − yᵀx3) = −½ y x2ᵀ
    Ws = [mat(W01), mat(W12), mat(W23)]
    x = vec(x0)
    for W in Ws:
        x = matvec(W, x)
    (0.5 * inner(x, vec(y)) - inner(vec(y), x)).backward()
    x2 = W12 @ W01 @ x0
    assert_close(grads(Ws[2]), -0.5 * y @ x2.T)
    assert not_close(grads(Ws[2]), (x3 - y) @ x2.T)


@pytest.mark.parametrize("widths", [(3, 4, 2, 3), (5, 3, 4, 2), (1, 3, 2, 4), (2, 5, 3, 3)])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_W12_result_labelled_dC_dW01(seed, widths):
    """003 §III, erratum: under "δC/δW12" the text writes "δC/δW01 = W23ᵀW23W12uuᵀ − W23ᵀyuᵀ";
    that expression is δC/δW12 (its shape is that of W12), not δC/δW01."""
    W01, W12, W23, x0, y = _linear_net(seed, widths)
    Ws, _, _ = _engine_net(W01, W12, W23, x0, y)
    u = W01 @ x0
    expr = W23.T @ W23 @ W12 @ u @ u.T - W23.T @ y @ u.T
    assert_close(grads(Ws[1]), expr)  # corrected label: δC/δW12
    assert not_close(grads(Ws[0]), expr)  # written label: δC/δW01 (wrong shape or numbers)
    assert expr.shape == W12.shape != W01.shape


@pytest.mark.parametrize("widths", [(3, 4, 2, 3), (5, 3, 4, 2), (1, 3, 2, 4), (2, 2, 2, 2)])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_dC_dW23_term_is_y_x0T_DT_not_yT_x0T_DT(seed, widths):
    """003 §III, erratum: δC/δW23 = W23D(x0x0ᵀ)Dᵀ − yᵀx0ᵀDᵀ (and again − yᵀx0ᵀW01ᵀW12ᵀ after
    substituting D); yᵀx0ᵀ is a (1,n3)(1,n0) product that cannot be formed. The term is
    y x0ᵀ Dᵀ, and then the whole is (x3 − y)x2ᵀ."""
    W01, W12, W23, x0, y = _linear_net(seed, widths)
    Ws, _, _ = _engine_net(W01, W12, W23, x0, y)
    D = W12 @ W01
    with pytest.raises(ValueError):
        y.T @ x0.T @ D.T  # as written
    with pytest.raises(ValueError):
        y.T @ x0.T @ W01.T @ W12.T  # the same slip after replacing D
    corrected = W23 @ D @ (x0 @ x0.T) @ D.T - y @ x0.T @ D.T
    assert_close(grads(Ws[2]), corrected)
    assert_close(corrected, (W23 @ D @ x0 - y) @ (D @ x0).T)


@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("seed", [0, 1])
def test_erratum_Delta_i_are_column_vectors_not_matrices(seed, widths):
    """003 §III, erratum: "capital deltas Δ … to signify that the backward chains are matrices":
    Δ0 = x3 − y, Δ1 = W23ᵀΔ0, … are (n, 1) column vectors (the grads of the vectors x_3..x_0);
    the matrix in δC/δW_{i,i+1} = Δ_{2−i} x_iᵀ comes from the outer product with x_iᵀ."""
    W01, W12, W23, x0, y = _linear_net(seed, widths)
    _, xs, _ = _engine_net(W01, W12, W23, x0, y)
    x3 = W23 @ W12 @ W01 @ x0
    Deltas = [x3 - y]
    for W in (W23, W12, W01):
        Deltas.append(W.T @ Deltas[-1])
    for k, Dk in enumerate(Deltas):
        assert Dk.shape == (widths[3 - k], 1)  # a column vector, one entry per node of layer 3-k
        assert len(xs[3 - k]) == Dk.shape[0]
