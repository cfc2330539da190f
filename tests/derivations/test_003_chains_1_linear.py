"""Document 003, "Global view" and "Backpropagation I - linear activations".

The one-node-per-layer linear chain x0 -> x1 -> x2 -> x3 with weights w01, w12, w23
and the cost C = (x3 - y)^2 / 2. Oracle: the closed forms of the section, in numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Value

from .helpers import assert_close, away_from_zero, rng

SEEDS = [0, 1, 2, 3, 4]


def _chain3(seed):
    r = rng(seed)
    w01, w12, w23 = away_from_zero(r, 3)
    x0, y = r.normal(size=2)
    return float(x0), float(y), float(w01), float(w12), float(w23)


def _build(x0, y, w01, w12, w23):
    ws = [Value(w01, "w01"), Value(w12, "w12"), Value(w23, "w23")]
    x = [Value(x0, "x0")]
    for w in ws:
        x.append(w * x[-1])
    C = (x[3] - y) ** 2 / 2
    C.backward()
    return ws, x, C


@pytest.mark.parametrize("seed", SEEDS)
def test_dC_dw23_eq_err_w12_w01_x0(seed):
    """003 §I: ∂C/∂w23 = (x3 − y) w12 w01 x0 (and the other two derivatives of that list)."""
    x0, y, w01, w12, w23 = _chain3(seed)
    ws, _, _ = _build(x0, y, w01, w12, w23)
    x3 = w23 * w12 * w01 * x0
    assert ws[2].grad == pytest.approx((x3 - y) * w12 * w01 * x0, rel=1e-12)
    assert ws[1].grad == pytest.approx((x3 - y) * w23 * w01 * x0, rel=1e-12)
    assert ws[0].grad == pytest.approx((x3 - y) * w23 * w12 * x0, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_forward_chains_x1_x2_x3(seed):
    """003 §I: forward chains x1 = w01 x0, x2 = w12 w01 x0, x3 = w23 w12 w01 x0 = w_c x0."""
    x0, y, w01, w12, w23 = _chain3(seed)
    _, x, _ = _build(x0, y, w01, w12, w23)
    assert [v.data for v in x] == pytest.approx(
        [x0, w01 * x0, w12 * w01 * x0, w23 * w12 * w01 * x0], rel=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_backward_chains_delta0_to_delta3(seed):
    """003 §I: δ0 = x3 − y, δ1 = w23 δ0, δ2 = w12 δ1, δ3 = w01 δ2: the grads of x3, x2, x1, x0."""
    x0, y, w01, w12, w23 = _chain3(seed)
    _, x, _ = _build(x0, y, w01, w12, w23)
    d0 = w23 * w12 * w01 * x0 - y
    d1 = w23 * d0
    d2 = w12 * d1
    d3 = w01 * d2
    # δ_k is dC/dx_{3-k}: the backward chain ending at node 3 - k
    assert [x[3].grad, x[2].grad, x[1].grad, x[0].grad] == pytest.approx(
        [d0, d1, d2, d3], rel=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_dC_dw_i_iplus1_eq_delta_2_minus_i_x_i(seed):
    """003 §I: ∂C/∂w_{i,i+1} = δ_{2−i} x_i for i = 0, 1, 2."""
    x0, y, w01, w12, w23 = _chain3(seed)
    ws, x, _ = _build(x0, y, w01, w12, w23)
    xs = [x0, w01 * x0, w12 * w01 * x0]
    d = [xs[2] * w23 - y]
    d.append(w23 * d[0])
    d.append(w12 * d[1])
    for i in range(3):
        assert ws[i].grad == pytest.approx(d[2 - i] * xs[i], rel=1e-12)


@pytest.mark.parametrize("n_weights", [3, 5, 8])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dC_dw_i_iplus1_eq_delta_Nminus1_minus_i_x_i_longer_chain(seed, n_weights):
    """003 §I: "there is no magic about the 2": with N weights, ∂C/∂w_{i,i+1} = δ_{N−1−i} x_i."""
    r = rng(seed)
    w = away_from_zero(r, n_weights, 0.6, 1.4)
    x0, y = r.normal(size=2)
    ws = [Value(float(v)) for v in w]
    xv = Value(float(x0))
    for wv in ws:
        xv = wv * xv
    ((xv - float(y)) ** 2 / 2).backward()
    xs = x0 * np.concatenate([[1.0], np.cumprod(w)])  # forward chains x_0..x_N
    deltas = [xs[-1] - y]
    for k in range(n_weights - 1):  # δ_{k+1} = w_{N-1-k, N-k} δ_k
        deltas.append(w[n_weights - 1 - k] * deltas[-1])
    for i in range(n_weights):
        assert ws[i].grad == pytest.approx(deltas[n_weights - 1 - i] * xs[i], rel=1e-10)


@pytest.mark.parametrize("n_weights", [3, 6, 10])
@pytest.mark.parametrize("seed", [0, 1])
def test_finite_differences_need_2N_forward_passes_backprop_one(seed, n_weights):
    """003 §I: central differences cost 2N forward propagations for N weights, and are only
    approximate; one forward and one backward pass give every derivative exactly."""
    r = rng(seed)
    w = [float(v) for v in away_from_zero(r, n_weights, 0.6, 1.4)]
    x0, y = (float(v) for v in r.normal(size=2))
    forward_passes = [0]

    def cost(*weights):
        forward_passes[0] += 1
        x = x0
        for wv in weights:
            x = wv * x
        return (x - y) ** 2 / 2

    numeric = autograd.numerical_grad(cost, w, eps=1e-5)
    assert forward_passes[0] == 2 * n_weights

    forward_passes[0] = 0
    ws = [Value(v) for v in w]
    C = cost(*ws)
    C.backward()
    assert forward_passes[0] == 1
    analytic = [v.grad for v in ws]

    # the closed form (oracle): (x_N - y) * product of all the other weights * x0
    xN = x0 * float(np.prod(w))
    exact = [(xN - y) * float(np.prod(w[:i] + w[i + 1 :])) * x0 for i in range(n_weights)]
    assert_close(analytic, exact, rtol=1e-12, atol=1e-14)
    assert_close(numeric, exact, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_descent_step_w_minus_eta_dC_dw(seed):
    """003 Global view: w^(t+1) = w^(t) − η ∂C[w^(t)]/∂w_i for every weight (one step, N = 3),
    and the step lowers C for a small η."""
    x0, y, w01, w12, w23 = _chain3(seed)
    ws, _, C = _build(x0, y, w01, w12, w23)
    eta = 1e-3
    new = [w.data - eta * w.grad for w in ws]
    g = np.array([(w23 * w12 * w01 * x0 - y) * w23 * w12 * x0,
                  (w23 * w12 * w01 * x0 - y) * w23 * w01 * x0,
                  (w23 * w12 * w01 * x0 - y) * w12 * w01 * x0])
    assert_close(new, np.array([w01, w12, w23]) - eta * g)
    c_new = (new[2] * new[1] * new[0] * x0 - y) ** 2 / 2
    assert c_new <= C.data


@pytest.mark.parametrize("n", [3, 5, 8])
def test_erratum_mean_cost_sums_i_from_0_to_n_minus_1(n):
    """003 Global view, erratum: C = 1/n Σ_{i=0}^{n} (ŷ_i − y_i)²/2 has n + 1 terms for n
    examples; the average is 1/n Σ_{i=0}^{n-1} (or Σ_{i=1}^{n} with 1-based indices)."""
    r = rng(n)
    yhat, y = r.normal(size=(2, n))
    with pytest.raises(IndexError):  # as written: the index i = n does not exist
        sum((yhat[i] - y[i]) ** 2 / 2 for i in range(0, n + 1)) / n
    corrected = sum((yhat[i] - y[i]) ** 2 / 2 for i in range(0, n)) / n
    assert corrected == pytest.approx(np.mean((yhat - y) ** 2 / 2))
    # and the engine's mean over the data set agrees with the corrected form
    preds = [Value(float(v)) for v in yhat]
    C = autograd.sum([(p - float(t)) ** 2 / 2 for p, t in zip(preds, y)]) / n
    C.backward()
    assert C.data == pytest.approx(corrected)
    assert_close([p.grad for p in preds], (yhat - y) / n)
