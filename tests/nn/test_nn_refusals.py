"""Issue 12, nn: nothing non-finite gets in, and nothing is changed on refusal.

One test per way in that used to give a silent nan/inf/0.0 or accept a bad
argument; each failed on the code before the fix. The hypothesis sweeps over
every public function are in test_nn_hostile.py.
"""

from __future__ import annotations

import math

import pytest

import nn
from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    ArgumentTypeError,
    Layer,
    Neuron,
    activate,
    activate_float,
    binary_cross_entropy,
    circles,
    cross_entropy,
    fit,
    hinge,
    l2_penalty,
    logsumexp,
    make_optimizer,
    moons,
    mse,
    softmax,
    spiral,
    to_index,
    to_signed,
    xor,
)

NAN, INF = float("nan"), float("inf")


def snapshot(model_or_params):
    params = model_or_params.parameters() if hasattr(model_or_params, "parameters") else \
        model_or_params
    return [(p.data, p.grad) for p in params]


# -- forward_floats -----------------------------------------------------------------------


@pytest.mark.parametrize("make, who", [
    (lambda: MLP(2, [3, 1], seed=0), "MLP.forward_floats"),
    (lambda: Layer(2, 3, seed=0), "Layer.forward_floats"),
    (lambda: Neuron(2, seed=0), "Neuron.forward_floats"),
])
def test_forward_floats_refuses_nan_input_instead_of_returning_0(make, who):
    module = make()
    with pytest.raises(ValueError, match=rf"{who}: input 0 \(nan\)"):
        module.forward_floats([NAN, 1.0])
    with pytest.raises(ValueError, match=rf"{who}: input 1 \(inf\)"):
        module.forward_floats([1.0, INF])


def test_forward_floats_overflow_raises_naming_the_neuron_instead_of_inf():
    model = MLP(2, [3, 1], activation="tanh", seed=0)  # tanh would hide an inf as ±1
    for w in model.layers[0].neurons[0].w:
        w.data = 1.5
    with pytest.raises(OverflowError, match=r"forward_floats: p1_0 = w·q \+ b is -?inf"):
        model.forward_floats([1e308, 1e308])
    with pytest.raises(OverflowError):  # the graph refuses the same input, as it should
        model([1e308, 1e308])


@pytest.mark.parametrize("bad, kind", [(True, TypeError), ("1", TypeError), (None, TypeError),
                                        (10**400, OverflowError)])
def test_forward_floats_refuses_what_is_not_a_number(bad, kind):
    with pytest.raises(kind, match="MLP.forward_floats: input 1"):
        MLP(2, [1], seed=0).forward_floats([0.5, bad])


def test_forward_floats_refuses_unordered_or_short_inputs():
    model = MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match="set"):
        model.forward_floats({1.0, 2.0})  # a set has no order: it used to run
    with pytest.raises(TypeError, match="set"):
        model({1.0, 2.0})
    with pytest.raises(ValueError, match="expects 2 inputs, got 1"):
        Neuron(2, seed=0).forward_floats([1.0])  # zip used to drop the missing input


def test_a_weight_set_to_nan_by_hand_is_caught_by_forward_floats():
    model = MLP(2, [2, 1], activation="relu", seed=0)
    model.layers[0].neurons[1].w[0].data = NAN  # relu(nan) is 0.0: it used to vanish
    with pytest.raises(OverflowError, match="p1_1"):
        model.forward_floats([1.0, 1.0])


def test_activate_refuses_unknown_names_instead_of_acting_as_identity():
    with pytest.raises(ValueError, match="activate: unknown activation 'swish'"):
        activate("swish", Value(1.0))
    with pytest.raises(ValueError, match="activate_float: unknown activation 'swish'"):
        activate_float("swish", 1.0)
    with pytest.raises(ValueError, match="nan"):
        activate_float("relu", NAN)  # relu(nan) used to be 0.0
    assert activate(None, v := Value(2.0)) is v


# -- optimizers: all or nothing -----------------------------------------------------------


