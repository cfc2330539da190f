"""One op, one entry: a new op written as one table entry is drawn, traced, explained,
compiled, replayed in torch and usable as an nn activation by name, with no other edit."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import OPS, Primitive, Value, apply, compile, draw, explain, trace_text
from autograd import value_and_grad as vg
from autograd.see import find_neurons
from nn import ACTIVATIONS, MLP, check_activation


def _softsign(x: float) -> float:
    return x / (1.0 + abs(x))


SOFTSIGN = Primitive(
    name="softsign",
    forward=_softsign,
    derivatives=(lambda out, x: 1.0 / ((1.0 + abs(x)) * (1.0 + abs(x))),),
    symbols=("1/(1 + |{0}|)²",),
    formulas=("softsign'(x) = 1/(1 + |x|)²",),
    text="softsign({0})",
    latex={"softsign": r"\operatorname{softsign}"},
    finite_derivatives=True,
    code=("{0} / (1.0 + abs({0}))", "1.0 / ((1.0 + abs({0})) * (1.0 + abs({0})))"),
    never_inf=True,
    torch=lambda t, x: t.nn.functional.softsign(x),
    activation=True,
    torch_module=("Softsign", {}, ""),
)


@pytest.fixture
def softsign(monkeypatch):
    monkeypatch.setitem(OPS, "softsign", SOFTSIGN)
    return SOFTSIGN


def _graph() -> tuple[Value, Value]:
    w = Value(0.7, label="w")
    y = apply("softsign", w * -2.0) * w
    return y, w


def test_the_new_entry_is_an_activation_and_nothing_else_knows_it(softsign):
    assert "softsign" in ACTIVATIONS and check_activation("softsign") == "softsign"
    assert "softsign" in autograd.torch_replay.TORCH_OPS


def test_drawn_traced_and_explained_from_its_entry(softsign):
    y, w = _graph()
    y.backward()
    assert "softsign" in draw(y).source
    text = trace_text(y)
    assert "softsign(" in text and "1/(1 + |" in text
    e = explain(y, w)
    assert math.isclose(e.total, w.grad, rel_tol=1e-12)
    by_hand = _softsign(-1.4) + 0.7 * (-2.0) / (1.0 + 1.4) ** 2
    assert math.isclose(w.grad, by_hand, rel_tol=1e-12)


def test_compiled_equals_eager_to_the_bit(softsign):
    def f(w):
        return apply("softsign", w * -2.0) * w

    compiled = compile(f)
    for x in (0.7, -3.0, 0.0, 1e-300):
        assert compiled(x) == vg(f)(x)
    assert "abs(" in compiled.source  # the entry's code, not a call back into the engine


def test_replayed_in_torch(softsign):
    y, _ = _graph()
    autograd.replay_in_torch(y).check(1e-12)


def test_an_mlp_uses_it_by_name_is_drawn_as_neurons_and_converts_to_torch(softsign):
    import torch  # the suite installs it (make test): never skipped
    model = MLP(2, [3, 1], activation="softsign", seed=0)
    out = model([0.5, -1.0])
    neurons = find_neurons(out)
    assert [n.activation for n in neurons].count("softsign") == 3
    module = model.to_torch()
    assert any(type(m).__name__ == "Softsign" for m in module)
    got = module(torch.tensor([0.5, -1.0], dtype=torch.float64)).item()
    assert math.isclose(got, out.data, rel_tol=1e-12)
    back = MLP.from_torch(module)
    assert math.isclose(back([0.5, -1.0]).data, out.data, rel_tol=1e-12)
