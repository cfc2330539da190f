"""SGD (momentum, weight decay) and Adam against update formulas written out by hand."""

from __future__ import annotations

import math

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, mse

GRADS = [0.5, -0.2, 0.1, 0.4]


def run(opt_factory, start=1.0, grads=GRADS):
    p = Value(start)
    opt = opt_factory([p])
    seen = []
    for g in grads:
        opt.zero_grad()
        assert p.grad == 0.0
        p.grad = g
        opt.step()
        seen.append(p.data)
    return seen


def test_plain_sgd():
    got = run(lambda ps: SGD(ps, lr=0.1))
    p, want = 1.0, []
    for g in GRADS:
        p = p - 0.1 * g
        want.append(p)
    assert got == pytest.approx(want, rel=1e-15)
    assert got[0] == pytest.approx(0.95)


def test_sgd_momentum_pytorch_semantics():
    got = run(lambda ps: SGD(ps, lr=0.1, momentum=0.9))
    # buf_1 = g_1; buf_t = 0.9 buf_{t-1} + g_t; p -= lr * buf_t
    b1 = 0.5
    b2 = 0.9 * b1 - 0.2
    b3 = 0.9 * b2 + 0.1
    b4 = 0.9 * b3 + 0.4
    p1 = 1.0 - 0.1 * b1
    p2 = p1 - 0.1 * b2
    p3 = p2 - 0.1 * b3
    p4 = p3 - 0.1 * b4
    assert got == pytest.approx([p1, p2, p3, p4], rel=1e-14)
    assert got[1] == pytest.approx(0.95 - 0.1 * 0.25)


def test_sgd_weight_decay_adds_wd_times_p_to_the_gradient():
    got = run(lambda ps: SGD(ps, lr=0.1, weight_decay=0.01))
    p1 = 1.0 - 0.1 * (0.5 + 0.01 * 1.0)
    p2 = p1 - 0.1 * (-0.2 + 0.01 * p1)
    assert got[:2] == pytest.approx([p1, p2], rel=1e-14)
    assert got[0] == pytest.approx(0.949)


def test_sgd_momentum_and_weight_decay_together():
    got = run(lambda ps: SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.1), start=2.0)
    p, buf, want = 2.0, None, []
    for g in GRADS:
        d = g + 0.1 * p
        buf = d if buf is None else 0.8 * buf + d
        p = p - 0.05 * buf
        want.append(p)
    assert got == pytest.approx(want, rel=1e-14)
    assert got[0] == pytest.approx(2.0 - 0.05 * (0.5 + 0.2))


def test_adam_first_step_moves_by_lr_times_sign():
    got = run(lambda ps: Adam(ps, lr=0.01), grads=[0.5])
    # m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps)
    assert got[0] == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8), rel=1e-14)


def test_adam_against_hand_written_updates():
    lr, b1, b2, eps = 0.02, 0.8, 0.95, 1e-6
    got = run(lambda ps: Adam(ps, lr=lr, betas=(b1, b2), eps=eps))
    # step 1, g = 0.5
    m = (1 - b1) * 0.5
    v = (1 - b2) * 0.25
    p1 = 1.0 - lr * (m / (1 - b1)) / (math.sqrt(v / (1 - b2)) + eps)
    # step 2, g = -0.2
    m = b1 * m + (1 - b1) * -0.2
    v = b2 * v + (1 - b2) * 0.04
    p2 = p1 - lr * (m / (1 - b1**2)) / (math.sqrt(v / (1 - b2**2)) + eps)
    # step 3, g = 0.1
    m = b1 * m + (1 - b1) * 0.1
    v = b2 * v + (1 - b2) * 0.01
    p3 = p2 - lr * (m / (1 - b1**3)) / (math.sqrt(v / (1 - b2**3)) + eps)
    assert got[:3] == pytest.approx([p1, p2, p3], rel=1e-14)