def test_sgd_step_whose_update_overflows_changes_nothing():
    a, w, c = Value(1.0, label="a"), Value(-1e308, label="w"), Value(2.0, label="c")
    a.grad, w.grad, c.grad = 0.5, 1e308, -0.5
    opt = SGD([a, w, c], lr=1.0, momentum=0.9)
    before = snapshot([a, w, c])
    with pytest.raises(OverflowError, match=r"SGD.step: .*'w'.*-inf.*no parameter was updated"):
        opt.step()
    assert snapshot([a, w, c]) == before  # a came first and is unchanged too
    assert opt.buffers == [None, None, None] and opt.steps == 0


def test_sgd_momentum_buffer_overflow_is_refused_too():
    w = Value(0.0, label="w")
    opt = SGD([w], lr=0.0, momentum=2.0)
    w.grad = 1e308
    opt.step()  # lr 0: the buffer is 1e308, the weight stays
    with pytest.raises(OverflowError, match="'w'"):
        opt.step()  # 2·1e308 + 1e308 = inf
    assert opt.buffers == [1e308] and w.data == 0.0 and opt.steps == 1


def adam_path(grads, lr=0.01, eps=1e-300, start=1.0):
    w = Value(start)
    opt = Adam([w], lr=lr, eps=eps)
    seen = []
    for g in grads:
        w.grad = g
        opt.step()
        seen.append(w.data)
    return seen, opt


def test_adam_with_huge_finite_grads_keeps_moving_as_with_small_ones():
    # Adam does not depend on the scale of the grads (eps aside): grads 1e200 times
    # larger give the same path. v = Σ g² would be inf (PyTorch's state) and freeze w.
    grads = [0.5, -0.2, 0.1, 0.4, -0.3]
    small, _ = adam_path(grads)
    large, opt = adam_path([g * 1e200 for g in grads])
    assert large == pytest.approx(small, rel=1e-13)
    assert len(set(large)) == len(large)  # it moved at every step
    assert all(math.isfinite(r) for r in opt.rms) and opt.rms[0] > 1e197
    assert opt.v == [INF]  # v itself, PyTorch's exp_avg_sq, is past the largest float
    huge, _ = adam_path([1.7e308, -1.7e308, 1.7e308])
    assert huge[0] == pytest.approx(0.99, rel=1e-12) and huge[1] > huge[0]


def test_adam_step_that_would_overflow_changes_nothing_in_params_or_state():
    a, w = Value(1.0, label="a"), Value(-1e308, label="w")
    opt = Adam([a, w], lr=0.5)
    a.grad, w.grad = 0.1, 0.2
    opt.step()
    state = (list(opt.m), list(opt.rms), list(opt.t), opt.steps, snapshot([a, w]))
    opt.lr = 1e308  # the next update of w is -1e308 - 1e308·(~1) = -inf
    with pytest.raises(OverflowError, match=r"Adam.step: .*'w'.*no parameter was updated"):
        opt.step()
    assert (list(opt.m), list(opt.rms), list(opt.t), opt.steps, snapshot([a, w])) == state


@pytest.mark.parametrize("attr, bad", [("lr", NAN), ("lr", -1.0), ("lr", "0.1"),
                                       ("momentum", INF), ("weight_decay", True)])
def test_hyperparameters_set_between_steps_are_checked_before_writing(attr, bad):
    w = Value(1.0)
    w.grad = 1.0
    opt = SGD([w], lr=0.1)
    setattr(opt, attr, bad)
    with pytest.raises((TypeError, ValueError), match=f"SGD {attr}"):
        opt.step()
    assert w.data == 1.0


def test_adam_betas_must_be_a_pair_of_numbers_below_1():
    for betas in [(0.9, 0.9, 0.9), None, "ab", (0.9,), (True, 0.9), (0.9, NAN)]:
        with pytest.raises((TypeError, ValueError), match="Adam beta"):
            Adam([Value(1.0)], betas=betas)


