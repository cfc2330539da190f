"""Toy data sets, and fit() reaching a stated accuracy on each of them (speed: benchmarks/)."""

from __future__ import annotations

import math

import pytest

from nn import (
    DATASETS,
    MLP,
    SGD,
    Adam,
    accuracy,
    circles,
    fit,
    moons,
    spiral,
    to_index,
    to_signed,
    xor,
)


@pytest.mark.parametrize("make", [moons, circles, xor])
def test_binary_sets_shape_labels_and_seed(make):
    X, y = make(n=51, noise=0.1, seed=3)
    assert len(X) == len(y) == 51
    assert all(isinstance(x, list) and len(x) == 2 for x in X)
    assert all(isinstance(v, float) and math.isfinite(v) for x in X for v in x)
    assert set(y) == {-1, 1}
    assert make(n=51, noise=0.1, seed=3) == (X, y)
    assert make(n=51, noise=0.1, seed=4) != (X, y)
    Xi, yi = make(n=51, noise=0.1, seed=3, labels="index")
    assert Xi == X and yi == to_index(y) and set(yi) == {0, 1}
    assert to_signed(yi) == y


def test_moons_geometry_without_noise():
    X, y = moons(n=40, noise=0.0, seed=0, labels="index")
    for (a, b), c in zip(X, y):
        if c == 0:  # upper moon: the unit half circle
            assert a * a + b * b == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: centred at (1, 0.5)
            assert (a - 1) ** 2 + (b - 0.5) ** 2 == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_circles_and_xor_geometry_without_noise():
    X, y = circles(n=40, noise=0.0, factor=0.5, labels="index")
    for (a, b), c in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if c == 0 else 0.5)
    X, y = xor(n=40, noise=0.0)
    for (a, b), c in zip(X, y):
        assert (a * b > 0) == (c == 1)


def test_spiral_classes():
    X, y = spiral(n=91, classes=3, seed=0)
    assert len(X) == 91 and sorted(set(y)) == [0, 1, 2]
    assert [y.count(c) for c in range(3)] == [31, 30, 30]
    assert all(math.hypot(*x) <= 1.0 + 1e-12 for x in X)
    X2, y2 = spiral(n=20, classes=2, labels="signed")
    assert set(y2) == {-1, 1}
    with pytest.raises(ValueError):
        spiral(n=20, classes=3, labels="signed")


def test_bad_data_arguments():
    with pytest.raises(ValueError):
        moons(n=0)
    with pytest.raises(ValueError):
        moons(noise=-1)
    with pytest.raises(ValueError):
        moons(labels="pm")


# Each run: 80 samples, MLP(2, [8, 8, out]), Adam lr 0.05, 40 full-batch epochs.
# Stated accuracies are on the training set and on a fresh sample (seed 1).
CASES = [
    ("moons", {}, 1, "hinge", 0.95, 0.95),
    ("circles", {}, 1, "hinge", 0.95, 0.95),
    ("xor", {}, 1, "hinge", 0.95, 0.95),
    ("spiral", {"classes": 3}, 3, "cross_entropy", 0.85, 0.8),
]


@pytest.mark.parametrize("name, kw, nout, loss, train_acc, test_acc", CASES,
                         ids=[c[0] for c in CASES])
def test_fit_reaches_stated_accuracy(name, kw, nout, loss, train_acc, test_acc):
    X, y = DATASETS[name](n=80, seed=0, **kw)
    model = MLP(2, [8, 8, nout], seed=0)
    history = fit(model, X, y, loss=loss, optimizer=Adam(model.parameters(), lr=0.05),
                  epochs=40, verbose=False)
    assert set(history) >= {"loss", "accuracy"}
    assert len(history["loss"]) == len(history["accuracy"]) == 40
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] >= train_acc
    assert accuracy(model, X, y) >= train_acc
    Xt, yt = DATASETS[name](n=200, seed=1, **kw)
    assert accuracy(model, Xt, yt) >= test_acc


def test_fit_minibatches_sgd_l2_and_bce_with_index_labels():
    X, y = moons(n=60, seed=2, labels="index")
    model = MLP(2, [8, 1], activation="tanh", seed=1)
    opt = SGD(model.parameters(), lr=0.2, momentum=0.9)
    history = fit(model, X, y, loss="auto", optimizer=opt, epochs=15, batch_size=20, l2=1e-4,
                  verbose=False)
    assert opt.steps == 15 * 3
    assert history["accuracy"][-1] >= 0.85
    assert accuracy(model, X, y) >= 0.85


def test_fit_with_callable_loss_and_regression_accuracy_is_none():
    X = [[x / 10] for x in range(-10, 11)]
    y = [2 * x[0] + 0.5 for x in X]
    model = MLP(1, [1], seed=0)
    seen = []
    history = fit(model, X, y, loss=lambda out, t: (out - t) ** 2, optimizer="sgd", lr=0.1,
                  epochs=50, verbose=False, callback=lambda e, h: seen.append(e))
    assert seen == list(range(50))
    assert history["accuracy"] == [None] * 50
    assert history["loss"][-1] < 1e-3
    w, b = model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data
    assert w == pytest.approx(2.0, abs=0.05) and b == pytest.approx(0.5, abs=0.05)


def test_fit_accepts_loss_functions_and_optimizer_classes():
    import nn

    X, y = xor(n=30, seed=0)
    model = MLP(2, [6, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss=nn.hinge, optimizer=SGD, lr=0.2, epochs=10, verbose=False)
    assert len(history["loss"]) == 10 and history["loss"][-1] < history["loss"][0]
    assert history["accuracy"][-1] is not None
    X3, y3 = spiral(n=30, classes=3, seed=0)
    model = MLP(2, [6, 3], seed=0)
    history = fit(model, X3, y3, loss=nn.cross_entropy, optimizer=Adam(model.parameters(), 0.05),
                  epochs=5, verbose=False)
    assert history["accuracy"][-1] is not None


def test_fit_progress_bar_shows_loss_and_accuracy_and_can_be_silenced(capsys):
    X, y = xor(n=20, seed=0)
    fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, verbose=True)
    err = capsys.readouterr().err
    assert "loss=" in err and "acc=" in err and "3/3" in err
    fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, verbose=False)
    out = capsys.readouterr()
    assert out.err == "" and out.out == ""
    fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_errors():
    X, y = xor(n=10)
    with pytest.raises(ValueError, match="10 inputs but 9 targets"):
        fit(MLP(2, [1]), X, y[:9], verbose=False)
    with pytest.raises(ValueError, match="unknown loss"):
        fit(MLP(2, [1]), X, y, loss="l1", verbose=False)
