"""fit(compile=True): the same training as eager, every sample's graph run as compiled code.

Each case trains two copies of one model, eagerly and compiled, for 20 steps and
compares every weight and the loss history to 1e-12 (the gradients of a batch
are summed in another order, so they agree to about 1e-16, not to the bit).
"""

from __future__ import annotations

import math
import warnings

import pytest

import autograd
from nn import MLP, SGD, Adam, Layer, Module, Neuron, fit, moons
from nn._compiled import CompiledLoss
from nn.train import LOSSES


def _targets(loss, y):
    signs = [1 if t > 0 else -1 for t in y]
    return {"hinge": signs, "mse": [0.5 * t for t in signs], "bce": [(t + 1) // 2 for t in signs],
            "cross_entropy": [(t + 1) // 2 for t in signs]}[loss]


def _train(model, X, y, compile, **kw):
    return fit(model, X, y, verbose=False, compile=compile, **kw)


def _close(a, b, tol=1e-12):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("loss", ["hinge", "mse", "bce", "cross_entropy"])
@pytest.mark.parametrize("activation, optimizer, batch, l2", [
    ("relu", "sgd", None, 0.0),
    ("tanh", "adam", 8, 1e-3),
    ("sigmoid", "sgd", 16, 1e-2),
])
def test_compiled_training_equals_eager_over_20_steps(loss, activation, optimizer, batch, l2):
    X, y = moons(32, seed=3)
    y = _targets(loss, y)
    nout = 2 if loss == "cross_entropy" else 1
    steps = {None: 20, 8: 5, 16: 10}[batch]  # epochs giving 20 optimizer steps
    eager, compiled = (MLP(2, [6, 5, nout], activation=activation, seed=4) for _ in range(2))
    kw = dict(loss=loss, optimizer=optimizer, lr=0.05, epochs=steps, batch_size=batch, l2=l2,
              seed=7)
    h1 = _train(eager, X, y, False, **kw)
    h2 = _train(compiled, X, y, True, **kw)
    for p, q in zip(eager.parameters(), compiled.parameters()):
        assert _close(p.data, q.data), (p.label, p.data, q.data)
        assert _close(p.grad, q.grad), (p.label, p.grad, q.grad)
    assert all(_close(a, b) for a, b in zip(h1["loss"], h2["loss"]))
    assert h1["accuracy"] == h2["accuracy"]


@pytest.mark.parametrize("make, X", [
    (lambda: Neuron(2, activation="tanh", seed=0), [[0.5, -1.0], [1.5, 0.25], [-1.0, 2.0]]),
    (lambda: Layer(2, 1, activation="sigmoid", seed=0), [[0.5, -1.0], [1.5, 0.25]]),
])
def test_a_neuron_and_a_layer_train_compiled_too(make, X):
    y = [0.5, -0.25, 0.75][: len(X)]
    a, b = make(), make()
    h1 = _train(a, X, y, False, loss="mse", optimizer="sgd", lr=0.1, epochs=20)
    h2 = _train(b, X, y, True, loss="mse", optimizer="sgd", lr=0.1, epochs=20)
    assert all(_close(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))
    assert all(_close(u, v) for u, v in zip(h1["loss"], h2["loss"]))


def test_one_graph_serves_every_sample_of_a_regression():
    X, y = moons(40, seed=0)
    model = MLP(2, [8, 1], activation="tanh", seed=1)
    compiled = CompiledLoss(model, LOSSES["mse"], "mse")
    for _ in range(3):
        loss, grads, outs = compiled(X, [float(t) for t in y], list(range(len(X))))
        assert math.isfinite(loss) and len(grads) == len(model.parameters()) == 33
    assert compiled.run.traces == 1
    assert "w1_0_0" in compiled.run.source and "g_w1_0_0" in compiled.run.source


def test_the_compiled_gradient_is_backwards_gradient_of_the_mean_loss():
    X, y = moons(10, seed=2)
    model = MLP(2, [4, 1], seed=5)
    compiled = CompiledLoss(model, LOSSES["hinge"], "hinge")
    loss, grads, _ = compiled(X, y, list(range(10)))
    mean = autograd.sum([LOSSES["hinge"](model(x), t) for x, t in zip(X, y)]) * 0.1
    mean.backward()
    assert _close(loss, mean.data)
    assert all(_close(g, p.grad, 1e-14) for g, p in zip(grads, model.parameters()))


def test_a_model_compile_cannot_train_is_refused_before_training():
    class Scale(Module):
        def __init__(self):
            self.w = autograd.Value(0.5)

        def parameters(self):
            return [self.w]

        def __call__(self, x):
            return self.w * x[0]

    model = Scale()
    with pytest.raises(TypeError, match="compile=True"):
        fit(model, [[1.0]], [2.0], loss="mse", epochs=1, verbose=False, compile=True)
    assert model.w.data == 0.5
    with pytest.raises(TypeError, match="compile"):
        fit(MLP(1, [1], seed=0), [[1.0]], [2.0], epochs=1, verbose=False, compile="yes")


def test_a_loss_whose_graph_keeps_changing_falls_back_to_eager_with_a_warning(monkeypatch):
    monkeypatch.setattr(autograd.compiler.compiled, "FREE_TRACES", 0)

    def shifty(out, t):  # float(t): a graph pinned to each target
        return (out - float(t)) ** 2

    X, y = moons(20, seed=1)
    targets = [float(k) for k in range(20)]
    eager, compiled = MLP(2, [4, 1], seed=2), MLP(2, [4, 1], seed=2)
    h1 = _train(eager, X, targets, False, loss=shifty, optimizer=SGD(eager.parameters(), 0.01),
                epochs=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h2 = _train(compiled, X, targets, True, loss=shifty,
                    optimizer=SGD(compiled.parameters(), 0.01), epochs=3)
    assert any(issubclass(w.category, autograd.CompileWarning) for w in caught)
    assert all(_close(a, b) for a, b in zip(h1["loss"], h2["loss"]))
    assert all(_close(p.data, q.data) for p, q in zip(eager.parameters(), compiled.parameters()))


def test_a_recorded_run_records_the_same_numbers_compiled():
    X, y = moons(16, seed=0)
    a, b = MLP(2, [4, 1], seed=1), MLP(2, [4, 1], seed=1)
    kw = dict(loss="hinge", optimizer="adam", lr=0.05, epochs=6, record_every=2)
    h1, h2 = _train(a, X, y, False, **kw), _train(b, X, y, True, **kw)
    assert all(_close(u, v) for u, v in zip(h1["loss"], h2["loss"]))
    assert all(_close(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))


def test_an_overflow_stops_compiled_training_as_it_stops_eager_training():
    X = [[1e200, 1e200], [1.0, 2.0]]
    messages = []
    for compile in (False, True):
        model = MLP(2, [3, 1], activation="identity", seed=0)
        with pytest.raises(OverflowError) as info:
            fit(model, X, [1.0, 2.0], loss="mse", optimizer=Adam(model.parameters(), 0.1),
                epochs=3, verbose=False, compile=compile)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "epoch 0, step 0: dot: the result is inf" in messages[0]


def test_a_loss_returning_a_float_is_refused_as_eager_fit_refuses_it():
    def flat_loss(out, t):
        return 0.5  # no Value: every gradient would be 0

    X, y = moons(8, seed=0)
    for compiled in (False, True):
        model = MLP(2, [3, 1], seed=0)
        before = [p.data for p in model.parameters()]
        with pytest.raises(TypeError, match=r"the loss of sample \d+ is float 0\.5, not a Value"):
            _train(model, X, y, compiled, loss=flat_loss, epochs=2)
        assert [p.data for p in model.parameters()] == before


SCALE = 1.0


def test_a_loss_a_callback_rescales_trains_what_eager_trains():
    def scaled(out, t):
        return SCALE * (out - t) ** 2  # a global the callback changes

    def halve(epoch, history):
        global SCALE
        SCALE *= 0.5

    def rescale_in_a_closure():
        scale = 1.0

        def loss(out, t):
            return scale * (out - t) ** 2

        def callback(epoch, history):
            nonlocal scale
            scale *= 3.0

        return loss, callback

    global SCALE
    X, y = moons(12, seed=3)
    targets = [0.5 * t for t in y]
    for make in (lambda: (scaled, halve), rescale_in_a_closure):
        runs = []
        for compiled in (False, True):
            SCALE = 1.0
            loss, callback = make()
            model = MLP(2, [4, 1], seed=4)
            history = _train(model, X, targets, compiled, loss=loss, callback=callback,
                             optimizer="sgd", lr=0.05, epochs=4)
            runs.append((history["loss"], [p.data for p in model.parameters()]))
        (l1, p1), (l2, p2) = runs
        assert all(_close(a, b) for a, b in zip(l1, l2)), (l1, l2)
        assert all(_close(a, b) for a, b in zip(p1, p2))
        assert l1[1] != l1[0] * 1.0  # the scale did change the objective
    SCALE = 1.0
