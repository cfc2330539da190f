"""Each loss: value and gradient against the formula written by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value
from nn import (
    MLP,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2_penalty,
    logsumexp,
    mse,
    softmax,
)


def vals(xs):
    return [Value(float(x)) for x in xs]


# -- mse --------------------------------------------------------------------------------


def test_mse_sum_is_half_sum_of_squares_and_grad_is_residual():
    pred = vals([3.0, -1.0, 0.5])
    y = [1.0, 1.0, 0.5]
    C = mse(pred, y)
    assert C.data == pytest.approx(0.5 * (4 + 4 + 0))
    C.backward()
    assert [p.grad for p in pred] == pytest.approx([2.0, -2.0, 0.0])


def test_mse_mean_divides_by_n():
    pred = vals([3.0, -1.0, 0.5, 2.0])
    y = [1.0, 1.0, 0.5, 0.0]
    C = mse(pred, y, reduction="mean")
    assert C.data == pytest.approx(0.5 * (4 + 4 + 0 + 4) / 4)
    C.backward()
    assert [p.grad for p in pred] == pytest.approx([0.5, -0.5, 0.0, 0.5])


def test_mse_on_a_single_value_is_documents_cost():
    x3 = Value(-0.864)
    C = mse(x3, 0.5)
    assert C.data == pytest.approx(0.5 * (-0.864 - 0.5) ** 2)
    C.backward()
    assert x3.grad == pytest.approx(-0.864 - 0.5)


def test_mse_target_may_be_a_value_in_the_graph():
    pred, target = Value(2.0), Value(0.5)
    C = mse(pred, target)
    C.backward()
    assert pred.grad == pytest.approx(1.5) and target.grad == pytest.approx(-1.5)


def test_mse_errors():
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        mse(vals([1, 2]), [1, 2, 3])
    with pytest.raises(ValueError, match="reduction"):
        mse(vals([1]), [1], reduction="avg")


# -- softmax / logsumexp ------------------------------------------------------------------


def test_softmax_values_and_jacobian():
    z = vals([1.0, 2.0, 0.5, -1.0])
    s = softmax(z)
    zz = np.array([v.data for v in z])
    ref = np.exp(zz - zz.max()) / np.exp(zz - zz.max()).sum()
    assert [v.data for v in s] == pytest.approx(ref.tolist(), rel=1e-12)
    assert sum(v.data for v in s) == pytest.approx(1.0)
    k = 1
    s[k].backward()
    jac = ref[k] * ((np.arange(4) == k) - ref)  # d s_k / d z_i = s_k (δ_ki − s_i)
    assert [v.grad for v in z] == pytest.approx(jac.tolist(), abs=1e-12)


def test_softmax_does_not_overflow_at_1000():
    s = softmax(vals([1000.0, 999.0, -1000.0]))
    e = math.exp(-1.0)
    assert [v.data for v in s] == pytest.approx([1 / (1 + e), e / (1 + e), 0.0], abs=1e-12)


def test_logsumexp_exact_and_stable():
    assert logsumexp(vals([1000.0, 1000.0])).data == pytest.approx(1000 + math.log(2), abs=1e-9)
    assert logsumexp(vals([-1000.0, -1000.0])).data == pytest.approx(-1000 + math.log(2),
                                                                      abs=1e-9)
    z = vals([0.3, -0.7, 1.1])
    assert logsumexp(z).data == pytest.approx(math.log(sum(math.exp(v.data) for v in z)))


# -- cross entropy ----------------------------------------------------------------------


@pytest.mark.parametrize("t", [0, 1, 2])
def test_cross_entropy_value_and_grad_is_softmax_minus_onehot(t):
    z = vals([0.2, -1.3, 2.1])
    L = cross_entropy(z, t)
    zz = np.array([v.data for v in z])
    p = np.exp(zz) / np.exp(zz).sum()
    assert L.data == pytest.approx(-math.log(p[t]), rel=1e-12)
    L.backward()
    assert [v.grad for v in z] == pytest.approx((p - (np.arange(3) == t)).tolist(), abs=1e-12)


def test_cross_entropy_at_extreme_logits():
    z = vals([1000.0, -1000.0, 0.0])
    L = cross_entropy(z, 0)
    assert L.data == pytest.approx(0.0, abs=1e-12)
    L.backward()
    assert [v.grad for v in z] == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)
    z = vals([1000.0, -1000.0, 0.0])
    L = cross_entropy(z, 1)
    assert L.data == pytest.approx(2000.0, rel=1e-12)
    L.backward()
    assert [v.grad for v in z] == pytest.approx([1.0, -1.0, 0.0], abs=1e-12)
    z = vals([1000.0, 1000.0])
    L = cross_entropy(z, 1)
    assert L.data == pytest.approx(math.log(2), rel=1e-12)
    L.backward()
    assert [v.grad for v in z] == pytest.approx([0.5, -0.5], abs=1e-12)
    z = vals([-1000.0, -1000.0, -1000.0])
    L = cross_entropy(z, 2)
    assert L.data == pytest.approx(math.log(3), rel=1e-12)
    assert all(math.isfinite(v.grad) for v in z)


def test_cross_entropy_batch_mean_and_errors():
    rows = [vals([1.0, 2.0]), vals([0.0, -1.0])]
    L = cross_entropy(rows, [1, 0])
    one = -math.log(math.exp(2) / (math.exp(1) + math.exp(2)))
    two = -math.log(1 / (1 + math.exp(-1)))
    assert L.data == pytest.approx((one + two) / 2)
    with pytest.raises(IndexError):
        cross_entropy(vals([1.0, 2.0]), 2)
    with pytest.raises(TypeError):
        cross_entropy(vals([1.0, 2.0]), "0")


# -- binary cross entropy -----------------------------------------------------------------


@pytest.mark.parametrize("z, y", [(0.0, 1), (2.5, 0), (-1.5, 1), (1000.0, 0), (-1000.0, 0)])
def test_binary_cross_entropy_value_and_grad(z, y):
    v = Value(z)
    L = binary_cross_entropy(v, y)
    # log(1 + e^z) - y z, written stably for the oracle
    ref = max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y * z
    assert L.data == pytest.approx(ref, rel=1e-12, abs=1e-12)
    L.backward()
    sig = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    assert v.grad == pytest.approx(sig - y, abs=1e-12)


# -- hinge ------------------------------------------------------------------------------


def test_hinge_value_and_grad():
    s = Value(0.25)
    L = hinge(s, 1)
    assert L.data == pytest.approx(0.75)
    L.backward()
    assert s.grad == pytest.approx(-1.0)
    s = Value(-0.5)
    L = hinge(s, -1)
    assert L.data == pytest.approx(0.5)
    L.backward()
    assert s.grad == pytest.approx(1.0)
    s = Value(3.0)
    L = hinge(s, 1)
    assert L.data == 0.0
    L.backward()
    assert s.grad == 0.0


def test_hinge_list_is_mean_as_micrograd_demo():
    scores = vals([0.5, -2.0, 2.0, -0.2])
    ys = [1, -1, -1, -1]
    L = hinge(scores, ys)
    terms = [max(0.0, 1 - y * s.data) for s, y in zip(scores, ys)]
    assert L.data == pytest.approx(sum(terms) / 4)
    L.backward()
    expect = [(-y / 4 if 1 - y * s.data > 0 else 0.0) for s, y in zip(scores, ys)]
    assert [s.grad for s in scores] == pytest.approx(expect)
    assert hinge(vals([0.5, -2.0]), [1, -1], reduction="sum").data == pytest.approx(0.5)


# -- l2 ---------------------------------------------------------------------------------


def test_l2_penalty_on_values_takes_all():
    ws = vals([3.0, -4.0, 0.5])
    P = l2_penalty(ws, 0.1)
    assert P.data == pytest.approx(0.05 * (9 + 16 + 0.25))
    P.backward()
    assert [w.grad for w in ws] == pytest.approx([0.3, -0.4, 0.05])


def test_l2_penalty_on_module_takes_weights_never_biases():
    model = MLP(2, [3, 1], seed=0)
    for n in (n for layer in model.layers for n in layer.neurons):
        n.b.data = 0.7  # nonzero biases: any bias in the sum would show
    lam = 0.01
    P = l2_penalty(model, lam)
    ws = [w.data for w in model.weights()]
    assert P.data == pytest.approx(lam / 2 * sum(w * w for w in ws), rel=1e-12)
    P.backward()
    for name, p in model.named_parameters():
        if name.endswith(".b"):
            assert p.grad == 0.0, name
        else:
            assert p.grad == pytest.approx(lam * p.data), name
    # one dot node of the weights with themselves, times λ/2
    assert P.op == "*" and P.parents[0].op == "dot"


@pytest.mark.parametrize("lam", [float("nan"), float("inf"), -float("inf")])
def test_l2_penalty_non_finite_lambda_is_a_value_error(lam):
    with pytest.raises(ValueError, match="lam"):
        l2_penalty([Value(1.0)], lam)
    with pytest.raises(TypeError):
        l2_penalty([Value(1.0)], "0.1")
