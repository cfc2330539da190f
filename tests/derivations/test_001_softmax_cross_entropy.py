"""Document 001: dL/dx through x (1×5) → W1 (5×3), b1 → sigmoid → W2 (3×5), b2 → softmax →
cross-entropy, in the question's row-vector form and the answer's column-vector form.

The network is built from scalar Values (row-vector convention: a = xW1 + b1, θ = hW2 + b2).
Oracle: the formulas of the document in numpy; shapes are those of the document
(5, 3, 5) and several others.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import autograd

from .helpers import assert_close, grads, not_close, rng, softmax_values, vec, vecmat

SHAPES = [(5, 3, 5), (4, 6, 3), (2, 3, 4), (6, 2, 6)]  # (n_in, n_hidden, n_out), n_in ≠ n_hidden
SEEDS = [0, 1, 2]


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(t):
    e = np.exp(t - t.max())
    return e / e.sum()


def _problem(seed, shape, soft=False):
    n_in, n_h, n_out = shape
    r = rng(seed)
    x = r.normal(size=(1, n_in))
    W1, b1 = r.normal(size=(n_in, n_h)), r.normal(size=(1, n_h)) * 0.3
    W2, b2 = r.normal(size=(n_h, n_out)), r.normal(size=(1, n_out)) * 0.3
    if soft:  # a probability vector as label: the result ŷ − y only needs Σ y = 1
        y = r.dirichlet(np.ones(n_out)).reshape(1, n_out)
    else:
        y = np.zeros((1, n_out))
        y[0, r.integers(n_out)] = 1.0
    return x, W1, b1, W2, b2, y


def _forward_np(x, W1, b1, W2, b2):
    a = x @ W1 + b1
    h = _sig(a)
    theta = h @ W2 + b2
    return a, h, theta, _softmax(theta)


def _engine(x, W1, b1, W2, b2, y):
    """Build the network from Values (x a row of Values), backward on L; return the nodes."""
    xv = vec(x, "x")
    W1v = [[autograd.Value(float(v)) for v in row] for row in W1]
    W2v = [[autograd.Value(float(v)) for v in row] for row in W2]
    a = [p + float(c) for p, c in zip(vecmat(xv, W1v), b1[0])]
    h = [v.sigmoid() for v in a]
    theta = [p + float(c) for p, c in zip(vecmat(h, W2v), b2[0])]
    yhat = softmax_values(theta)
    L = -autograd.sum([float(t) * p.log() for t, p in zip(y[0], yhat) if t != 0.0])
    L.backward()
    return {"x": xv, "a": a, "h": h, "theta": theta, "yhat": yhat, "L": L}


def _row(vs):
    return grads(vs).reshape(1, -1)


@pytest.mark.parametrize("soft", [False, True], ids=["onehot", "soft"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_dL_dtheta_eq_yhat_minus_y(seed, shape, soft):
    """001 (comment and answer): the derivative of xent(y, softmax(θ)) with respect to θ is ŷ − y
    (the answer's (y1ᵀ − I)p = y − p in its renamed variables)."""
    x, W1, b1, W2, b2, y = _problem(seed, shape, soft)
    e = _engine(x, W1, b1, W2, b2, y)
    _, _, theta, yhat = _forward_np(x, W1, b1, W2, b2)
    assert e["L"].data == pytest.approx(-float((y * np.log(yhat)).sum()))
    assert_close(_row(e["theta"]), yhat - y)
    # the answer's intermediate forms: −(I − 1ŷᵀ)ᵀ y = (ŷ1ᵀ − I) y = ŷ − y (as columns)
    n = y.shape[1]
    assert_close(-(np.eye(n) - np.ones((n, 1)) @ yhat).T @ y.T, (yhat - y).T)
    assert_close((yhat.T @ np.ones((1, n)) - np.eye(n)) @ y.T, (yhat - y).T)


@pytest.mark.parametrize("n", [2, 3, 5, 7])
@pytest.mark.parametrize("seed", SEEDS)
def test_nn_cross_entropy_grad_eq_softmax_minus_onehot(seed, n):
    """001: d/dθ of softmax + cross-entropy is ŷ − y, checked on nn.cross_entropy (and nn.softmax
    gives the same ŷ)."""
    nn = importlib.import_module("nn")
    r = rng(seed)
    theta = r.normal(size=n) * 2
    t = int(r.integers(n))
    tv = vec(theta)
    nn.cross_entropy(tv, t).backward()
    y = np.eye(n)[t]
    assert_close(grads(tv), _softmax(theta) - y)
    assert_close([v.data for v in nn.softmax(vec(theta))], _softmax(theta))


@pytest.mark.parametrize("n", [2, 3, 5])
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_jacobian_eq_Y_minus_y_yT(seed, n):
    """001 (answer): y = softmax(θ) ⟹ dy = (Y − yyᵀ) dθ with Y = Diag(y); row i of the Jacobian is
    the engine's gradient of y_i."""
    theta = rng(seed).normal(size=n)
    yhat = _softmax(theta)
    expected = np.diag(yhat) - np.outer(yhat, yhat)
    for i in range(n):
        tv = vec(theta)
        softmax_values(tv)[i].backward()
        assert_close(grads(tv), expected[i], what=f"row {i}")


@pytest.mark.parametrize("soft", [False, True], ids=["onehot", "soft"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_dL_dx_column_form_W1_H_minus_H2_W2_yhat_minus_y(seed, shape, soft):
    """001 (answer): ∂L/∂x = W1 (H − H²) W2 (ŷ − y), H = Diag(h), in column vectors."""
    x, W1, b1, W2, b2, y = _problem(seed, shape, soft)
    e = _engine(x, W1, b1, W2, b2, y)
    _, h, _, yhat = _forward_np(x, W1, b1, W2, b2)
    H = np.diag(h[0])
    assert_close(_row(e["x"]).T, W1 @ (H - H @ H) @ W2 @ (yhat - y).T)


@pytest.mark.parametrize("soft", [False, True], ids=["onehot", "soft"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_dL_dx_row_form_yhat_minus_y_W2T_odot_h_minus_h2_times_W1T(seed, shape, soft):
    """001: the row form ∂L/∂x = [((ŷ − y) W2ᵀ) ⊙ (h − h ⊙ h)] W1ᵀ (a 1 × n_in row)."""
    x, W1, b1, W2, b2, y = _problem(seed, shape, soft)
    e = _engine(x, W1, b1, W2, b2, y)
    _, h, _, yhat = _forward_np(x, W1, b1, W2, b2)
    row = (((yhat - y) @ W2.T) * (h - h * h)) @ W1.T
    assert row.shape == (1, shape[0])
    assert_close(_row(e["x"]), row)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_answer_differentials_give_grads_of_theta_h_a_x(seed, shape):
    """001 (answer), line by line: dL = (y − p):dθ = W2(y − p):dh = (H − H²)W2(y − p):da
    = W1(H − H²)W2(y − p):dx, i.e. the grads of θ, h, a, x (with (p, y) ≐ (y, ŷ))."""
    x, W1, b1, W2, b2, y = _problem(seed, shape)
    e = _engine(x, W1, b1, W2, b2, y)
    _, h, _, yhat = _forward_np(x, W1, b1, W2, b2)
    H = np.diag(h[0])
    g_theta = (yhat - y).T
    g_h = W2 @ g_theta
    g_a = (H - H @ H) @ g_h
    g_x = W1 @ g_a
    for name, g in [("theta", g_theta), ("h", g_h), ("a", g_a), ("x", g_x)]:
        assert_close(_row(e[name]).T, g, what=name)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_chain_rule_dL_dyhat_dyhat_dtheta_dtheta_dh_dh_da_da_dx(seed, shape):
    """001 (question): ∂L/∂x = ∂L/∂ŷ ∂ŷ/∂θ ∂θ/∂h ∂h/∂a ∂a/∂x, a row vector times Jacobians:
    (−y/ŷ) (Diag(ŷ) − ŷᵀŷ) W2ᵀ Diag(σ'(a)) W1ᵀ; the elementwise ⊙σ'(a) of the result is the
    diagonal Jacobian Diag(σ'(a)) (the question's point 2)."""
    x, W1, b1, W2, b2, y = _problem(seed, shape)
    e = _engine(x, W1, b1, W2, b2, y)
    a, h, _, yhat = _forward_np(x, W1, b1, W2, b2)
    dL_dyhat = -y / yhat
    dyhat_dtheta = np.diag(yhat[0]) - yhat.T @ yhat
    dtheta_dh = W2.T
    dh_da = np.diag((_sig(a) * (1 - _sig(a)))[0])
    da_dx = W1.T
    assert_close(_row(e["x"]), dL_dyhat @ dyhat_dtheta @ dtheta_dh @ dh_da @ da_dx)
    v = (yhat - y) @ W2.T
    assert_close(v * (h - h * h), v @ dh_da)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_question_transpose_of_W2_is_forced_by_the_shapes(seed, shape):
    """001 (question 1, "can you just transpose?"): (ŷ − y) is 1 × n_out and W2 is n_h × n_out, so
    (ŷ − y) W2 cannot be formed; (ŷ − y) W2ᵀ can, and it is ∂L/∂h (the Jacobian ∂θ/∂h is W2ᵀ)."""
    x, W1, b1, W2, b2, y = _problem(seed, shape)
    e = _engine(x, W1, b1, W2, b2, y)
    _, _, _, yhat = _forward_np(x, W1, b1, W2, b2)
    if shape[1] != shape[2]:
        with pytest.raises(ValueError):
            (yhat - y) @ W2
    assert_close(_row(e["h"]), (yhat - y) @ W2.T)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_question_formula_needs_W1T_not_W1(seed, shape):
    """001 (question), erratum: the result is quoted as ((ŷ − y)W2ᵀ) ∘ σ'(a) W1; with W1 of shape
    (5 × 3) the last product is (1 × 3)(5 × 3) and cannot be formed. It is W1ᵀ."""
    x, W1, b1, W2, b2, y = _problem(seed, shape)
    e = _engine(x, W1, b1, W2, b2, y)
    a, _, _, yhat = _forward_np(x, W1, b1, W2, b2)
    left = ((yhat - y) @ W2.T) * (_sig(a) * (1 - _sig(a)))
    with pytest.raises(ValueError):
        left @ W1  # as written
    assert_close(_row(e["x"]), left @ W1.T)  # corrected


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_question_formula_with_square_W1_gives_wrong_numbers(seed, n):
    """001 (question), erratum: when W1 is square (n_in = n_h) the product with W1 can be formed,
    but
    it still gives different numbers from the engine's ∂L/∂x; W1ᵀ gives the same."""
    x, W1, b1, W2, b2, y = _problem(seed, (n, n, 4))
    e = _engine(x, W1, b1, W2, b2, y)
    a, _, _, yhat = _forward_np(x, W1, b1, W2, b2)
    left = ((yhat - y) @ W2.T) * (_sig(a) * (1 - _sig(a)))
    assert not_close(_row(e["x"]), left @ W1)
    assert_close(_row(e["x"]), left @ W1.T)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_erratum_answer_final_row_line_is_1x3_odot_1x5(seed, shape):
    """001 (answer), erratum: the final line ∂L/∂x = ((ŷ − y)W2ᵀ) ∘ ((h − h∘h)W1ᵀ) is a
    (1 × 3) ∘ (1 × 5) product and cannot be formed (and (h − h∘h)W1ᵀ is not a factor of the
    column result at all). Casting W1(H − H²)W2(ŷ − y) back to rows gives
    [((ŷ − y)W2ᵀ) ∘ (h − h∘h)] W1ᵀ."""
    x, W1, b1, W2, b2, y = _problem(seed, shape)
    e = _engine(x, W1, b1, W2, b2, y)
    _, h, _, yhat = _forward_np(x, W1, b1, W2, b2)
    lhs, rhs = (yhat - y) @ W2.T, (h - h * h) @ W1.T
    assert lhs.shape == (1, shape[1]) and rhs.shape == (1, shape[0])
    with pytest.raises(ValueError):
        lhs * rhs  # as written
    assert_close(_row(e["x"]), (lhs * (h - h * h)) @ W1.T)  # corrected
    H = np.diag(h[0])
    assert_close(((lhs * (h - h * h)) @ W1.T).T, W1 @ (H - H @ H) @ W2 @ (yhat - y).T)