def test_optimizer_parameter_lists_are_checked():
    w = Value(1.0, label="w")
    with pytest.raises(ValueError, match="'?w'? appears twice"):
        SGD([w, w], lr=0.1)  # it would be updated twice per step
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        SGD(MLP(1, [1], seed=0), lr=0.1)
    with pytest.raises(TypeError, match=r"\[w\]"):
        SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="index 1"):
        Adam([w, 2.0])


def test_grads_that_are_not_numbers_are_refused_and_none_is_skipped_as_in_pytorch():
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    opt = SGD([a, b], lr=0.1)
    a.grad, b.grad = 1.0, "0.5"
    with pytest.raises(TypeError, match="'b'.*'0.5'"):
        opt.step()
    b.grad = True
    with pytest.raises(TypeError, match="'b'.*True"):
        opt.step()
    assert a.data == 1.0 and b.data == 1.0
    b.grad = None
    opt.step()
    assert a.data == pytest.approx(0.9) and b.data == 1.0
    adam = Adam([a, b], lr=0.1)
    adam.step()  # b skipped: its own step count stays 0, as PyTorch's state['step']
    assert adam.t == [1, 0] and b.data == 1.0
    adam.zero_grad(set_to_none=True)
    assert a.grad is None and b.grad is None


# -- data sets -----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [moons, circles, xor, spiral])
@pytest.mark.parametrize("noise", [NAN, INF, -INF])
def test_data_sets_refuse_non_finite_noise_instead_of_making_nan_points(make, noise):
    with pytest.raises(ValueError, match=f"{make.__name__}: noise must be a finite number"):
        make(n=10, noise=noise)


@pytest.mark.parametrize("make", [moons, circles, xor])
def test_a_noise_so_large_that_points_overflow_is_refused(make):
    with pytest.raises(ValueError, match=f"{make.__name__}: noise 1e\\+308 is too large"):
        make(n=50, noise=1e308)


@pytest.mark.parametrize("kwargs, kind, words", [
    ({"n": 2.5}, ArgumentTypeError, "n must be an int"),
    ({"n": True}, ArgumentTypeError, "n must be an int"),
    ({"n": 10**7}, ValueError, r"n must be in \[1, 1000000\]"),
    ({"seed": "a"}, ArgumentTypeError, "seed must be an int"),
    ({"seed": 1.5}, ArgumentTypeError, "seed must be an int"),
    ({"noise": "0.1"}, ArgumentTypeError, "noise must be a number"),
    ({"labels": None}, ValueError, "labels must be one of"),
])
def test_data_set_arguments_are_checked(kwargs, kind, words):
    with pytest.raises(kind, match=f"moons: {words}"):
        moons(**kwargs)


def test_circles_factor_and_spiral_arguments_are_checked():
    for factor in ("a", True, NAN, 1.0, 0.0):
        with pytest.raises((TypeError, ValueError), match="circles: factor"):
            circles(factor=factor)
    with pytest.raises(ValueError, match="spiral: turns"):
        spiral(turns=NAN)  # the points used to be nan
    with pytest.raises(ValueError, match=r"spiral: classes \(50\) must be at most n \(10\)"):
        spiral(n=10, classes=50)  # empty classes; a huge count used to loop for ever


def test_label_conversions_refuse_labels_they_would_map_wrongly():
    with pytest.raises(ValueError, match="to_signed: label 1 is 2"):
        to_signed([0, 2])  # used to give 3
    with pytest.raises(ValueError, match="to_index: label 0 is 0.5"):
        to_index([0.5])
    for bad in (["a"], [None], [True], "01"):
        with pytest.raises(TypeError, match="to_"):
            to_signed(bad)
    assert to_signed([-1, 0, 1]) == [-1, -1, 1] and to_index([-1, 0, 1]) == [0, 0, 1]


# -- losses --------------------------------------------------------------------------------


