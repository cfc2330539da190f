"""micrograd's demo (demo.ipynb) runs on chaingrad with only its imports changed.

The code below is the demo's, line for line: MLP(2, [16, 16, 1]), an SVM
"max-margin" (hinge) loss with 1e-4 L2 on all parameters, SGD with a decaying
learning rate, 100 steps. Only the imports differ: ``Value`` and ``MLP`` come
from chaingrad, and make_moons (from scikit-learn in the demo) is chaingrad's
moons data set returned as numpy arrays with labels in {0, 1}, as sklearn's.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

# --- the imports: the only lines changed -------------------------------------------
from autograd import Value
from nn import MLP
from nn import moons as _moons


def make_moons(n_samples=100, noise=0.1):
    X, y = _moons(n=n_samples, noise=noise, seed=int(np.random.randint(2**31)), labels="index")
    return np.array(X), np.array(y)


# ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_micrograd_demo_runs_unchanged_and_learns_the_moons(capsys):
    np.random.seed(1337)
    random.seed(1337)

    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1  # make y be -1 or 1

    model = MLP(2, [16, 16, 1])  # 2-layer neural network
    print(model)
    print("number of parameters", len(model.parameters()))

    def loss(batch_size=None):
        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))  # noqa: UP034 (verbatim)
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    total_loss, acc = loss()
    print(total_loss, acc)

    # optimization
    history = []
    for k in range(100):
        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

        if k % 1 == 0:
            print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
        history.append((total_loss.data, acc))

    # --- what the demo shows: the loss falls and the moons are separated ---------------
    out = capsys.readouterr().out
    assert "number of parameters 337" in out
    assert "step 99 loss" in out
    first_loss, first_acc = history[0]
    last_loss, last_acc = history[-1]
    assert last_loss < 0.2 * first_loss
    assert last_acc >= 0.97
    final_loss, final_acc = loss()
    assert final_acc >= 0.97
    # and the batched variant of the demo's loader also runs
    total_loss, acc = loss(batch_size=10)
    assert isinstance(total_loss, Value) and 0.0 <= acc <= 1.0


def test_same_numbers_as_micrograd_itself_for_the_demo_loss():
    """With micrograd's weights copied in, the demo's loss and every gradient agree.

    micrograd 0.1.0 is a test dependency (the ``bench`` extra, installed by ``make test``).
    """
    import micrograd.engine
    import micrograd.nn

    X, y = _moons(n=30, noise=0.1, seed=5)
    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1])
    assert len(theirs.parameters()) == len(ours.parameters()) == 337
    for layer in theirs.layers:  # nonzero biases, so that they matter
        for n in layer.neurons:
            n.b.data = random.uniform(-0.5, 0.5)
    for a, b in zip(theirs.parameters(), ours.parameters()):
        b.data = float(a.data)

    def demo_loss(model, V):
        inputs = [list(map(V, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        return data_loss + reg_loss, [s.data for s in scores]

    lt, st = demo_loss(theirs, micrograd.engine.Value)
    lo, so = demo_loss(ours, Value)
    assert so == pytest.approx(st, rel=1e-12, abs=1e-12)
    assert lo.data == pytest.approx(lt.data, rel=1e-12)
    theirs.zero_grad()
    ours.zero_grad()
    lt.backward()
    lo.backward()
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [p.grad for p in theirs.parameters()], rel=1e-9, abs=1e-12
    )
    assert any(p.grad != 0 for p in ours.parameters())