def test_adam_weight_decay_is_added_to_the_gradient():
    got = run(lambda ps: Adam(ps, lr=0.1, weight_decay=0.5), start=2.0, grads=[0.0, 0.0])
    g1 = 0.0 + 0.5 * 2.0
    m, v = 0.1 * g1, 0.001 * g1 * g1
    p1 = 2.0 - 0.1 * (m / 0.1) / (math.sqrt(v / 0.001) + 1e-8)
    g2 = 0.5 * p1
    m, v = 0.9 * m + 0.1 * g2, 0.999 * v + 0.001 * g2 * g2
    p2 = p1 - 0.1 * (m / (1 - 0.9**2)) / (math.sqrt(v / (1 - 0.999**2)) + 1e-8)
    assert got == pytest.approx([p1, p2], rel=1e-13)


def test_optimizers_reduce_a_real_loss_and_zero_grad_clears_model_grads():
    for make in (lambda ps: SGD(ps, lr=0.05, momentum=0.9), lambda ps: Adam(ps, lr=0.05)):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        opt = make(model.parameters())
        data = [([0.5, -0.5], 1.0), ([-1.0, 0.3], -0.5), ([0.2, 0.9], 0.25)]

        def loss(model=model, data=data):
            return mse([model(x) for x, _ in data], [t for _, t in data])

        first = loss().data
        for _ in range(40):
            opt.zero_grad()
            loss().backward()
            opt.step()
        assert loss().data < 0.5 * first
        opt.zero_grad()
        assert all(p.grad == 0.0 for p in model.parameters())


def test_lr_is_a_plain_attribute_for_schedules():
    p = Value(1.0)
    opt = SGD([p], lr=0.1)
    p.grad = 1.0
    opt.step()
    opt.lr = 0.01
    opt.step()
    assert p.data == pytest.approx(1.0 - 0.1 - 0.01)


def test_bad_optimizer_arguments():
    with pytest.raises(ValueError):
        SGD([], lr=0.1)
    with pytest.raises(ValueError):
        SGD([Value(1.0)], lr=-0.1)
    with pytest.raises(TypeError):
        SGD([1.0], lr=0.1)
    with pytest.raises(ValueError):
        Adam([Value(1.0)], betas=(1.0, 0.999))


# -- non-finite gradients: checked for every parameter before any is updated -------------


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: Adam(ps, lr=0.1),
])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_step_refuses_non_finite_grads_and_changes_nothing(make, bad):
    a, b, c = Value(1.0, label="a"), Value(2.0, label="weight_b"), Value(3.0, label="c")
    opt = make([a, b, c])
    a.grad, b.grad, c.grad = 0.5, bad, -0.5
    with pytest.raises(ValueError) as info:
        opt.step()
    msg = str(info.value)
    assert "weight_b" in msg and repr(bad) in msg
    assert [a.data, b.data, c.data] == [1.0, 2.0, 3.0]  # the first one too: checked first
    assert opt.steps == 0
    b.grad = 0.25  # after fixing the grad the optimizer works and takes its first step
    opt.step()
    assert opt.steps == 1 and a.data < 1.0 and c.data > 3.0


def test_step_names_an_unlabelled_parameter_by_its_index():
    ps = [Value(1.0), Value(1.0), Value(1.0)]
    opt = SGD(ps, lr=0.1)
    ps[2].grad = float("nan")
    with pytest.raises(ValueError, match=r"index 2.*nan"):
        opt.step()
    assert all(p.data == 1.0 for p in ps)


@pytest.mark.parametrize("kwargs, word", [
    ({"eps": 0.0}, "eps"),
    ({"eps": -1e-8}, "eps"),
    ({"eps": float("nan")}, "eps"),
    ({"lr": -0.01}, "lr"),
    ({"lr": float("inf")}, "lr"),
    ({"betas": (0.9, 1.0)}, "beta2"),
    ({"betas": (-0.1, 0.999)}, "beta1"),
])
def test_adam_rejects_bad_hyperparameters_at_construction(kwargs, word):
    with pytest.raises(ValueError) as info:
        Adam([Value(1.0)], **kwargs)
    assert word in str(info.value)


def test_adam_with_zero_grad_steps_without_dividing_by_zero():
    p = Value(1.0)
    opt = Adam([p], lr=0.1, eps=1e-12)
    p.grad = 0.0
    opt.step()
    assert p.data == 1.0