def test_l2_penalty_refuses_a_negative_lambda():
    with pytest.raises(ValueError, match="l2_penalty: lam must be >= 0, got -1"):
        l2_penalty(MLP(2, [3, 1], seed=0), -1)
    with pytest.raises(TypeError, match="l2_penalty: weight 0 is float"):
        l2_penalty([1.0, 2.0], 0.1)  # numbers are not parameters: it used to add a constant
    assert l2_penalty(Value(3.0), 0.2).data == pytest.approx(0.9)


@pytest.mark.parametrize("target", [0, 2, 0.5, -3])
def test_hinge_refuses_a_target_other_than_plus_or_minus_1(target):
    with pytest.raises(ValueError, match=f"hinge: target 0 is {float(target)!r}"):
        hinge(Value(0.5), target)
    with pytest.raises(ValueError, match="hinge: target 1"):
        hinge([Value(0.5), Value(1.0)], [1, target])


def test_losses_refuse_bad_targets_and_reductions():
    with pytest.raises(ValueError, match="binary_cross_entropy: target 0 is 2"):
        binary_cross_entropy(Value(0.5), 2)
    with pytest.raises(TypeError, match="mse: targets"):
        mse(Value(0.5), "2")  # float("2") used to accept it
    with pytest.raises(ValueError, match="mse: target 0 must be a finite number"):
        mse(Value(0.5), NAN)
    with pytest.raises(ValueError, match="hinge: reduction"):
        hinge(Value(0.5), 1, reduction="bogus")  # the one-score path used to skip the check
    with pytest.raises(ValueError, match="hinge: margin"):
        hinge(Value(0.5), 1, margin=-1.0)
    with pytest.raises(ValueError, match="binary_cross_entropy: no logits"):
        binary_cross_entropy([], [])  # used to be ZeroDivisionError
    with pytest.raises(ValueError, match="cross_entropy: logit 0"):
        cross_entropy([NAN, 1.0], 1)


def test_softmax_and_logsumexp_of_logits_far_apart_do_not_overflow():
    assert logsumexp([1e308, -1e308]).data == 1e308
    z = [Value(1e308), Value(-1e308), Value(0.0)]
    s = softmax(z)
    assert [v.data for v in s] == [1.0, 0.0, 0.0]
    cross_entropy(z, 0).backward()
    assert [v.grad for v in z] == [0.0, 0.0, 0.0]  # softmax − onehot, exactly, in floats


def test_cross_entropy_accepts_numpy_integer_targets():
    np = pytest.importorskip("numpy")
    assert cross_entropy([1.0, 2.0], np.int64(1)).data == pytest.approx(
        math.log(math.exp(1) + math.exp(2)) - 2
    )


# -- fit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, words", [
    ({"batch_size": 2.5}, "fit: batch_size must be an int"),
    ({"batch_size": True}, "fit: batch_size must be an int"),
    ({"batch_size": 0}, "fit: batch_size must be >= 1"),
    ({"epochs": 2.0}, "fit: epochs must be an int"),
    ({"l2": -1.0}, "fit: l2 must be >= 0"),
    ({"l2": NAN}, "fit: l2 must be a finite number"),
    ({"seed": "a"}, "fit: seed must be an int"),
    ({"shuffle": "no"}, "fit: shuffle must be True or False"),
    ({"verbose": 0}, "fit: verbose must be True or False"),
    ({"callback": 5}, "fit: callback must be callable"),
    ({"optimizer": 5}, "optimizer must be"),
    ({"loss": [1]}, "loss must be a name or a callable"),
    ({"lr": NAN}, "lr must be a finite number"),
])
def test_fit_checks_its_arguments_before_any_step(kwargs, words):
    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    before = snapshot(model)
    with pytest.raises((TypeError, ValueError), match=words):
        fit(model, X, y, **{"epochs": 2, "verbose": False, **kwargs})
    assert snapshot(model) == before


@pytest.mark.parametrize("X_bad, y_bad, words", [
    ([[NAN, 0.0]], None, r"fit: X\[19\]\[0\] must be a finite number"),
    ([[0.0]], None, r"fit: X\[19\] has 1 numbers, expected 2"),
    ([["a", 0.0]], None, r"fit: X\[19\]\[0\] must be a number"),
    ([None], None, r"fit: X\[19\] must be a list"),
    (None, 0, r"fit: y\[19\] is 0; hinge labels must be -1 or \+1"),
    (None, NAN, r"fit: y\[19\]"),
])
def test_fit_checks_every_row_and_target_before_the_first_step(X_bad, y_bad, words):
    X, y = moons(20, seed=0)
    if X_bad is not None:
        X = X[:-1] + X_bad
    if y_bad is not None:
        y = y[:-1] + [y_bad]
    model = MLP(2, [4, 1], seed=0)
    before = snapshot(model)
    with pytest.raises((TypeError, ValueError), match=words):
        fit(model, X, y, loss="hinge", epochs=1, batch_size=2, verbose=False)
    assert snapshot(model) == before  # batches 0..8 used to be trained first


def test_fit_checks_targets_against_the_loss():
    X = [[0.1, 0.2], [0.3, 0.4]]
    model = MLP(2, [3], seed=0)
    with pytest.raises(ValueError, match=r"fit: y\[1\] \(a class index\) must be in \[0, 2\]"):
        fit(model, X, [0, 3], loss="cross_entropy", epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"fit: y\[0\] \(a bce target\)"):
        fit(MLP(2, [1], seed=0), X, [2, 1], loss="bce", epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"fit: y\[0\] has 1 numbers for 3 outputs"):
        fit(model, X, [0.5, 0.5], loss="mse", epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"fit: y\[0\] is 0"):
        fit(MLP(2, [1], seed=0), X, [0, 1], loss=nn.hinge, epochs=1, verbose=False)


@pytest.mark.parametrize("lr, kind, words", [
    (NAN, ValueError, r"fit: epoch 2, step 0: SGD lr must be a finite number"),
    (1e308, OverflowError, r"fit: epoch \d, step 0: .*inf"),  # weights grow, then overflow
])
def test_a_step_failing_mid_training_keeps_the_last_good_weights_and_the_history(lr, kind,
                                                                                   words):
    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.05)
    seen = []

    def blow_up(epoch, history):
        seen.append([p.data for p in model.parameters()])
        if epoch == 1:
            opt.lr = lr

    with pytest.raises(kind, match=words) as info:
        fit(model, X, y, loss="hinge", optimizer=opt, epochs=9, verbose=False, callback=blow_up)
    assert [p.data for p in model.parameters()] == seen[-1]
    assert all(math.isfinite(p.data) for p in model.parameters())
    assert len(info.value.history["loss"]) == len(seen) >= 2


def test_make_optimizer_refuses_an_lr_it_would_ignore():
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="set its .lr instead"):
        make_optimizer(opt, [], lr=0.5)
    assert make_optimizer(opt, [], None) is opt


# -- constructors --------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, words", [
    ({"init": INF}, "MLP init"),
    ({"init": 1e308}, "MLP init"),  # uniform(-s, s) used to give inf/nan weights
    ({"init": "big"}, "MLP init"),
    ({"activation": "swish"}, "MLP activation: unknown activation 'swish'"),
    ({"input_activation": 3}, "MLP input_activation: unknown activation 3"),
    ({"seed": 1.5}, "MLP seed must be an int"),
    ({"nouts": [3, 2.0]}, "MLP layer size must be an int"),
])
def test_mlp_arguments_are_checked(kwargs, words):
    args = {"nin": 2, "nouts": [3, 1], **kwargs}
    with pytest.raises((TypeError, ValueError), match=words):
        MLP(**args)


def test_neuron_nonlin_must_be_a_bool():
    with pytest.raises(TypeError, match="Neuron nonlin must be True or False"):
        Neuron(2, nonlin="no")  # a truthy str used to mean True
    with pytest.raises(ValueError, match=r"init_scale nin must be in \[1, "):
        nn.init_scale(0, "relu")  # used to be ZeroDivisionError
    with pytest.raises(ValueError, match="init_scale: unknown activation 'bogus'"):
        nn.init_scale(2, "bogus")
